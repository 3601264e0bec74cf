// SPDX-License-Identifier: MIT
// Small stream implementations shared by the stream module's tests.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "nodexx/stream/duplex.hpp"
#include "nodexx/stream/readable.hpp"
#include "nodexx/stream/writable.hpp"

namespace nx::stream::testing {

/// A Writable that records chunks; completes each write synchronously, or holds the callbacks
/// in `pending` when `manual` is set (a slow consumer).
template <class T>
class Sink : public Writable<T> {
 public:
  explicit Sink(WritableOptions o = {}) : Writable<T>(o) {}
  std::vector<T> chunks;
  std::vector<Callback> pending;
  bool manual = false;
  std::function<void(T&, Callback&)> onWrite;
  int finals = 0;

  /// Completes the oldest held write.
  void completeOne(std::exception_ptr e = nullptr) {
    Callback cb = pending.front();
    pending.erase(pending.begin());
    cb(e);
  }

 protected:
  void _write(T chunk, Callback callback) override {
    chunks.push_back(chunk);
    if (onWrite) {
      onWrite(chunks.back(), callback);
      return;
    }
    if (manual) {
      pending.push_back(std::move(callback));
    } else {
      callback();
    }
  }
  void _final(Callback callback) override {
    ++finals;
    callback();
  }
};

/// A Readable whose _read is recorded and optionally answered by `onRead`.
template <class T>
class Source : public Readable<T> {
 public:
  explicit Source(ReadableOptions o = {}) : Readable<T>(o) {}
  int reads = 0;
  std::function<void(Source&)> onRead;

 protected:
  void _read(std::size_t) override {
    ++reads;
    if (onRead) onRead(*this);
  }
};

}  // namespace nx::stream::testing
