// SPDX-License-Identifier: MIT
#pragma once

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nodexx/core/move_function.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/web/middleware.hpp"
#include "nodexx/web/settings.hpp"

namespace nx::web {

namespace detail {
class RouteImpl;
}  // namespace detail

/// One path or several (Express accepts an array of paths wherever it accepts a path):
/// `"/users/:id"`, `{"/a", "/b"}`. Patterns use path-to-regexp 8 syntax (Express 5): `:name`,
/// `*name` (one or more segments), `{...}` optional parts, `\` escapes. A bad pattern throws
/// RoutePatternError (SystemError ERR_ROUTE_PATTERN) at registration, with a hint for
/// Express 4 syntax (`:id?`, bare `*`, regex groups).
class PathSpec {
 public:
  PathSpec(const char* path) : paths_{std::string(path)} {}       // NOLINT: implicit by design
  PathSpec(std::string_view path) : paths_{std::string(path)} {}  // NOLINT
  PathSpec(const std::string& path) : paths_{path} {}             // NOLINT
  PathSpec(std::initializer_list<std::string_view> paths) {       // NOLINT
    for (auto p : paths) paths_.emplace_back(p);
  }
  PathSpec(std::vector<std::string> paths) : paths_(std::move(paths)) {}  // NOLINT
  const std::vector<std::string>& paths() const noexcept { return paths_; }

 private:
  std::vector<std::string> paths_;
};

/// A `router.param(name, hook)` callback: `(Request&, Response&, Next, std::string_view
/// value)`, returning void or Promise<>. Runs before the first route handler whose path has
/// the parameter, once per request and value (Express); it must call next() (or next(error))
/// to continue.
using ParamHook = MoveFunction<Promise<>(Request&, Response&, Next, std::string_view)>;

template <class F>
concept ParamHookFn =
    detail::handlerWith<std::decay_t<F>, Request&, Response&, Next, std::string_view>();

/// The handlers of one path, per method (Express's `router.route(path)`): chain
/// `.get(h).post(h2)`. A handle into its router: valid as long as the router exists.
class Route {
 public:
#define NX_WEB_ROUTE_METHOD(fn, verb)                                                   \
  template <class... H>                                                                 \
  requires(sizeof...(H) > 0 && (MiddlewareLike<H> && ...)) Route& fn(H&&... handlers) { \
    return add(verb, collect(std::forward<H>(handlers)...));                            \
  }
  NX_WEB_ROUTE_METHOD(get, "GET")
  NX_WEB_ROUTE_METHOD(post, "POST")
  NX_WEB_ROUTE_METHOD(put, "PUT")
  NX_WEB_ROUTE_METHOD(patch, "PATCH")
  /// DELETE (`delete` is a C++ keyword; method("DELETE", ...) is the same).
  NX_WEB_ROUTE_METHOD(del, "DELETE")
  NX_WEB_ROUTE_METHOD(options, "OPTIONS")
  NX_WEB_ROUTE_METHOD(head, "HEAD")
  /// Every method.
  NX_WEB_ROUTE_METHOD(all, "")
#undef NX_WEB_ROUTE_METHOD
  /// Handlers for any method name (upper case, e.g. "PROPFIND").
  template <class... H>
  requires(sizeof...(H) > 0 && (MiddlewareLike<H> && ...)) Route& method(std::string_view verb,
                                                                         H&&... handlers) {
    return add(verb, collect(std::forward<H>(handlers)...));
  }

  template <class... H>
  static std::vector<Middleware> collect(H&&... handlers) {
    std::vector<Middleware> out;
    out.reserve(sizeof...(H));
    (out.emplace_back(std::forward<H>(handlers)), ...);
    return out;
  }

 private:
  friend class Router;
  explicit Route(detail::RouteImpl* impl) noexcept : impl_(impl) {}
  /// `verb` "" = all methods.
  Route& add(std::string_view verb, std::vector<Middleware> handlers);
  detail::RouteImpl* impl_;
};

/// Express's Router: an ordered stack of middleware and routes, matched with a radix tree.
/// Copies share one router (a router is one object that may be mounted in several places, as
/// in Express). Register everything before serving requests; registering while requests are
/// in flight is allowed (the loop thread only) but they may not see the change.
///
/// Matching rules (Express 5): `use(path, ...)` matches the path and everything below it
/// (`/api` matches `/api`, `/api/`, `/api/x`, not `/apix`) and strips the prefix for what it
/// runs (req.baseUrl()/url()); routes match the whole path (one optional trailing slash unless
/// strict). Layers run in registration order. A route answers only its methods: GET handlers
/// also answer HEAD (unless the route has HEAD handlers); see docs/lifecycle.md for OPTIONS
/// and 405.
class Router {
 public:
  explicit Router(RouterOptions options = {});

  /// Middleware for every path (`router.use(h1, h2)`); also mounts routers and apps.
  template <class... H>
  requires(sizeof...(H) > 0 && (MiddlewareLike<H> && ...)) Router& use(H&&... handlers) {
    return addUse(PathSpec("/"), Route::collect(std::forward<H>(handlers)...));
  }
  /// Middleware for `path` and everything below it.
  template <class... H>
  requires(sizeof...(H) > 0 && (MiddlewareLike<H> && ...)) Router& use(PathSpec path,
                                                                       H&&... handlers) {
    return addUse(std::move(path), Route::collect(std::forward<H>(handlers)...));
  }

#define NX_WEB_ROUTER_METHOD(fn, verb)                                                    \
  template <class... H>                                                                   \
  requires(sizeof...(H) > 0 && (MiddlewareLike<H> && ...)) Router& fn(PathSpec path,      \
                                                                      H&&... handlers) {  \
    return addRoute(verb, std::move(path), Route::collect(std::forward<H>(handlers)...)); \
  }
  NX_WEB_ROUTER_METHOD(get, "GET")
  NX_WEB_ROUTER_METHOD(post, "POST")
  NX_WEB_ROUTER_METHOD(put, "PUT")
  NX_WEB_ROUTER_METHOD(patch, "PATCH")
  /// DELETE (`delete` is a C++ keyword; method("DELETE", ...) is the same).
  NX_WEB_ROUTER_METHOD(del, "DELETE")
  NX_WEB_ROUTER_METHOD(options, "OPTIONS")
  NX_WEB_ROUTER_METHOD(head, "HEAD")
  /// Every method (Express's app.all()).
  NX_WEB_ROUTER_METHOD(all, "")
#undef NX_WEB_ROUTER_METHOD
  /// A route for any method name (upper case).
  template <class... H>
  requires(sizeof...(H) > 0 && (MiddlewareLike<H> && ...)) Router& method(std::string_view verb,
                                                                          PathSpec path,
                                                                          H&&... handlers) {
    return addRoute(verb, std::move(path), Route::collect(std::forward<H>(handlers)...));
  }

  /// A new route for `path` (Express's router.route()), to chain handlers per method.
  Route route(PathSpec path);

  /// Registers a parameter hook (Express's router.param()): hooks of one name run in
  /// registration order, once per request and value, before the route's handlers.
  template <class F>
  requires ParamHookFn<F> Router& param(std::string_view name, F&& hook) {
    using D = std::decay_t<F>;
    return addParam(name, ParamHook([f = D(std::forward<F>(hook))](Request& q, Response& s, Next n,
                                                                   std::string_view v) mutable {
                      return detail::callAsPromise(f, q, s, n, v);
                    }));
  }

  /// The options this router was created with.
  const RouterOptions& routerOptions() const noexcept;

  /// For the framework: the shared router state.
  const std::shared_ptr<detail::RouterImpl>& impl() const noexcept { return impl_; }

 protected:
  Router& addUse(PathSpec path, std::vector<Middleware> handlers);
  Router& addRoute(std::string_view verb, PathSpec path, std::vector<Middleware> handlers);
  Router& addParam(std::string_view name, ParamHook hook);

 private:
  // Shared because a router is one object mounted wherever it is used (Express semantics).
  std::shared_ptr<detail::RouterImpl> impl_;
};

}  // namespace nx::web
