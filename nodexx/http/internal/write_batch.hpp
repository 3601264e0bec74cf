// SPDX-License-Identifier: MIT
// The per-thread read buffer and output batch (uWebSockets' "cork"). Every response byte goes
// into one buffer owned by one connection at a time; it is written with a single uv_try_write
// when the thread's tick queue runs (after the read callback that produced it, or after the
// microtasks that finished async responses), or earlier when another connection needs it.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <new>
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
  WriteBatch() : data_(new char[kInitialCapacity]), cap_(kInitialCapacity) {}

  static WriteBatch& current() {
    // A plain pointer, so that an access is one thread-local load without a guard; the
    // batch is heap-allocated on first use, so threads that never serve HTTP pay nothing.
    if (current_ == nullptr) [[unlikely]] {
      current_ = create();
    }
    return *current_;
  }

  /// Appends `bytes` for `c`; flushes another owner's bytes first.
  void add(Connection* c, std::string_view bytes) {
    char* p = reserve(c, bytes.size());
    if (!bytes.empty()) std::memcpy(p, bytes.data(), bytes.size());
    size_ += bytes.size();
  }
  /// Room for `n` more bytes of `c` (flushing another owner's bytes first), to be filled in
  /// place and then committed: the response head is formatted straight into the batch. Valid
  /// until the next call on the batch.
  char* reserve(Connection* c, std::size_t n) {
    if (owner_ != c || !scheduled_) claim(c);
    if (cap_ - size_ < n) grow(n);
    return data_.get() + size_;
  }
  /// Ends a reserve(): `end` is one past the last byte written.
  void commit(const char* end) noexcept { size_ = static_cast<std::size_t>(end - data_.get()); }
  Connection* owner() const noexcept { return owner_; }
  std::size_t size() const noexcept { return size_; }
  /// The bytes of `c` (empty if it does not own the batch); the batch has no owner after.
  std::string_view take(Connection* c) noexcept {
    if (owner_ != c) return {};
    owner_ = nullptr;
    return {data_.get(), size_};
  }
  /// Drops the content (after it was written, or when its owner closed).
  void clear() noexcept {
    size_ = 0;
    owner_ = nullptr;
    // A burst can grow the batch; do not keep more than a few pages for the thread.
    if (cap_ > kKeepCapacity) {
      data_.reset(new (std::nothrow) char[kInitialCapacity]);
      cap_ = data_ ? kInitialCapacity : 0;
    }
  }
  /// Writes the batch (the tick scheduled by add()).
  void flush() noexcept;

  char readBuffer[kReadBufferSize];

 private:
  static constexpr std::size_t kInitialCapacity = 32 * 1024;
  static constexpr std::size_t kKeepCapacity = 256 * 1024;

  // The calling thread's batch, destroyed when the thread exits (current_ is reset then).
  static WriteBatch* create();
  static inline thread_local WriteBatch* current_ = nullptr;
  // Takes the batch for `c` and schedules its flush (out of line: once per owner and tick).
  void claim(Connection* c);
  void grow(std::size_t n);

  std::unique_ptr<char[]> data_;
  std::size_t size_ = 0;
  std::size_t cap_ = 0;
  Connection* owner_ = nullptr;
  bool scheduled_ = false;
};

}  // namespace nx::http::detail
