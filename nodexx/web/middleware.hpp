// SPDX-License-Identifier: MIT
#pragma once

#include <any>
#include <coroutine>
#include <cstdint>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "nodexx/core/move_function.hpp"
#include "nodexx/core/promise.hpp"

namespace nx::web {

class Request;
class Response;
class Router;
class App;

namespace detail {
class Dispatch;
class RouterImpl;
struct MiddlewareAccess;
}  // namespace detail

/// What `next()` returns. Ignoring it is fine (`next();` as a plain statement in synchronous
/// middleware); awaiting it (`co_await next();`) suspends until everything downstream of the
/// caller has completed: the remaining layers ran and the promises of the asynchronous ones
/// settled (the onion model). Awaiting never throws: downstream errors went to downstream
/// error middleware or to the final handler. When downstream completed synchronously the await
/// does not suspend at all.
class NextResult {
 public:
  NextResult() noexcept = default;
  explicit NextResult(Promise<> downstream) noexcept : p_(std::move(downstream)) {}

  /// True when downstream has already completed.
  bool done() const noexcept { return !p_ || !p_.isPending(); }

  struct Awaiter {
    Promise<> p;
    bool await_ready() const noexcept { return !p || !p.isPending(); }
    void await_suspend(std::coroutine_handle<> h) {
      p.state()->addReaction([h] { h.resume(); });
    }
    void await_resume() const noexcept {}
  };
  Awaiter operator co_await() && noexcept { return Awaiter{std::move(p_)}; }
  Awaiter operator co_await() const& noexcept { return Awaiter{p_}; }

  /// The downstream completion as a promise (empty when it completed synchronously).
  const Promise<>& promise() const noexcept { return p_; }

 private:
  Promise<> p_;
};

/// The `next` function handed to middleware (Express's `next`). Copyable, cheap (two words).
/// Call it at most once per invocation: later calls are ignored.
///  - `next()` continues with the next matching layer;
///  - `next(error)` (an exception object or std::exception_ptr) skips to the next error
///    middleware, or to the final handler, which answers with problem+json;
///  - `next("route")` skips the remaining handlers of the current route;
///  - `next("router")` leaves the current router (back to the parent's next layer).
/// Another string is treated as an error with that message (Express does the same).
/// Valid while the request is being handled (see Request's lifetime).
class Next {
 public:
  NextResult operator()() const;
  NextResult operator()(std::exception_ptr error) const;
  NextResult operator()(std::string_view control) const;
  NextResult operator()(const char* control) const { return (*this)(std::string_view(control)); }
  template <class E>
  requires std::is_base_of_v<std::exception, std::decay_t<E>> NextResult
  operator()(E&& error) const {
    return (*this)(std::make_exception_ptr(std::forward<E>(error)));
  }

 private:
  friend class detail::Dispatch;
  Next(detail::Dispatch* d, std::uint64_t step) noexcept : d_(d), step_(step) {}
  detail::Dispatch* d_;
  std::uint64_t step_;
};

/// The handler forms the chain stores (type-erased). Synchronous forms are wrapped so that they
/// return an empty Promise<> (no coroutine frame, no allocation per call).
using Handler = MoveFunction<Promise<>(Request&, Response&, Next)>;
using ErrorHandler = MoveFunction<Promise<>(std::exception_ptr, Request&, Response&, Next)>;

namespace detail {
/// What a handler may return: nothing, a promise (a coroutine), or next()'s result (Express's
/// `return next()`), which counts as a synchronous return.
template <class R>
inline constexpr bool kHandlerResult =
    std::is_void_v<R> || std::is_same_v<R, Promise<>> || std::is_same_v<R, NextResult>;
template <class F, class... A>
constexpr bool handlerWith() {
  if constexpr (std::is_invocable_v<F&, A...>) {
    return kHandlerResult<std::invoke_result_t<F&, A...>>;
  } else {
    return false;
  }
}
/// Calls a handler and gives its completion as a Promise<> (empty for synchronous forms: no
/// promise state is created).
template <class F, class... A>
Promise<> callAsPromise(F& f, A&&... args) {
  if constexpr (std::is_same_v<std::invoke_result_t<F&, A...>, Promise<>>) {
    return f(std::forward<A>(args)...);
  } else {
    (void)f(std::forward<A>(args)...);
    return Promise<>();
  }
}
}  // namespace detail

/// `(Request&, Response&)`: a terminal handler (route handlers usually are).
template <class F>
concept PlainHandlerFn = detail::handlerWith<F, Request&, Response&>();
/// `(Request&, Response&, Next)`.
template <class F>
concept NextHandlerFn = detail::handlerWith<F, Request&, Response&, Next>();
/// `(std::exception_ptr, Request&, Response&, Next)`: error middleware.
template <class F>
concept ErrorPtrHandlerFn = detail::handlerWith<F, std::exception_ptr, Request&, Response&, Next>();
/// `(const std::exception&, Request&, Response&, Next)`: error middleware; an error that is not
/// a std::exception arrives as a std::runtime_error("unknown exception").
template <class F>
concept ErrorRefHandlerFn =
    detail::handlerWith<F, const std::exception&, Request&, Response&, Next>();
/// Any callable form accepted by use(), get(), ...: each returns void, Promise<> or
/// NextResult (`return next();`).
template <class F>
concept HandlerFn =
    PlainHandlerFn<F> || NextHandlerFn<F> || ErrorPtrHandlerFn<F> || ErrorRefHandlerFn<F>;

/// A type-erased middleware or handler: what `mw::` factories return and what use()/get()
/// accept. Built implicitly from any HandlerFn, or from a Router or an App (mounting it: the
/// router is shared, later additions to it are visible; inside a mounted App its settings
/// apply, see docs/lifecycle.md; once that App is destroyed its router is a plain Router
/// there). Move-only.
class Middleware {
 public:
  template <class F>
  requires HandlerFn<std::decay_t<F>> &&(!std::is_same_v<std::decay_t<F>, Middleware>)
      Middleware(F&& fn) {  // NOLINT(google-explicit-constructor): implicit by design
    using D = std::decay_t<F>;
    if constexpr (NextHandlerFn<D>) {
      if constexpr (std::is_same_v<std::invoke_result_t<D&, Request&, Response&, Next>,
                                   Promise<>>) {
        handler_ = Handler(D(std::forward<F>(fn)));
      } else {
        handler_ = [f = D(std::forward<F>(fn))](Request& q, Response& s, Next n) mutable {
          return detail::callAsPromise(f, q, s, n);
        };
      }
    } else if constexpr (PlainHandlerFn<D>) {
      handler_ = [f = D(std::forward<F>(fn))](Request& q, Response& s, Next) mutable {
        return detail::callAsPromise(f, q, s);
      };
    } else if constexpr (ErrorPtrHandlerFn<D>) {
      error_ = [f = D(std::forward<F>(fn))](std::exception_ptr e, Request& q, Response& s,
                                            Next n) mutable {
        return detail::callAsPromise(f, std::move(e), q, s, n);
      };
    } else {
      error_ = [f = D(std::forward<F>(fn))](std::exception_ptr e, Request& q, Response& s,
                                            Next n) mutable {
        return callWithException(f, e, q, s, n);
      };
    }
  }
  /// Mounts `router` (shared: the same router object, as in Express).
  Middleware(const Router& router);  // NOLINT(google-explicit-constructor)

  Middleware(Middleware&&) noexcept = default;
  Middleware& operator=(Middleware&&) noexcept = default;
  ~Middleware();

  /// True for the 4-argument error forms.
  bool isErrorHandler() const noexcept { return static_cast<bool>(error_); }
  /// True when this mounts a router.
  bool isRouter() const noexcept { return static_cast<bool>(router_); }

 private:
  friend struct detail::MiddlewareAccess;
  template <class G>
  static Promise<> callWithException(G& f, std::exception_ptr e, Request& q, Response& s, Next n) {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      return callRef(f, ex, q, s, n);
    } catch (...) {
      return callRef(f, std::runtime_error("unknown exception"), q, s, n);
    }
  }
  template <class G>
  static Promise<> callRef(G& f, const std::exception& ex, Request& q, Response& s, Next n) {
    return detail::callAsPromise(f, ex, q, s, n);
  }

  Handler handler_;
  ErrorHandler error_;
  // Shared with every place the router is mounted: a router is one object, as in Express.
  std::shared_ptr<detail::RouterImpl> router_;
};

/// A value that is a HandlerFn or a Middleware (what the registration templates accept).
template <class F>
concept MiddlewareLike = std::is_constructible_v<Middleware, F>;

/// Per-request storage for values passed between middleware (Express's `res.locals` /
/// `req.locals`): typed entries by key. Not thread-safe; lives as long as the request.
class Locals {
 public:
  /// Stores `value` under `key` (replacing an earlier value of any type).
  template <class T>
  void set(std::string_view key, T value) {
    std::any& v = slot(key);
    try {
      v.template emplace<T>(std::move(value));
    } catch (...) {
      erase(key);  // not left behind empty
      throw;
    }
  }
  /// The value under `key` if it exists and has type T, else nullptr.
  template <class T>
  T* get(std::string_view key) noexcept {
    std::any* v = find(key);
    return v != nullptr ? std::any_cast<T>(v) : nullptr;
  }
  template <class T>
  const T* get(std::string_view key) const noexcept {
    return const_cast<Locals*>(this)->get<T>(key);
  }
  bool has(std::string_view key) const noexcept {
    return const_cast<Locals*>(this)->find(key) != nullptr;
  }
  void erase(std::string_view key) noexcept;
  /// Removes every entry. The values are destroyed now; the slots are kept for reuse.
  void clear() noexcept {
    for (std::size_t i = 0; i < live_; ++i) entries_[i].second.reset();
    live_ = 0;
  }
  std::size_t size() const noexcept { return live_; }

 private:
  // Out of line: every set() and get() instantiation shares one search.
  std::any* find(std::string_view key) noexcept;
  std::any& slot(std::string_view key);  // the entry for `key`, added (empty) if missing
  // [0, live_) are the entries; the slots after them are empty and reused by set().
  std::vector<std::pair<std::string, std::any>> entries_;
  std::size_t live_ = 0;
};

}  // namespace nx::web
