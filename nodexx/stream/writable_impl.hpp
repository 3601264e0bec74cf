// SPDX-License-Identifier: MIT
// Template bodies of writable.hpp: Node's lib/internal/streams/writable.js for chunks of type T.
#pragma once

#include <cassert>
#include <utility>

#include "nodexx/core/loop.hpp"
#include "nodexx/stream/errors.hpp"
#include "nodexx/stream/writable.hpp"

namespace nx::stream {
namespace detail {

template <class T>
struct WritableOps {
  using W = Writable<T>;
  using UserCb = MoveFunction<void(std::exception_ptr)>;

  static void callUser(UserCb& cb, std::exception_ptr e) {
    if (cb) {
      UserCb f = std::move(cb);
      f(std::move(e));
    }
  }

  static bool writeOrBuffer(W& w, T&& chunk, UserCb&& cb) {
    WritableCore& st = w.core_;
    const std::size_t len = chunkLength(chunk);
    st.length += len;
    const bool ret = st.length < st.highWaterMark;
    if (!ret) st.needDrain = true;
    if (st.writing || st.corked != 0 || w.errored()) {
      w.buffered_.push_back(typename W::Entry{std::move(chunk), std::move(cb)});
    } else {
      doWrite(w, len, std::move(chunk), std::move(cb));
    }
    return ret && !w.errored() && !w.destroyed();
  }

  static void doWrite(W& w, std::size_t len, T&& chunk, UserCb&& cb) {
    WritableCore& st = w.core_;
    st.writelen = len;
    st.writecb = std::move(cb);
    st.writing = true;
    st.sync = true;
    st.writeTag = ++st.tagSeq;
    if (w.destroyed()) {
      onwrite(w, st.writeTag, std::make_exception_ptr(errors::destroyed("write")));
    } else {
      try {
        w._write(std::move(chunk), Callback(w.self(), &completeThunk<kWriteDone>, st.writeTag));
      } catch (...) {
        // A throwing _write counts as its callback with the error, unless it called it.
        if (st.writeTag != 0) onwrite(w, st.writeTag, std::current_exception());
      }
    }
    st.sync = false;
  }

  static void doWritev(W& w) {
    WritableCore& st = w.core_;
    st.writelen = st.length;
    std::vector<UserCb> callbacks;
    w.writev_.clear();
    for (std::size_t i = w.bufferedIndex_; i < w.buffered_.size(); ++i) {
      w.writev_.push_back(std::move(w.buffered_[i].chunk));
      if (w.buffered_[i].callback) callbacks.push_back(std::move(w.buffered_[i].callback));
    }
    if (callbacks.empty()) {
      st.writecb = nullptr;
    } else {
      st.writecb = [cbs = std::move(callbacks)](std::exception_ptr e) mutable {
        for (auto& cb : cbs) cb(e);
      };
    }
    st.writing = true;
    st.sync = true;
    st.writeTag = ++st.tagSeq;
    try {
      w._writev(std::span<T>(w.writev_),
                Callback(w.self(), &completeThunk<kWriteDone>, st.writeTag));
    } catch (...) {
      if (st.writeTag != 0) onwrite(w, st.writeTag, std::current_exception());
    }
    st.sync = false;
  }

  static void onwrite(W& w, std::uint32_t tag, std::exception_ptr er) {
    WritableCore& st = w.core_;
    if (tag != st.writeTag || tag == 0) {
      w.errorOrDestroy(std::make_exception_ptr(errors::multipleCallback()));
      return;
    }
    const bool sync = st.sync;
    UserCb cb = std::move(st.writecb);
    st.writecb = nullptr;
    st.writeTag = 0;
    st.writing = false;
    st.length -= st.writelen;
    st.writelen = 0;
    w.writev_.clear();
    if (er) {
      if (!w.errored()) StreamAccess::errored(w) = er;
      if (sync) {
        tick(w, [&w, er, cb = std::move(cb)]() mutable { onwriteError(w, er, std::move(cb)); });
      } else {
        onwriteError(w, er, std::move(cb));
      }
      return;
    }
    if (w.buffered_.size() > w.bufferedIndex_) clearBuffer(w);
    if (sync) {
      if (!cb && st.afterWriteTickPending && st.afterWriteNop) {
        ++st.afterWriteCount;
      } else {
        if (st.afterWriteTickPending && st.afterWriteNop) {
          // A pending batch is replaced (Node's afterWriteTickInfo): freeze its count.
          st.frozenAfterWrite.push_back(st.afterWriteCount);
          ++st.afterWriteGen;
        }
        if (!cb) {
          st.afterWriteTickPending = true;
          st.afterWriteNop = true;
          st.afterWriteCount = 1;
          const std::uint32_t gen = ++st.afterWriteGen;
          tick(w, [&w, gen] {
            WritableCore& s2 = w.core_;
            std::uint32_t count;
            if (gen == s2.afterWriteGen && s2.afterWriteTickPending && s2.afterWriteNop) {
              count = s2.afterWriteCount;
              s2.afterWriteTickPending = false;
            } else {
              count = s2.frozenAfterWrite.front();
              s2.frozenAfterWrite.erase(s2.frozenAfterWrite.begin());
            }
            UserCb none;
            afterWrite(w, count, none);
          });
        } else {
          st.afterWriteTickPending = true;
          st.afterWriteNop = false;
          ++st.afterWriteGen;
          tick(w, [&w, cb = std::move(cb)]() mutable {
            WritableCore& s2 = w.core_;
            if (s2.afterWriteTickPending && !s2.afterWriteNop) s2.afterWriteTickPending = false;
            afterWrite(w, 1, cb);
          });
        }
      }
    } else {
      afterWrite(w, 1, cb);
    }
  }

  static void afterWrite(W& w, std::uint32_t count, UserCb& cb) {
    WritableCore& st = w.core_;
    const bool needDrain = !st.ending && !w.destroyed() && st.length == 0 && st.needDrain;
    if (needDrain) {
      st.needDrain = false;
      st.drain.emit();
      st.drainWaiters.resumeAll(nullptr);
    }
    while (count-- > 0) {
      --st.pendingcb;
      if (cb) cb(nullptr);
    }
    if (w.destroyed()) errorBuffer(w);
    finishMaybe(w, false);
  }

  static void onwriteError(W& w, std::exception_ptr er, UserCb cb) {
    --w.core_.pendingcb;
    callUser(cb, er);
    errorBuffer(w);
    w.errorOrDestroy(er);
  }

  static std::exception_ptr failure(W& w, const char* method) {
    if (w.errored()) return w.errored();
    return std::make_exception_ptr(errors::destroyed(method));
  }

  static void errorBuffer(W& w) {
    WritableCore& st = w.core_;
    if (st.writing) return;
    for (std::size_t n = w.bufferedIndex_; n < w.buffered_.size(); ++n) {
      auto& e = w.buffered_[n];
      st.length -= chunkLength(e.chunk);
      callUser(e.callback, failure(w, "write"));
    }
    std::vector<UserCb> onFinished = std::move(st.onFinished);
    st.onFinished.clear();
    for (auto& f : onFinished) f(failure(w, "end"));
    st.finishWaiters.resumeAll(failure(w, "end"));
    st.drainWaiters.resumeAll(failure(w, "write"));
    w.buffered_.clear();
    w.bufferedIndex_ = 0;
  }

  static void clearBuffer(W& w) {
    WritableCore& st = w.core_;
    if (st.corked != 0 || st.bufferProcessing || w.destroyed()) return;
    const std::size_t bufferedLength = w.buffered_.size() - w.bufferedIndex_;
    if (bufferedLength == 0) return;
    std::size_t i = w.bufferedIndex_;
    st.bufferProcessing = true;
    if (bufferedLength > 1 && st.writev) {
      st.pendingcb -= bufferedLength - 1;
      doWritev(w);
      w.buffered_.clear();
      w.bufferedIndex_ = 0;
    } else {
      do {
        auto entry = std::move(w.buffered_[i++]);
        const std::size_t len = chunkLength(entry.chunk);
        doWrite(w, len, std::move(entry.chunk), std::move(entry.callback));
      } while (i < w.buffered_.size() && !st.writing);
      if (i == w.buffered_.size()) {
        w.buffered_.clear();
        w.bufferedIndex_ = 0;
      } else if (i > 256) {
        w.buffered_.erase(w.buffered_.begin(),
                          w.buffered_.begin() + static_cast<std::ptrdiff_t>(i));
        w.bufferedIndex_ = 0;
      } else {
        w.bufferedIndex_ = i;
      }
    }
    st.bufferProcessing = false;
  }

  // Node's _write(): returns the error when the write is refused.
  static std::exception_ptr writeImpl(W& w, T&& chunk, UserCb&& cb, bool& ret) {
    WritableCore& st = w.core_;
    std::exception_ptr err;
    if (st.ending) {
      err = std::make_exception_ptr(errors::writeAfterEnd());
    } else if (w.destroyed()) {
      err = std::make_exception_ptr(errors::destroyed("write"));
    }
    if (err) {
      if (cb) tick(w, [cb = std::move(cb), err]() mutable { cb(err); });
      w.errorOrDestroy(err, true);
      ret = false;
      return err;
    }
    ++st.pendingcb;
    ret = writeOrBuffer(w, std::move(chunk), std::move(cb));
    return nullptr;
  }

  static EndResult end(W& w, T* chunk) {
    WritableCore& st = w.core_;
    std::exception_ptr err;
    if (chunk != nullptr) {
      bool ignored = false;
      err = writeImpl(w, std::move(*chunk), nullptr, ignored);
    }
    if (st.corked != 0) {
      st.corked = 1;
      w.uncork();
    }
    if (err) {
      // Reported through the write's error already.
    } else if (!w.errored() && !st.ending) {
      st.ending = true;
      finishMaybe(w, true);
      st.ended = true;
    } else if (st.finished) {
      err = std::make_exception_ptr(errors::alreadyFinished("end"));
    } else if (w.destroyed()) {
      err = std::make_exception_ptr(errors::destroyed("end"));
    }
    return EndResult(&w, std::move(err));
  }
};

}  // namespace detail

template <class T>
Writable<T>::Writable(WritableOptions options) {
  core_.objectMode = kIsObjectMode<T>;
  core_.highWaterMark = detail::resolveHighWaterMark(options.highWaterMark, core_.objectMode);
  core_.writev = options.writev;
  w_ = &core_;
  setCommonOptions(options.autoDestroy, options.emitClose);
}

template <class T>
Writable<T>::~Writable() {
  w_ = nullptr;
}

template <class T>
WriteResult Writable<T>::write(T chunk, MoveFunction<void(std::exception_ptr)> callback) {
  assertLoopThread();
  bool ret = false;
  detail::WritableOps<T>::writeImpl(*this, std::move(chunk), std::move(callback), ret);
  return WriteResult(this, ret);
}

template <class T>
EndResult Writable<T>::end() {
  assertLoopThread();
  return detail::WritableOps<T>::end(*this, nullptr);
}

template <class T>
EndResult Writable<T>::end(T chunk) {
  assertLoopThread();
  return detail::WritableOps<T>::end(*this, &chunk);
}

template <class T>
void Writable<T>::cork() noexcept {
  ++core_.corked;
}

template <class T>
void Writable<T>::uncork() {
  if (core_.corked != 0) {
    --core_.corked;
    if (!core_.writing) detail::WritableOps<T>::clearBuffer(*this);
  }
}

template <class T>
bool Writable<T>::writable() const noexcept {
  return !destroyed() && !errored() && !core_.ending && !core_.ended;
}

template <class T>
WritableEvents Writable<T>::events() noexcept {
  return {error_, close_, core_.drain, core_.finish, core_.prefinish, core_.pipe, core_.unpipe};
}

template <class T>
void Writable<T>::_write(T, Callback callback) {
  callback(errors::methodNotImplemented("_write()"));
}

template <class T>
void Writable<T>::_writev(std::span<T>, Callback callback) {
  callback(errors::methodNotImplemented("_writev()"));
}

template <class T>
void Writable<T>::_final(Callback callback) {
  callback();
}

template <class T>
void Writable<T>::onDestroyStart() {
  // Node's Writable.prototype.destroy: pending write and end callbacks fail in a tick.
  if (bufferedIndex_ < buffered_.size() || !core_.onFinished.empty() ||
      !core_.finishWaiters.empty() || !core_.drainWaiters.empty()) {
    detail::tick(*this, [this] {
      detail::WritableOps<T>::errorBuffer(*this);
      // Coroutines waiting for room or for "finish" never wait on a destroyed stream, even
      // while a _write is still in flight (errorBuffer waits for it).
      core_.drainWaiters.resumeAll(detail::WritableOps<T>::failure(*this, "write"));
      core_.finishWaiters.resumeAll(detail::WritableOps<T>::failure(*this, "end"));
    });
  }
}

template <class T>
void Writable<T>::runFinalHook(Callback callback) {
  _final(std::move(callback));
}

template <class T>
void Writable<T>::completeHook(int kind, std::uint32_t tag, std::exception_ptr error) {
  if (kind == detail::kWriteDone) detail::WritableOps<T>::onwrite(*this, tag, std::move(error));
}

template <class T>
void Writable<T>::endWritableHook() {
  if (writable() && !core_.ending && !destroyed()) (void)end();
}

template <class T>
void Writable<T>::errorBufferHook() {
  detail::WritableOps<T>::errorBuffer(*this);
}

}  // namespace nx::stream
