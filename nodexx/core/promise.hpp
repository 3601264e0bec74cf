// SPDX-License-Identifier: MIT
#pragma once

#include <coroutine>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "nodexx/core/errors.hpp"
#include "nodexx/core/move_function.hpp"

namespace nx {

template <class T = void>
class Promise;

namespace detail {

/// Queues `fn` on the current loop's microtask queue (defined in loop.cpp).
void pushMicrotask(MoveFunction<void()> fn);

struct PromiseBase {
  enum class Status : unsigned char { Pending, Fulfilled, Rejected };

  PromiseBase() = default;
  PromiseBase(const PromiseBase&) = delete;
  PromiseBase& operator=(const PromiseBase&) = delete;
  virtual ~PromiseBase() = default;

  bool pending() const noexcept { return status == Status::Pending; }

  /// Registers a reaction; it runs as a microtask once the promise is settled (at once queued
  /// when it already is), like a JS PromiseReaction. Marks the promise as handled.
  void addReaction(MoveFunction<void()> reaction) {
    handled = true;
    if (status != Status::Pending) {
      pushMicrotask(std::move(reaction));
    } else if (!first) {
      first = std::move(reaction);
    } else {
      rest.push_back(std::move(reaction));
    }
  }

  void reject(std::exception_ptr e) {
    if (status != Status::Pending) return;
    error = std::move(e);
    status = Status::Rejected;
    settled();
  }

  void settled();  // queues the reactions, or tracks an unhandled rejection (promise.cpp)

  int refs = 0;  // loop-affine: promises never cross threads
  Status status = Status::Pending;
  bool handled = false;  // a reaction was attached at some point
  std::exception_ptr error;
  MoveFunction<void()> first;  // most promises have exactly one reaction
  std::vector<MoveFunction<void()>> rest;
};

inline void retain(PromiseBase* p) noexcept { ++p->refs; }
inline void release(PromiseBase* p) noexcept {
  if (--p->refs == 0) delete p;
}

template <class T>
struct PromiseState final : PromiseBase {
  std::optional<T> value;
  template <class U>
  void fulfill(U&& v) {
    if (status != Status::Pending) return;
    value.emplace(std::forward<U>(v));
    status = Status::Fulfilled;
    settled();
  }
};

template <>
struct PromiseState<void> final : PromiseBase {
  void fulfill() {
    if (status != Status::Pending) return;
    status = Status::Fulfilled;
    settled();
  }
};

/// An owning reference to a promise state.
template <class T>
class StateRef {
 public:
  StateRef() noexcept = default;
  explicit StateRef(PromiseState<T>* p) noexcept : p_(p) {
    if (p_) retain(p_);
  }
  StateRef(const StateRef& o) noexcept : StateRef(o.p_) {}
  StateRef(StateRef&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  StateRef& operator=(StateRef o) noexcept {
    std::swap(p_, o.p_);
    return *this;
  }
  ~StateRef() {
    if (p_) release(p_);
  }
  static StateRef make() { return StateRef(new PromiseState<T>()); }
  PromiseState<T>* operator->() const noexcept { return p_; }
  PromiseState<T>& operator*() const noexcept { return *p_; }
  PromiseState<T>* get() const noexcept { return p_; }
  explicit operator bool() const noexcept { return p_ != nullptr; }

 private:
  PromiseState<T>* p_ = nullptr;
};

template <class T>
struct IsPromise : std::false_type {};
template <class T>
struct IsPromise<Promise<T>> : std::true_type {};

/// The value a co_await or combinator hands out: moved when nobody else can observe the state
/// (or when T cannot be copied), copied otherwise.
template <class T>
T takeValue(PromiseState<T>& s) {
  if constexpr (std::is_copy_constructible_v<T>) {
    if (s.refs > 1) return *s.value;
  }
  return std::move(*s.value);
}

[[noreturn]] void throwEmptyPromise();

template <class T>
void adopt(StateRef<T> target, Promise<T> source);

/// Settles `target` with the outcome of calling `fn(args...)`; a returned Promise is adopted
/// (two extra ticks, as resolving a JS promise with a thenable).
template <class T, class F, class... A>
void settleWith(const StateRef<T>& target, F& fn, A&&... args) {
  using R = std::invoke_result_t<F&, A...>;
  try {
    if constexpr (IsPromise<R>::value) {
      adopt(target, fn(std::forward<A>(args)...));
    } else if constexpr (std::is_void_v<R>) {
      fn(std::forward<A>(args)...);
      target->fulfill();
    } else {
      target->fulfill(fn(std::forward<A>(args)...));
    }
  } catch (...) {
    target->reject(std::current_exception());
  }
}

template <class T>
struct PromiseTypeBase;

}  // namespace detail

/// A JS-like promise and the return type of nodexx coroutines. Copies share one state (like a
/// JS promise object). A coroutine returning Promise<T> starts eagerly: it runs synchronously
/// up to its first suspension, like an async function. `co_await p` always suspends and
/// resumes in a microtask, even when `p` is settled (one tick, like `await`); a rejection is
/// rethrown there. Loop-affine. A coroutine suspended on a promise that is never settled is
/// never resumed (every nodexx API settles its promises, rejecting on close or abort).
/// A rejected promise that has no handler when the microtask queue drains is an unhandled
/// rejection (see process::setUnhandledRejections).
template <class T>
class [[nodiscard]] Promise {
 public:
  static_assert(!std::is_reference_v<T>, "Promise<T&> is not supported; use a pointer");
  using value_type = T;
  using promise_type = detail::PromiseTypeBase<T>;

  /// An empty handle; awaiting or chaining it throws ERR_INVALID_STATE.
  Promise() noexcept = default;

  /// A promise already fulfilled with `value` (Promise.resolve).
  template <class U = T>
    requires(!std::is_void_v<T>)
  static Promise resolve(U&& value) {
    auto s = detail::StateRef<T>::make();
    s->fulfill(std::forward<U>(value));
    return Promise(std::move(s));
  }
  static Promise resolve()
    requires std::is_void_v<T>
  {
    auto s = detail::StateRef<T>::make();
    s->fulfill();
    return Promise(std::move(s));
  }

  /// A promise already rejected with `error` (Promise.reject).
  static Promise reject(std::exception_ptr error) {
    auto s = detail::StateRef<T>::make();
    s->reject(std::move(error));
    return Promise(std::move(s));
  }
  template <class E>
    requires std::is_base_of_v<std::exception, std::decay_t<E>>
  static Promise reject(E&& error) {
    return reject(std::make_exception_ptr(std::forward<E>(error)));
  }

  class Resolvers;
  /// A pending promise with its resolve and reject functions (Promise.withResolvers).
  static Resolvers withResolvers();

  /// Chains a continuation (Promise.prototype.then). `onFulfilled` receives `T&` (nothing for
  /// Promise<void>) and may return a value, void or a Promise; the result settles with it. A
  /// rejection passes through to the returned promise.
  template <class F>
  auto then(F onFulfilled) const;
  /// Like then(onFulfilled), with `onRejected(std::exception_ptr)` handling a rejection; both
  /// must return the same type.
  template <class F, class G>
  auto then(F onFulfilled, G onRejected) const;
  /// Handles a rejection (Promise.prototype.catch); `onRejected(std::exception_ptr)` returns T
  /// (or Promise<T>), which fulfills the result.
  template <class G>
  Promise<T> catch_(G onRejected) const;
  /// Runs `fn()` once settled either way; the result settles like this promise unless `fn`
  /// throws (Promise.prototype.finally).
  template <class F>
  Promise<T> finally(F fn) const;

  bool isPending() const noexcept { return s_ && s_->pending(); }
  bool isFulfilled() const noexcept {
    return s_ && s_->status == detail::PromiseBase::Status::Fulfilled;
  }
  bool isRejected() const noexcept {
    return s_ && s_->status == detail::PromiseBase::Status::Rejected;
  }
  explicit operator bool() const noexcept { return static_cast<bool>(s_); }

  struct Awaiter {
    detail::StateRef<T> s;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) {
      s->addReaction([h] { h.resume(); });
    }
    T await_resume() {
      if (s->status == detail::PromiseBase::Status::Rejected) std::rethrow_exception(s->error);
      if constexpr (!std::is_void_v<T>) return detail::takeValue(*s);
    }
  };
  Awaiter operator co_await() const& { return Awaiter{checked()}; }
  Awaiter operator co_await() && {
    checked();
    return Awaiter{std::move(s_)};
  }

  /// For glue code: the shared state.
  const detail::StateRef<T>& state() const noexcept { return s_; }
  explicit Promise(detail::StateRef<T> s) noexcept : s_(std::move(s)) {}

 private:
  const detail::StateRef<T>& checked() const {
    if (!s_) detail::throwEmptyPromise();
    return s_;
  }
  detail::StateRef<T> s_;
};

/// Resolve and reject functions of a pending promise; copies share it. Settling an already
/// settled promise has no effect (as in JS). Resolving with a Promise adopts its outcome.
template <class T>
class Promise<T>::Resolvers {
 public:
  Promise<T> promise;

  template <class... U>
  void resolve(U&&... value) const {
    if constexpr (sizeof...(U) == 1 && (detail::IsPromise<std::decay_t<U>>::value && ...)) {
      detail::adopt(promise.state(), std::forward<U>(value)...);
    } else {
      promise.state()->fulfill(std::forward<U>(value)...);
    }
  }
  void reject(std::exception_ptr error) const { promise.state()->reject(std::move(error)); }
  template <class E>
    requires std::is_base_of_v<std::exception, std::decay_t<E>>
  void reject(E&& error) const {
    reject(std::make_exception_ptr(std::forward<E>(error)));
  }
};

template <class T>
typename Promise<T>::Resolvers Promise<T>::withResolvers() {
  return Resolvers{Promise(detail::StateRef<T>::make())};
}

}  // namespace nx

#include "nodexx/core/promise_impl.hpp"  // IWYU pragma: export
