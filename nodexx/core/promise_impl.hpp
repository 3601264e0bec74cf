// SPDX-License-Identifier: MIT
// Template bodies of promise.hpp: chaining, adoption and the coroutine promise types.
#pragma once

#include "nodexx/core/promise.hpp"

namespace nx {
namespace detail {

template <class T>
void adopt(StateRef<T> target, Promise<T> source) {
  // NewPromiseResolveThenableJob: one microtask to subscribe, one for the reaction.
  pushMicrotask([target = std::move(target), source = std::move(source)]() mutable {
    const StateRef<T>& src = source.state();
    src->addReaction([target = std::move(target), src]() {
      if (src->status == PromiseBase::Status::Rejected) {
        target->reject(src->error);
      } else if constexpr (std::is_void_v<T>) {
        target->fulfill();
      } else {
        target->fulfill(takeValue(*src));
      }
    });
  });
}

template <class T, class F>
struct ThenResult {
  using type = std::invoke_result_t<F&, T&>;
};
template <class F>
struct ThenResult<void, F> {
  using type = std::invoke_result_t<F&>;
};

template <class R>
struct Unwrap {
  using type = R;
};
template <class R>
struct Unwrap<Promise<R>> {
  using type = R;
};

template <class T>
struct PromiseTypeCommon {
  StateRef<T> state = StateRef<T>::make();
  Promise<T> get_return_object() noexcept { return Promise<T>(state); }
  std::suspend_never initial_suspend() noexcept { return {}; }
  // The frame frees itself on completion; the state outlives it through its references.
  std::suspend_never final_suspend() noexcept { return {}; }
  void unhandled_exception() noexcept { state->reject(std::current_exception()); }
};

template <class T>
struct PromiseTypeBase : PromiseTypeCommon<T> {
  template <class U = T>
  void return_value(U&& v) {
    this->state->fulfill(std::forward<U>(v));
  }
};

template <>
struct PromiseTypeBase<void> : PromiseTypeCommon<void> {
  void return_void() noexcept { this->state->fulfill(); }
};

}  // namespace detail

template <class T>
template <class F>
auto Promise<T>::then(F onFulfilled) const {
  using R = typename detail::Unwrap<typename detail::ThenResult<T, F>::type>::type;
  auto out = detail::StateRef<R>::make();
  checked()->addReaction([src = s_, out, f = std::move(onFulfilled)]() mutable {
    if (src->status == detail::PromiseBase::Status::Rejected) {
      out->reject(src->error);
    } else if constexpr (std::is_void_v<T>) {
      detail::settleWith(out, f);
    } else {
      detail::settleWith(out, f, *src->value);
    }
  });
  return Promise<R>(std::move(out));
}

template <class T>
template <class F, class G>
auto Promise<T>::then(F onFulfilled, G onRejected) const {
  using R = typename detail::Unwrap<typename detail::ThenResult<T, F>::type>::type;
  auto out = detail::StateRef<R>::make();
  checked()->addReaction(
      [src = s_, out, f = std::move(onFulfilled), g = std::move(onRejected)]() mutable {
        if (src->status == detail::PromiseBase::Status::Rejected) {
          detail::settleWith(out, g, src->error);
        } else if constexpr (std::is_void_v<T>) {
          detail::settleWith(out, f);
        } else {
          detail::settleWith(out, f, *src->value);
        }
      });
  return Promise<R>(std::move(out));
}

template <class T>
template <class G>
Promise<T> Promise<T>::catch_(G onRejected) const {
  auto out = detail::StateRef<T>::make();
  checked()->addReaction([src = s_, out, g = std::move(onRejected)]() mutable {
    if (src->status == detail::PromiseBase::Status::Rejected) {
      detail::settleWith(out, g, src->error);
    } else if constexpr (std::is_void_v<T>) {
      out->fulfill();
    } else {
      out->fulfill(detail::takeValue(*src));
    }
  });
  return Promise<T>(std::move(out));
}

template <class T>
template <class F>
Promise<T> Promise<T>::finally(F fn) const {
  // JS's algorithm, for its tick counts: call fn, then resolve with
  // Promise.resolve(fn's result).then(() => this promise's outcome).
  auto out = detail::StateRef<T>::make();
  checked()->addReaction([src = s_, out, f = std::move(fn)]() mutable {
    auto outcome = [src](auto&&...) -> T {
      if (src->status == detail::PromiseBase::Status::Rejected) std::rethrow_exception(src->error);
      if constexpr (!std::is_void_v<T>) return detail::takeValue(*src);
    };
    try {
      using R = std::invoke_result_t<F&>;
      if constexpr (detail::IsPromise<R>::value) {
        detail::adopt(out, f().then(std::move(outcome)));
      } else {
        f();
        detail::adopt(out, Promise<>::resolve().then(std::move(outcome)));
      }
    } catch (...) {
      out->reject(std::current_exception());
    }
  });
  return Promise<T>(std::move(out));
}

}  // namespace nx
