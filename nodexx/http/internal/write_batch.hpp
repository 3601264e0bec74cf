// SPDX-License-Identifier: MIT
// The per-thread read buffer and output batch (uWebSockets' "cork"). Every response byte goes
// into one buffer owned by one connection at a time; it is written with a single uv_try_write
// when the thread's tick queue runs (after the read callback that produced it, or after the
// microtasks that finished async responses), or earlier when another connection needs it.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "nodexx/core/loop.hpp"

namespace nx::http::detail {

class Connection;

class WriteBatch {
 public:
  static constexpr std::size_t kReadBufferSize = 64 * 1024;

  // Room for a full read's worth of pipelined answers from the start, so that a batch does not
  // grow (reallocate) while requests are being served.
  WriteBatch() { buf_.reserve(kInitialCapacity); }

  static WriteBatch& current() {
    // Heap-allocated on first use so that threads that never serve HTTP pay nothing (a
    // thread_local array would be reserved in every thread's TLS block).
    thread_local std::unique_ptr<WriteBatch> batch;
    if (!batch) batch = std::make_unique<WriteBatch>();
    return *batch;
  }

  /// Appends `bytes` for `c`; flushes another owner's bytes first.
  void add(Connection* c, std::string_view bytes);
  Connection* owner() const noexcept { return owner_; }
  std::size_t size() const noexcept { return buf_.size(); }
  /// The bytes of `c` (empty if it does not own the batch); the batch has no owner after.
  std::string_view take(Connection* c) noexcept {
    if (owner_ != c) return {};
    owner_ = nullptr;
    return buf_;
  }
  /// Drops the content (after it was written, or when its owner closed).
  void clear() noexcept {
    buf_.clear();
    owner_ = nullptr;
    // A burst can grow the batch; do not keep more than a few pages for the thread.
    if (buf_.capacity() > kKeepCapacity) std::string().swap(buf_);
  }
  /// Writes the batch (the tick scheduled by add()).
  void flush() noexcept;

  char readBuffer[kReadBufferSize];

 private:
  static constexpr std::size_t kInitialCapacity = 32 * 1024;
  static constexpr std::size_t kKeepCapacity = 256 * 1024;
  std::string buf_;
  Connection* owner_ = nullptr;
  bool scheduled_ = false;
};

}  // namespace nx::http::detail
