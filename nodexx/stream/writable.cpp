// SPDX-License-Identifier: MIT
#include "nodexx/stream/writable.hpp"

#include "nodexx/stream/readable.hpp"

namespace nx::stream {

namespace detail {
namespace {

void onFinalDone(StreamBase& s, std::uint32_t tag, std::exception_ptr error) {
  WritableCore& w = *s.writableCore();
  if (tag != w.finalTag) {
    s.errorOrDestroy(error ? error : std::make_exception_ptr(errors::multipleCallback()));
    return;
  }
  w.finalTag = 0;
  --w.pendingcb;
  if (error) {
    std::vector<MoveFunction<void(std::exception_ptr)>> onFinished = std::move(w.onFinished);
    w.onFinished.clear();
    for (auto& f : onFinished) f(error);
    w.finishWaiters.resumeAll(error);
    s.errorOrDestroy(error, w.sync);
  } else if (needFinish(s)) {
    w.prefinished = true;
    w.prefinish.emit();
    ++w.pendingcb;
    tick(s, [&s] { finish(s); });
  }
}

void callFinal(StreamBase& s) {
  WritableCore& w = *s.writableCore();
  w.sync = true;
  ++w.pendingcb;
  const std::uint32_t tag = w.finalTag = ++w.tagSeq;
  try {
    StreamAccess::runFinal(s, Callback(s.self(), &onFinalDone, tag));
  } catch (...) {
    onFinalDone(s, tag, std::current_exception());
  }
  w.sync = false;
}

void prefinish(StreamBase& s) {
  WritableCore& w = *s.writableCore();
  if (!w.prefinished && !w.finalCalled) {
    if (!s.destroyed()) {
      w.finalCalled = true;
      callFinal(s);
    } else {
      w.prefinished = true;
      w.prefinish.emit();
    }
  }
}

}  // namespace

bool needFinish(StreamBase& s) noexcept {
  const WritableCore& w = *s.writableCore();
  return w.ending && !s.destroyed() && w.length == 0 && !s.errored() && !w.finished && !w.writing &&
         !w.bufferProcessing && !StreamAccess::errorEmitted(s) && !StreamAccess::closeEmitted(s) &&
         w.writeTag == 0;
}

void finishMaybe(StreamBase& s, bool sync) {
  WritableCore& w = *s.writableCore();
  if (!needFinish(s)) return;
  prefinish(s);
  if (w.pendingcb != 0) return;
  if (sync) {
    ++w.pendingcb;
    tick(s, [&s] {
      if (needFinish(s)) {
        finish(s);
      } else {
        --s.writableCore()->pendingcb;
      }
    });
  } else if (needFinish(s)) {
    ++w.pendingcb;
    finish(s);
  }
}

void finish(StreamBase& s) {
  WritableCore& w = *s.writableCore();
  --w.pendingcb;
  w.finished = true;
  std::vector<MoveFunction<void(std::exception_ptr)>> onFinished = std::move(w.onFinished);
  w.onFinished.clear();
  for (auto& f : onFinished) f(nullptr);
  w.finishWaiters.resumeAll(nullptr);
  w.drainWaiters.resumeAll(nullptr);
  w.finish.emit();
  if (s.autoDestroy()) {
    const ReadableCore* r = s.readableCore();
    // A Duplex is destroyed once both sides are done.
    if (r == nullptr || r->endEmitted) s.destroy();
  }
}

}  // namespace detail

WriteResult::~WriteResult() {
  if (waiter_.linked) stream_->writableCore()->drainWaiters.remove(waiter_);
}

bool WriteResult::await_ready() const noexcept {
  if (ok_) return true;
  if (stream_->errored() || stream_->destroyed()) return true;
  const detail::WritableCore& w = *stream_->writableCore();
  return !w.needDrain || w.finished;
}

void WriteResult::await_suspend(std::coroutine_handle<> h) {
  waiter_.handle = h;
  waiter_.context = this;
  stream_->writableCore()->drainWaiters.push(waiter_);
}

void WriteResult::await_resume() {
  if (waiter_.error) std::rethrow_exception(waiter_.error);
  if (ok_) return;
  if (stream_->errored()) std::rethrow_exception(stream_->errored());
  if (stream_->destroyed()) throw errors::destroyed("write");
}

EndResult::~EndResult() {
  if (waiter_.linked) stream_->writableCore()->finishWaiters.remove(waiter_);
}

bool EndResult::await_ready() const noexcept {
  if (error_) return true;
  if (stream_->writableCore()->finished) return true;
  return stream_->errored() || stream_->destroyed();
}

void EndResult::await_suspend(std::coroutine_handle<> h) {
  waiter_.handle = h;
  waiter_.context = this;
  stream_->writableCore()->finishWaiters.push(waiter_);
}

void EndResult::await_resume() {
  if (error_) std::rethrow_exception(error_);
  if (waiter_.error) std::rethrow_exception(waiter_.error);
  if (stream_->writableCore()->finished) return;
  if (stream_->errored()) std::rethrow_exception(stream_->errored());
  if (stream_->destroyed()) throw errors::prematureClose();
}

template class Writable<Buffer>;

}  // namespace nx::stream
