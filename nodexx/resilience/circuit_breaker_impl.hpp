// SPDX-License-Identifier: MIT
// Template bodies of circuit_breaker.hpp: the typed calls and the fallback.
#pragma once

#include <memory>
#include <type_traits>
#include <utility>

#include "nodexx/resilience/circuit_breaker.hpp"

namespace nx::resilience {
namespace detail {

// A callable with no state cannot dangle: it need not be kept alive past its call.
template <class D>
inline constexpr bool kStatelessCall = std::is_empty_v<D>&& std::is_trivially_copyable_v<D>;

template <class T>
class TypedBreakerCore final : public BreakerCore {
 public:
  using BreakerCore::BreakerCore;

  // Calls the fallback for `error`; an empty promise when there is none.
  Promise<T> runFallback(const std::exception_ptr& error) {
    if (!fallback) return {};
    Promise<T> p;
    try {
      p = fallback(error);
      if (!p) nx::detail::throwEmptyPromise();
    } catch (...) {
      // As opossum: a fallback that throws rejects the call, and `fallback` is not emitted.
      return Promise<T>::reject(std::current_exception());
    }
    fellBack(error);
    return p;
  }

  // The result of a call that never ran: refused (open, capacity) or failed before running.
  Promise<T> refused(const std::exception_ptr& error) {
    Promise<T> fb = runFallback(error);
    return fb ? fb : Promise<T>::reject(error);
  }

  // Settles `out` for a call that ran and failed with `error`.
  void fail(BreakerTicket& ticket, const std::exception_ptr& error,
            const nx::detail::StateRef<T>& out) {
    if (!handleError(ticket, error)) {
      out->reject(error);
      return;
    }
    Promise<T> fb = runFallback(error);
    if (fb) {
      nx::detail::adopt(out, std::move(fb));
    } else {
      out->reject(error);
    }
  }

  // The reaction to a running call's promise `in`, which is settled.
  void settle(BreakerTicket& ticket, nx::detail::PromiseState<T>& in,
              const nx::detail::StateRef<T>& out) {
    if (in.status == nx::detail::PromiseBase::Status::Rejected) {
      fail(ticket, in.error, out);
      return;
    }
    // Settling first keeps the caller's promise settled even if a listener throws; its
    // continuation runs from a later microtask either way.
    forwardOutcome(*out, in);
    succeeded(ticket);
  }

  MoveFunction<Promise<T>(std::exception_ptr)> fallback;
};

// A call with a timeout: the call's promise and the timer race, and whichever comes first
// decides. Owned by the reaction to the call's promise; the timer refers to it without owning
// it (no cycle through the timer), which is safe because destruction cancels the timer.
template <class T, class D>
struct TimedBreakerCall final : RefCounted {
  TimedBreakerCall(TypedBreakerCore<T>* c, BreakerTicket t, D&& f, nx::detail::StateRef<T> o)
      : core(c), ticket(t), out(std::move(o)), fn(std::move(f)) {
    destroy = [](RefCounted* p) noexcept { delete static_cast<TimedBreakerCall*>(p); };
  }

  static Promise<T> start(TypedBreakerCore<T>* core, BreakerTicket ticket, D&& fn) {
    auto out = nx::detail::StateRef<T>::make();
    Promise<T> result(out);
    auto self = Ref<TimedBreakerCall>::adopt(
        new TimedBreakerCall(core, ticket, std::move(fn), std::move(out)));
    Promise<T> p = callTask(self->fn, self->callAbort.signal());
    TimedBreakerCall* raw = self.get();
    self->timer.start(core->clock(), core->options().timeout, [raw] { raw->expire(); });
    p.state()->addReaction([self = std::move(self), in = p.state()]() mutable {
      if (self->done) return;  // timed out: the late outcome is ignored, as in opossum
      self->done = true;
      self->timer.cancel();
      self->core->settle(self->ticket, *in, self->out);
    });
    return result;
  }

  void expire() {
    if (done) return;
    Ref<TimedBreakerCall> keep(this);
    done = true;
    core->timedOut(ticket);
    const std::exception_ptr error = core->timeoutError();
    core->fail(ticket, error, out);
    callAbort.abort(error);
  }

  Ref<TypedBreakerCore<T>> core;
  BreakerTicket ticket;
  nx::detail::StateRef<T> out;
  AbortController callAbort;
  CallTimer timer;
  bool done = false;
  D fn;
};

}  // namespace detail

template <class T>
CircuitBreaker<T>::CircuitBreaker(CircuitBreakerOptions options, Clock& clock)
    : CircuitBreakerBase(new detail::TypedBreakerCore<T>(std::move(options), clock)) {}

template <class T>
detail::TypedBreakerCore<T>& CircuitBreaker<T>::typed() const noexcept {
  return static_cast<detail::TypedBreakerCore<T>&>(*core_);
}

template <class T>
template <Task F>
requires std::same_as<TaskValue<F>, T> Promise<T> CircuitBreaker<T>::fire(F call) {
  using D = std::decay_t<F>;
  // A reference for the duration: a listener of `fire` may destroy this breaker.
  detail::Ref<detail::TypedBreakerCore<T>> core(&typed());
  detail::BreakerTicket ticket;
  switch (core->admit(ticket)) {
    case detail::Admission::Run:
      break;
    case detail::Admission::PassThrough:
      if constexpr (detail::kStatelessCall<D>) {
        return detail::callTask(call, AbortSignal());
      } else {
        auto held = std::make_unique<D>(std::move(call));
        Promise<T> p = detail::callTask(*held, AbortSignal());
        auto out = nx::detail::StateRef<T>::make();
        Promise<T> result(out);
        p.state()->addReaction([held = std::move(held), in = p.state(), out = std::move(out)] {
          detail::forwardOutcome(*out, *in);
        });
        return result;
      }
    case detail::Admission::Reject:
      core->rejected();
      return core->refused(core->openError());
    case detail::Admission::Locked:
      core->semaphoreLocked();
      if (!core->handleError(ticket, core->lockedError())) {
        return Promise<T>::reject(core->lockedError());
      }
      return core->refused(core->lockedError());
    case detail::Admission::Shutdown:
      return Promise<T>::reject(core->shutdownError());
  }

  if (core->options().timeout > 0) {
    return detail::TimedBreakerCall<T, D>::start(core.get(), ticket, std::move(call));
  }
  auto out = nx::detail::StateRef<T>::make();
  Promise<T> result(out);
  if constexpr (detail::kStatelessCall<D>) {
    Promise<T> p = detail::callTask(call, AbortSignal());
    p.state()->addReaction([core = std::move(core), ticket, in = p.state(),
                            out = std::move(out)]() mutable { core->settle(ticket, *in, out); });
  } else {
    // The callable lives at a stable address until its promise settles: a coroutine lambda's
    // frame refers to it.
    auto held = std::make_unique<D>(std::move(call));
    Promise<T> p = detail::callTask(*held, AbortSignal());
    p.state()->addReaction([core = std::move(core), ticket, in = p.state(), out = std::move(out),
                            held = std::move(held)]() mutable { core->settle(ticket, *in, out); });
  }
  return result;
}

template <class T>
template <class G>
CircuitBreaker<T>& CircuitBreaker<T>::fallback(G fn) {
  using R = std::invoke_result_t<G&, std::exception_ptr>;
  typed().fallback = [g = std::move(fn)](std::exception_ptr error) mutable -> Promise<T> {
    if constexpr (std::is_same_v<R, Promise<T>>) {
      return g(std::move(error));
    } else if constexpr (std::is_void_v<R>) {
      static_assert(std::is_void_v<T>, "a fallback returning void needs CircuitBreaker<void>");
      g(std::move(error));
      return Promise<>::resolve();
    } else {
      return Promise<T>::resolve(g(std::move(error)));
    }
  };
  return *this;
}

}  // namespace nx::resilience
