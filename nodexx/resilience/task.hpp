// SPDX-License-Identifier: MIT
// What Limiter and AsyncQueue accept as a task, and the small pieces they share.
#pragma once

#include <concepts>
#include <cstdint>
#include <exception>
#include <functional>
#include <type_traits>
#include <utility>

#include "nodexx/core/abort.hpp"
#include "nodexx/core/promise.hpp"

namespace nx::resilience {

namespace detail {

template <class R>
struct UnwrapPromise {
  using type = R;
};
template <class R>
struct UnwrapPromise<Promise<R>> {
  using type = R;
};

template <class F>
struct TaskTraits {
  static constexpr bool kTakesSignal = std::is_invocable_v<F&, AbortSignal>;
  using Result =
      std::conditional_t<kTakesSignal, std::invoke_result<F&, AbortSignal>, std::invoke_result<F&>>;
  using Value = typename UnwrapPromise<typename Result::type>::type;
};

}  // namespace detail

/// A task for Limiter and AsyncQueue: a callable taking nothing or an AbortSignal and returning
/// a Promise<T> (a coroutine), a plain value or void.
template <class F>
concept Task = std::move_constructible<std::decay_t<F>> &&
    (std::is_invocable_v<std::decay_t<F>&> || std::is_invocable_v<std::decay_t<F>&, AbortSignal>);

/// The value type of the promise a task's caller receives: T for a task returning Promise<T>,
/// its return type otherwise.
template <class F>
using TaskValue = typename detail::TaskTraits<std::decay_t<F>>::Value;

namespace detail {

/// Calls a task and returns its outcome as a promise: a synchronous throw becomes a rejection,
/// a plain value a fulfilled promise, an empty Promise a rejection (ERR_INVALID_STATE).
template <class F>
Promise<TaskValue<F>> callTask(F& fn, const AbortSignal& signal) {
  using T = TaskValue<F>;
  using R = typename TaskTraits<F>::Result::type;
  try {
    auto invoke = [&]() -> decltype(auto) {
      if constexpr (TaskTraits<F>::kTakesSignal) {
        return std::invoke(fn, signal);
      } else {
        return std::invoke(fn);
      }
    };
    if constexpr (std::is_same_v<R, Promise<T>>) {
      Promise<T> p = invoke();
      if (!p) nx::detail::throwEmptyPromise();
      return p;
    } else if constexpr (std::is_void_v<R>) {
      invoke();
      return Promise<>::resolve();
    } else {
      return Promise<T>::resolve(invoke());
    }
  } catch (...) {
    return Promise<T>::reject(std::current_exception());
  }
}

/// Settles `out` like `src`, which is settled; moves the value when nobody else sees `src`.
template <class T>
void forwardOutcome(nx::detail::PromiseState<T>& out, nx::detail::PromiseState<T>& src) {
  if (src.status == nx::detail::PromiseBase::Status::Rejected) {
    out.reject(src.error);
  } else if constexpr (std::is_void_v<T>) {
    out.fulfill();
  } else {
    out.fulfill(nx::detail::takeValue(src));
  }
}

/// Rejects a promise that the library drops (a cleared queue, a destroyed limiter) without
/// reporting it as an unhandled rejection, as p-queue's clear() does: the caller did not
/// choose the outcome. A promise chained from it still reports its own rejection.
inline void rejectDropped(nx::detail::PromiseBase& out, std::exception_ptr error) {
  out.handled = true;
  out.reject(std::move(error));
}

/// A non-atomic intrusive reference count for loop-affine nodes; `destroy` frees the object.
struct RefCounted {
  std::uint32_t refs = 1;
  void (*destroy)(RefCounted*) noexcept = nullptr;
};

inline void retain(RefCounted* p) noexcept { ++p->refs; }
inline void release(RefCounted* p) noexcept {
  if (--p->refs == 0) p->destroy(p);
}

/// An owning reference to a RefCounted node of type N.
template <class N>
class Ref {
 public:
  Ref() noexcept = default;
  /// Adopts one reference that the caller already holds.
  static Ref adopt(N* p) noexcept {
    Ref r;
    r.p_ = p;
    return r;
  }
  /// Takes a new reference.
  explicit Ref(N* p) noexcept : p_(p) {
    if (p_ != nullptr) retain(p_);
  }
  Ref(const Ref& o) noexcept : Ref(o.p_) {}
  Ref(Ref&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  Ref& operator=(Ref o) noexcept {
    std::swap(p_, o.p_);
    return *this;
  }
  ~Ref() {
    if (p_ != nullptr) release(p_);
  }
  N* get() const noexcept { return p_; }
  N* operator->() const noexcept { return p_; }
  N& operator*() const noexcept { return *p_; }
  explicit operator bool() const noexcept { return p_ != nullptr; }

 private:
  N* p_ = nullptr;
};

}  // namespace detail
}  // namespace nx::resilience
