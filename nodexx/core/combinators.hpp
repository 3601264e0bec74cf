// SPDX-License-Identifier: MIT
// Promise.all / allSettled / race / any, and util.promisify.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "nodexx/core/promise.hpp"

namespace nx {

/// The element type a combinator collects for a Promise<T>: T, or std::monostate for void.
template <class T>
using SettledValue = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

/// One outcome of allSettled(): fulfilled with `value`, or rejected with `reason`.
template <class T>
struct Settled {
  enum class Status { Fulfilled, Rejected } status = Status::Fulfilled;
  std::optional<SettledValue<T>> value;
  std::exception_ptr reason;
  bool fulfilled() const noexcept { return status == Status::Fulfilled; }
};

namespace detail {

template <class T>
SettledValue<T> valueOf(PromiseState<T>& s) {
  if constexpr (std::is_void_v<T>) {
    return {};
  } else {
    return takeValue(s);
  }
}

// Calls onSettle(state) for each input once it settles (in a microtask, like the JS .then()
// each combinator attaches). Inputs must not be empty handles.
template <class T, class F>
void onSettled(const Promise<T>& p, F onSettle) {
  if (!p) throwEmptyPromise();
  p.state()->addReaction([s = p.state(), f = std::move(onSettle)]() mutable { f(*s); });
}

}  // namespace detail

/// Fulfills with every value, in input order, once all fulfill; rejects with the first
/// rejection (Promise.all). An empty input fulfills at once.
template <class T>
auto all(std::vector<Promise<T>> inputs) {
  using R = std::conditional_t<std::is_void_v<T>, void, std::vector<T>>;
  struct Ctx {
    std::vector<std::optional<SettledValue<T>>> values;
    std::size_t remaining;
    detail::StateRef<R> out = detail::StateRef<R>::make();
  };
  auto ctx = std::make_shared<Ctx>(Ctx{{}, inputs.size()});
  ctx->values.resize(inputs.size());
  Promise<R> result(ctx->out);
  auto finish = [ctx] {
    if constexpr (std::is_void_v<T>) {
      ctx->out->fulfill();
    } else {
      std::vector<T> vs;
      vs.reserve(ctx->values.size());
      for (auto& v : ctx->values) vs.push_back(std::move(*v));
      ctx->out->fulfill(std::move(vs));
    }
  };
  if (inputs.empty()) finish();
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    detail::onSettled(inputs[i], [ctx, i, finish](detail::PromiseState<T>& s) {
      if (s.status == detail::PromiseBase::Status::Rejected) {
        ctx->out->reject(s.error);
        return;
      }
      ctx->values[i].emplace(detail::valueOf(s));
      if (--ctx->remaining == 0) finish();
    });
  }
  return result;
}

/// Variadic Promise.all: a tuple of the values (std::monostate for Promise<void>).
template <class... Ts>
Promise<std::tuple<SettledValue<Ts>...>> all(Promise<Ts>... inputs) {
  using Tuple = std::tuple<SettledValue<Ts>...>;
  struct Ctx {
    std::tuple<std::optional<SettledValue<Ts>>...> values;
    std::size_t remaining = sizeof...(Ts);
    detail::StateRef<Tuple> out = detail::StateRef<Tuple>::make();
  };
  auto ctx = std::make_shared<Ctx>();
  Promise<Tuple> result(ctx->out);
  auto attach = [&]<std::size_t I>(std::integral_constant<std::size_t, I>, auto& input) {
    using T = typename std::decay_t<decltype(input)>::value_type;
    detail::onSettled(input, [ctx](detail::PromiseState<T>& s) {
      if (s.status == detail::PromiseBase::Status::Rejected) {
        ctx->out->reject(s.error);
        return;
      }
      std::get<I>(ctx->values).emplace(detail::valueOf(s));
      if (--ctx->remaining == 0) {
        ctx->out->fulfill(std::apply(
            [](auto&... v) { return Tuple(std::move(*v)...); }, ctx->values));
      }
    });
  };
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (attach(std::integral_constant<std::size_t, I>{}, inputs), ...);
  }(std::index_sequence_for<Ts...>{});
  if constexpr (sizeof...(Ts) == 0) ctx->out->fulfill(Tuple{});
  return result;
}

/// Fulfills, once every input settled, with each outcome in input order (Promise.allSettled).
template <class T>
Promise<std::vector<Settled<T>>> allSettled(std::vector<Promise<T>> inputs) {
  using R = std::vector<Settled<T>>;
  struct Ctx {
    R outcomes;
    std::size_t remaining;
    detail::StateRef<R> out = detail::StateRef<R>::make();
  };
  auto ctx = std::make_shared<Ctx>(Ctx{R(inputs.size()), inputs.size()});
  Promise<R> result(ctx->out);
  if (inputs.empty()) ctx->out->fulfill(R{});
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    detail::onSettled(inputs[i], [ctx, i](detail::PromiseState<T>& s) {
      Settled<T>& o = ctx->outcomes[i];
      if (s.status == detail::PromiseBase::Status::Rejected) {
        o.status = Settled<T>::Status::Rejected;
        o.reason = s.error;
      } else {
        o.value.emplace(detail::valueOf(s));
      }
      if (--ctx->remaining == 0) ctx->out->fulfill(std::move(ctx->outcomes));
    });
  }
  return result;
}

/// Settles like the first input to settle (Promise.race). An empty input stays pending.
template <class T>
Promise<T> race(std::vector<Promise<T>> inputs) {
  auto out = detail::StateRef<T>::make();
  for (auto& p : inputs) {
    detail::onSettled(p, [out](detail::PromiseState<T>& s) {
      if (s.status == detail::PromiseBase::Status::Rejected) {
        out->reject(s.error);
      } else if constexpr (std::is_void_v<T>) {
        out->fulfill();
      } else {
        out->fulfill(detail::takeValue(s));
      }
    });
  }
  return Promise<T>(std::move(out));
}

/// Fulfills like the first input to fulfill; if all reject, rejects with an AggregateError
/// holding their errors in input order (Promise.any). An empty input rejects at once.
template <class T>
Promise<T> any(std::vector<Promise<T>> inputs) {
  struct Ctx {
    std::vector<std::exception_ptr> errors;
    std::size_t remaining;
    detail::StateRef<T> out = detail::StateRef<T>::make();
  };
  auto ctx = std::make_shared<Ctx>(Ctx{std::vector<std::exception_ptr>(inputs.size()),
                                       inputs.size()});
  Promise<T> result(ctx->out);
  if (inputs.empty()) ctx->out->reject(std::make_exception_ptr(AggregateError({})));
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    detail::onSettled(inputs[i], [ctx, i](detail::PromiseState<T>& s) {
      if (s.status == detail::PromiseBase::Status::Rejected) {
        ctx->errors[i] = s.error;
        if (--ctx->remaining == 0) {
          ctx->out->reject(std::make_exception_ptr(AggregateError(std::move(ctx->errors))));
        }
      } else if constexpr (std::is_void_v<T>) {
        ctx->out->fulfill();
      } else {
        ctx->out->fulfill(detail::takeValue(s));
      }
    });
  }
  return result;
}

/// util.promisify: turns `f(args..., callback)`, whose callback is called once as
/// `callback(std::exception_ptr error, value)` (or `callback(error)` for T = void), into
/// `g(args...) -> Promise<T>`. Arguments are passed by value.
template <class T = void, class F>
auto promisify(F f) {
  return [f = std::move(f)](auto... args) -> Promise<T> {
    auto r = Promise<T>::withResolvers();
    f(std::move(args)..., [r](std::exception_ptr error, auto&&... value) {
      if (error) {
        r.reject(std::move(error));
      } else {
        r.resolve(std::forward<decltype(value)>(value)...);
      }
    });
    return r.promise;
  };
}

}  // namespace nx
