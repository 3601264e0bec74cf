// SPDX-License-Identifier: MIT
#include "nodexx/stream/stream_base.hpp"

#include <cassert>

#include "nodexx/core/loop.hpp"
#include "nodexx/stream/errors.hpp"

namespace nx::stream {

void Callback::operator()(std::exception_ptr error) const {
  // A local reference: the call may release the last other reference to the stream (and
  // this callback may live inside it).
  std::shared_ptr<StreamBase> keep = stream_;
  Fn fn = fn_;
  fn(*keep, tag_, std::move(error));
}

namespace detail {

void WaiterList::push(Waiter& w) noexcept {
  w.prev = tail_;
  w.next = nullptr;
  if (tail_ != nullptr) {
    tail_->next = &w;
  } else {
    head_ = &w;
  }
  tail_ = &w;
  w.linked = true;
}

void WaiterList::remove(Waiter& w) noexcept {
  if (!w.linked) return;
  if (w.prev != nullptr) {
    w.prev->next = w.next;
  } else {
    head_ = w.next;
  }
  if (w.next != nullptr) {
    w.next->prev = w.prev;
  } else {
    tail_ = w.prev;
  }
  w.next = w.prev = nullptr;
  w.linked = false;
}

void WaiterList::resumeAll(const std::exception_ptr& error) {
  while (head_ != nullptr) {
    Waiter& w = *head_;
    remove(w);
    w.error = error;
    // Resumed from a microtask, like every other await.
    queueMicrotask([h = w.handle] { h.resume(); });
  }
}

void emitErrorNT(StreamBase& s, const std::exception_ptr& error) {
  if (StreamAccess::errorEmitted(s)) return;
  StreamAccess::errorEmitted(s) = true;
  Event<std::exception_ptr>& ev = StreamAccess::errorEvent(s);
  // Node: emitting "error" with no listener throws (an uncaught exception).
  if (ev.listenerCount() == 0) std::rethrow_exception(error);
  std::exception_ptr e = error;
  ev.emit(e);
}

namespace {
void emitCloseNT(StreamBase& s) {
  StreamAccess::closeEmitted(s) = true;
  if (s.emitCloseEnabled()) StreamAccess::closeEvent(s).emit();
  StreamAccess::afterClose(s);
}
}  // namespace

}  // namespace detail

StreamBase::StreamBase() noexcept : loop_(&Loop::current()) {}

StreamBase::~StreamBase() = default;

void StreamBase::assertLoopThread() const noexcept {
  assert(loop_->isLoopThread() && "a stream used from a thread other than its loop's");
}

std::shared_ptr<StreamBase> StreamBase::self() noexcept {
  if (std::shared_ptr<StreamBase> p = weak_from_this().lock()) return p;
  if (std::shared_ptr<void> o = owner_.lock()) return std::shared_ptr<StreamBase>(o, this);
  // Neither owned by a shared_ptr nor embedded with setOwner(): a non-owning pointer.
  return std::shared_ptr<StreamBase>(std::shared_ptr<StreamBase>(), this);
}

void StreamBase::destroy(std::exception_ptr error) {
  assertLoopThread();
  if (destroyed_) return;
  if (error && !errored_) errored_ = error;
  onDestroyStart();
  destroyed_ = true;
  const std::uint32_t tag = ++destroyTag_;
  try {
    _destroy(error, Callback(self(), &onDestroyCallback, tag));
  } catch (...) {
    onDestroyCallback(*this, tag, std::current_exception());
  }
}

void StreamBase::_destroy(std::exception_ptr error, Callback callback) {
  callback(std::move(error));
}

void StreamBase::onDestroyCallback(StreamBase& s, std::uint32_t tag, std::exception_ptr error) {
  // Node ignores a second call of the _destroy callback.
  if (tag != s.destroyTag_ || s.closed_) return;
  if (error && !s.errored_) s.errored_ = error;
  s.closed_ = true;
  if (error) {
    detail::tick(s, [&s, error] {
      detail::emitErrorNT(s, error);
      detail::emitCloseNT(s);
    });
  } else {
    detail::tick(s, [&s] { detail::emitCloseNT(s); });
  }
}

void StreamBase::errorOrDestroy(std::exception_ptr error, bool sync) {
  if (destroyed_) return;
  if (autoDestroy_) {
    destroy(std::move(error));
  } else if (error) {
    if (!errored_) errored_ = error;
    onDestroyStart();
    if (sync) {
      detail::tick(*this, [this, error] { detail::emitErrorNT(*this, error); });
    } else {
      detail::emitErrorNT(*this, error);
    }
  }
}

}  // namespace nx::stream
