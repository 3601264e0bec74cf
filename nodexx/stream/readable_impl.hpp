// SPDX-License-Identifier: MIT
// Template bodies of readable.hpp: Node's lib/internal/streams/readable.js for chunks of type T.
#pragma once

#include <algorithm>
#include <utility>

#include "nodexx/core/loop.hpp"
#include "nodexx/stream/errors.hpp"
#include "nodexx/stream/readable.hpp"

namespace nx::stream {

namespace detail {

template <class T>
struct ReadableOps {
  using R = Readable<T>;
  static constexpr std::ptrdiff_t kNaN = -1;  // Node's read() without a size
  static constexpr std::ptrdiff_t kOne = -2;  // one whole chunk (co_await read())

  static bool addChunkPush(R& r, T&& chunk) {
    ReadableCore& st = r.core_;
    if (!st.objectMode && chunkLength(chunk) == 0) {
      st.reading = false;
      maybeReadMore(r);
    } else if (st.ended) {
      r.errorOrDestroy(std::make_exception_ptr(errors::pushAfterEof()));
    } else if (r.destroyed() || r.errored()) {
      return false;
    } else {
      st.reading = false;
      addChunk(r, std::move(chunk));
    }
    return !st.ended && (st.length < st.highWaterMark || st.length == 0);
  }

  static void addChunk(R& r, T&& chunk) {
    ReadableCore& st = r.core_;
    if (st.flowing == 1 && st.length == 0 && !st.sync && r.data_.listenerCount() > 0) {
      clearAwaitDrain(r);
      st.dataEmitted = true;
      r.data_.emit(chunk);
    } else {
      st.length += chunkLength(chunk);
      r.buffer_.push(std::move(chunk));
      if (st.needReadable) emitReadable(r);
      if (!st.readers.empty()) scheduleWake(r);
    }
    maybeReadMore(r);
  }

  static void clearAwaitDrain(R& r) {
    r.core_.awaitDrain = 0;
    for (auto& p : r.pipes_) p->awaitingDrain = false;
  }

  static void onEofChunk(R& r) {
    ReadableCore& st = r.core_;
    if (st.ended) return;
    st.ended = true;
    if (st.sync) {
      emitReadable(r);
    } else {
      st.needReadable = false;
      st.emittedReadable = true;
      emitReadable_(r);
    }
    if (!st.readers.empty()) scheduleWake(r);
  }

  static void emitReadable(R& r) {
    ReadableCore& st = r.core_;
    st.needReadable = false;
    if (!st.emittedReadable) {
      st.emittedReadable = true;
      tick(r, [&r] { emitReadable_(r); });
    }
  }

  static void emitReadable_(R& r) {
    ReadableCore& st = r.core_;
    if (!r.destroyed() && !r.errored() && (st.length != 0 || st.ended)) {
      st.readable.emit();
      st.emittedReadable = false;
    }
    st.needReadable = st.flowing != 1 && !st.ended && st.length <= st.highWaterMark;
    flow(r);
  }

  static void maybeReadMore(R& r) {
    ReadableCore& st = r.core_;
    if (!st.readingMore) {
      st.readingMore = true;
      tick(r, [&r] { maybeReadMore_(r); });
    }
  }

  static void maybeReadMore_(R& r) {
    ReadableCore& st = r.core_;
    while (!st.reading && !st.ended &&
           (st.length < st.highWaterMark || (st.flowing == 1 && st.length == 0))) {
      const std::size_t len = st.length;
      read(r, 0);
      if (len == st.length) break;
    }
    st.readingMore = false;
  }

  static std::size_t howMuchToRead(R& r, std::ptrdiff_t n) {
    ReadableCore& st = r.core_;
    if (n == 0 || (st.length == 0 && st.ended)) return 0;
    if (st.objectMode) return 1;
    if (n < 0) {
      if ((n == kOne || st.flowing == 1) && st.length != 0) return chunkLength(r.buffer_.front());
      return st.length;
    }
    if (static_cast<std::size_t>(n) <= st.length) return static_cast<std::size_t>(n);
    return st.ended ? st.length : 0;
  }

  // Node's fromList for byte mode: `n` bytes from the front of the buffer.
  static T fromList(R& r, std::size_t n) {
    if constexpr (kIsObjectMode<T>) {
      (void)n;
      return r.buffer_.pop();
    } else {
      Buffer& first = r.buffer_.front();
      if (n == first.size()) return r.buffer_.pop();
      if (n < first.size()) {
        Buffer out = first.subarray(0, static_cast<std::ptrdiff_t>(n));
        first = first.subarray(static_cast<std::ptrdiff_t>(n));
        return out;
      }
      std::vector<Buffer> parts;
      std::size_t left = n;
      while (left > 0) {
        Buffer& b = r.buffer_.front();
        if (b.size() <= left) {
          left -= b.size();
          parts.push_back(r.buffer_.pop());
        } else {
          parts.push_back(b.subarray(0, static_cast<std::ptrdiff_t>(left)));
          b = b.subarray(static_cast<std::ptrdiff_t>(left));
          left = 0;
        }
      }
      return Buffer::concat(parts);
    }
  }

  // Node's Readable.prototype.read(n): n >= 0 bytes, kNaN (no size) or kOne.
  static std::optional<T> read(R& r, std::ptrdiff_t n) {
    ReadableCore& st = r.core_;
    const std::ptrdiff_t nOrig = n;
    if (n != 0) st.emittedReadable = false;
    if (n == 0 && st.needReadable &&
        ((st.highWaterMark != 0 ? st.length >= st.highWaterMark : st.length > 0) || st.ended)) {
      if (st.length == 0 && st.ended) {
        endReadable(r);
      } else {
        emitReadable(r);
      }
      return std::nullopt;
    }
    std::size_t want = howMuchToRead(r, n);
    if (want == 0 && st.ended) {
      if (st.length == 0) endReadable(r);
      return std::nullopt;
    }
    bool doRead = st.needReadable;
    if (st.length == 0 || st.length - want < st.highWaterMark) doRead = true;
    if (st.ended || st.reading || r.destroyed() || r.errored()) {
      doRead = false;
    } else if (doRead) {
      st.reading = true;
      st.sync = true;
      if (st.length == 0) st.needReadable = true;
      try {
        r._read(st.highWaterMark);
      } catch (...) {
        r.errorOrDestroy(std::current_exception());
      }
      st.sync = false;
      if (!st.reading) want = howMuchToRead(r, nOrig);
    }
    std::optional<T> ret;
    if (want > 0 && st.length > 0) ret.emplace(fromList(r, want));
    if (!ret) {
      st.needReadable = st.length <= st.highWaterMark;
      want = 0;
    } else {
      st.length -= want;
      clearAwaitDrain(r);
    }
    if (st.length == 0) {
      if (!st.ended) st.needReadable = true;
      if ((nOrig < 0 || static_cast<std::size_t>(nOrig) != want) && st.ended) endReadable(r);
    }
    if (ret && !StreamAccess::errorEmitted(r) && !StreamAccess::closeEmitted(r)) {
      st.dataEmitted = true;
      r.data_.emit(*ret);
    }
    return ret;
  }

  static void flow(R& r) {
    while (r.core_.flowing == 1 && read(r, kNaN)) {
    }
  }

  static void resume(R& r) {
    ReadableCore& st = r.core_;
    if (st.flowing != 1) {
      st.flowing = 1;
      if (!st.resumeScheduled) {
        st.resumeScheduled = true;
        tick(r, [&r] { resume_(r); });
      }
    }
    st.paused = false;
  }

  static void resume_(R& r) {
    ReadableCore& st = r.core_;
    if (!st.reading) read(r, 0);
    st.resumeScheduled = false;
    st.resume.emit();
    flow(r);
    if (st.flowing == 1 && !st.reading) read(r, 0);
  }

  static void pause(R& r) {
    ReadableCore& st = r.core_;
    if (st.flowing != 0) {
      st.flowing = 0;
      st.pause.emit();
    }
    st.paused = true;
  }

  static void onDataListener(void* context) {
    R& r = *static_cast<R*>(context);
    if (r.core_.flowing != 0) resume(r);
  }

  // co_await read(): serve waiting readers from a microtask.
  static void scheduleWake(R& r) {
    ReadableCore& st = r.core_;
    if (st.wakeScheduled) return;
    st.wakeScheduled = true;
    queueMicrotask([keep = r.self(), &r] { wake(r); });
  }

  static std::exception_ptr failure(R& r) {
    if (r.errored()) return r.errored();
    return std::make_exception_ptr(errors::prematureClose());
  }

  // Fills `rr` if a result is available now; false if it must wait.
  static bool tryRead(R& r, ReadResult<T>& rr) {
    ReadableCore& st = r.core_;
    if (r.errored() || (r.destroyed() && !(st.ended && st.length == 0) && st.length == 0)) {
      if (r.errored() || !st.endEmitted) {
        rr.waiter_.error = failure(r);
        rr.done_ = true;
        return true;
      }
    }
    if (r.destroyed() && st.length == 0) {
      if (!st.ended) rr.waiter_.error = failure(r);
      rr.done_ = true;
      return true;
    }
    std::optional<T> v = read(r, kOne);
    if (v) {
      rr.value_ = std::move(v);
      rr.done_ = true;
      return true;
    }
    if (r.errored()) {
      rr.waiter_.error = r.errored();
      rr.done_ = true;
      return true;
    }
    if (st.ended && st.length == 0) {
      rr.done_ = true;
      return true;
    }
    return false;
  }

  static void wake(R& r) {
    ReadableCore& st = r.core_;
    st.wakeScheduled = false;
    while (!st.readers.empty()) {
      Waiter* w = st.readers.front();
      auto* rr = static_cast<ReadResult<T>*>(w->context);
      if (!tryRead(r, *rr)) break;
      st.readers.remove(*w);
      w->handle.resume();
    }
  }
};

}  // namespace detail

template <class T>
ReadResult<T>::~ReadResult() {
  if (waiter_.linked) stream_->core_.readers.remove(waiter_);
}

template <class T>
bool ReadResult<T>::await_ready() {
  return detail::ReadableOps<T>::tryRead(*stream_, *this);
}

template <class T>
void ReadResult<T>::await_suspend(std::coroutine_handle<> h) {
  waiter_.handle = h;
  waiter_.context = this;
  stream_->core_.readers.push(waiter_);
}

template <class T>
std::optional<T> ReadResult<T>::await_resume() {
  if (waiter_.error) std::rethrow_exception(waiter_.error);
  return std::move(value_);
}

template <class T>
Readable<T>::Readable(ReadableOptions options)
    : data_(&detail::ReadableOps<T>::onDataListener, this) {
  core_.objectMode = kIsObjectMode<T>;
  core_.highWaterMark = detail::resolveHighWaterMark(options.highWaterMark, core_.objectMode);
  r_ = &core_;
  setCommonOptions(options.autoDestroy, options.emitClose);
}

template <class T>
Readable<T>::~Readable() {
  r_ = nullptr;
}

template <class T>
bool Readable<T>::push(T chunk) {
  assertLoopThread();
  return detail::ReadableOps<T>::addChunkPush(*this, std::move(chunk));
}

template <class T>
bool Readable<T>::push(std::nullptr_t) {
  assertLoopThread();
  core_.reading = false;
  detail::ReadableOps<T>::onEofChunk(*this);
  return false;
}

template <class T>
bool Readable<T>::unshift(T chunk) {
  assertLoopThread();
  detail::ReadableCore& st = core_;
  if (!st.objectMode && detail::chunkLength(chunk) == 0) {
    // Nothing to put back.
  } else if (st.endEmitted) {
    errorOrDestroy(std::make_exception_ptr(errors::unshiftAfterEnd()));
  } else if (destroyed() || errored()) {
    return false;
  } else {
    st.length += detail::chunkLength(chunk);
    buffer_.pushFront(std::move(chunk));
    if (st.needReadable) detail::ReadableOps<T>::emitReadable(*this);
    if (!st.readers.empty()) detail::ReadableOps<T>::scheduleWake(*this);
    detail::ReadableOps<T>::maybeReadMore(*this);
  }
  return !st.ended && (st.length < st.highWaterMark || st.length == 0);
}

template <class T>
void Readable<T>::pause() {
  detail::ReadableOps<T>::pause(*this);
}

template <class T>
void Readable<T>::resume() {
  detail::ReadableOps<T>::resume(*this);
}

template <class T>
bool Readable<T>::readable() const noexcept {
  return !destroyed() && !StreamAccess::errorEmitted(const_cast<Readable&>(*this)) &&
         !core_.endEmitted;
}

template <class T>
ReadableEvents<T> Readable<T>::events() noexcept {
  return {error_, close_, data_, core_.end, core_.pause, core_.resume, core_.readable};
}

template <class T>
void Readable<T>::_read(std::size_t) {
  errorOrDestroy(std::make_exception_ptr(errors::methodNotImplemented("_read()")));
}

template <class T>
void Readable<T>::onDestroyStart() {
  if (!core_.readers.empty()) detail::ReadableOps<T>::scheduleWake(*this);
}

template <class T>
void Readable<T>::readZeroHook() {
  detail::ReadableOps<T>::read(*this, 0);
}

template <class T>
void Readable<T>::flowHook() {
  detail::ReadableOps<T>::flow(*this);
}

}  // namespace nx::stream

#include "nodexx/stream/readable_pipe_impl.hpp"  // IWYU pragma: export
