// SPDX-License-Identifier: MIT
#include "nodexx/resilience/semaphore.hpp"

#include "nodexx/core/errors.hpp"
#include "nodexx/resilience/task.hpp"

namespace nx::resilience {

namespace detail {

// One acquire() in line. References: the line holds one, its abort listener another.
struct SemaphoreWaiter : RefCounted {
  SemaphoreWaiter* prev = nullptr;
  SemaphoreWaiter* next = nullptr;
  bool waiting = true;
  AbortSignal signal;
  ListenerId abortId = 0;

  SemaphoreWaiter() noexcept {
    destroy = [](RefCounted* p) noexcept { delete static_cast<SemaphoreWaiter*>(p); };
  }
  SemaphoreWaiter(const SemaphoreWaiter&) = delete;
  SemaphoreWaiter& operator=(const SemaphoreWaiter&) = delete;
  virtual ~SemaphoreWaiter() = default;
  // Whether anyone can still observe the waiter's promise.
  virtual bool observed() const noexcept = 0;
  // Fulfills the promise with the permit that `state` passes on (one reference, one permit).
  virtual void grant(SemaphoreState* state) noexcept = 0;
  virtual void fail(std::exception_ptr error, bool dropped) noexcept = 0;
};

struct SemaphoreState : RefCounted {
  explicit SemaphoreState(std::size_t permits) noexcept : available(permits) {
    destroy = [](RefCounted* p) noexcept { delete static_cast<SemaphoreState*>(p); };
  }

  template <class P>
  static P makePermit(SemaphoreState* s) noexcept {
    if constexpr (std::is_same_v<P, Semaphore::Permit>) {
      return Semaphore::Permit(s);
    } else {
      return P(Semaphore::Permit(s));
    }
  }

  void link(SemaphoreWaiter* w) noexcept {
    w->prev = tail;
    (tail != nullptr ? tail->next : head) = w;
    tail = w;
    ++waitingCount;
  }
  void unlink(SemaphoreWaiter* w) noexcept {
    (w->prev != nullptr ? w->prev->next : head) = w->next;
    (w->next != nullptr ? w->next->prev : tail) = w->prev;
    w->prev = w->next = nullptr;
    w->waiting = false;
    --waitingCount;
    if (w->abortId != 0) w->signal.off(std::exchange(w->abortId, 0));
  }

  // A permit came back: to the first waiter that can still see its promise, else to the pool.
  void giveBack() noexcept {
    while (head != nullptr) {
      auto w = Ref<SemaphoreWaiter>::adopt(head);  // the line's reference
      unlink(w.get());
      if (!w->observed()) continue;
      retain(this);
      w->grant(this);
      return;
    }
    ++available;
  }

  void abortWaiter(SemaphoreWaiter& w) noexcept {
    if (!w.waiting) return;
    w.abortId = 0;  // the signal removed the listener before calling it
    auto hold = Ref<SemaphoreWaiter>::adopt(&w);
    unlink(&w);
    w.fail(w.signal.reason(), false);
  }

  void dropAll(const std::exception_ptr& error) noexcept {
    while (head != nullptr) {
      auto w = Ref<SemaphoreWaiter>::adopt(head);
      unlink(w.get());
      w->fail(error, true);
    }
  }

  std::size_t available;
  std::size_t waitingCount = 0;
  SemaphoreWaiter* head = nullptr;
  SemaphoreWaiter* tail = nullptr;
};

template <class P>
struct SemaphoreWaiterOf final : SemaphoreWaiter {
  nx::detail::StateRef<P> out = nx::detail::StateRef<P>::make();

  bool observed() const noexcept override { return out->refs > 1; }
  void grant(SemaphoreState* state) noexcept override {
    out->fulfill(SemaphoreState::makePermit<P>(state));
  }
  void fail(std::exception_ptr error, bool dropped) noexcept override {
    if (dropped) {
      rejectDropped(*out, std::move(error));
    } else {
      out->reject(std::move(error));
    }
  }
};

}  // namespace detail

void Semaphore::Permit::release() noexcept {
  detail::SemaphoreState* s = std::exchange(s_, nullptr);
  if (s == nullptr) return;
  s->giveBack();
  detail::release(s);
}

Semaphore::Semaphore(std::size_t permits) : s_(nullptr) {
  if (permits == 0) throw RangeError("ERR_OUT_OF_RANGE", "Semaphore: permits must be at least 1");
  s_ = new detail::SemaphoreState(permits);
}

Semaphore::~Semaphore() {
  if (s_ == nullptr) return;
  if (s_->head != nullptr) {
    s_->dropAll(std::make_exception_ptr(AbortError("The semaphore was destroyed")));
  }
  detail::release(s_);
}

template <class P>
Promise<P> Semaphore::acquireAs(AbortSignal signal) {
  if (signal.aborted()) return Promise<P>::reject(signal.reason());
  if (s_->available > 0 && s_->head == nullptr) {
    --s_->available;
    detail::retain(s_);
    return Promise<P>::resolve(detail::SemaphoreState::makePermit<P>(s_));
  }
  auto* w = new detail::SemaphoreWaiterOf<P>();
  Promise<P> result(w->out);
  s_->link(w);
  if (signal) {
    w->signal = std::move(signal);
    w->abortId =
        w->signal.onAbort([w = detail::Ref<detail::SemaphoreWaiter>(w),
                           s = detail::Ref<detail::SemaphoreState>(s_)] { s->abortWaiter(*w); });
  }
  return result;
}

Promise<Semaphore::Permit> Semaphore::acquire(AbortSignal signal) {
  return acquireAs<Permit>(std::move(signal));
}

std::optional<Semaphore::Permit> Semaphore::tryAcquire() noexcept {
  if (s_->available == 0 || s_->head != nullptr) return std::nullopt;
  --s_->available;
  detail::retain(s_);
  return Permit(s_);
}

std::size_t Semaphore::available() const noexcept { return s_->available; }
std::size_t Semaphore::waitingCount() const noexcept { return s_->waitingCount; }

Promise<Mutex::Lock> Mutex::lock(AbortSignal signal) {
  return sem_.acquireAs<Lock>(std::move(signal));
}

std::optional<Mutex::Lock> Mutex::tryLock() noexcept {
  auto permit = sem_.tryAcquire();
  if (!permit) return std::nullopt;
  return Lock(std::move(*permit));
}

}  // namespace nx::resilience
