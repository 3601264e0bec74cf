// SPDX-License-Identifier: MIT
// The per-request state behind web::Request/Response, the router's data structures and the
// dispatch engine. Internal: included by the web sources only.
#pragma once

#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nodexx/core/logger.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/json/value.hpp"
#include "nodexx/web/errors.hpp"
#include "nodexx/web/internal/app_http.hpp"
#include "nodexx/web/internal/exchange.hpp"
#include "nodexx/web/internal/route_tree.hpp"
#include "nodexx/web/middleware.hpp"
#include "nodexx/web/proxy_addr.hpp"
#include "nodexx/web/request.hpp"
#include "nodexx/web/response.hpp"
#include "nodexx/web/router.hpp"
#include "nodexx/web/settings.hpp"

namespace nx::web::detail {

class AppState;

/// Access to Middleware's private parts for the router.
struct MiddlewareAccess {
  static Handler& handler(Middleware& m) noexcept { return m.handler_; }
  static ErrorHandler& error(Middleware& m) noexcept { return m.error_; }
  static const std::shared_ptr<RouterImpl>& router(const Middleware& m) noexcept {
    return m.router_;
  }
  static void setRouter(Middleware& m, std::shared_ptr<RouterImpl> r) noexcept {
    m.router_ = std::move(r);
  }
};

/// One handler of a route: its method ("" = all) and the middleware.
struct RouteEntry {
  std::string method;
  Middleware mw;
};

/// The handlers of one route path, per method (router's Route).
class RouteImpl {
 public:
  std::vector<RouteEntry> entries;
  bool hasAll = false;
  bool hasGet = false;
  bool hasHead = false;

  void add(std::string_view method, Middleware mw);
  /// Route._handlesMethod: all, the method, or HEAD through GET.
  bool handlesMethod(std::string_view method) const noexcept;
  /// Whether entry `e` runs for `method` (HEAD runs GET entries when the route has no HEAD).
  bool entryMatches(const RouteEntry& e, std::string_view method) const noexcept;
  /// Appends Route._methods() (upper case, HEAD added for GET) to `out`.
  void methods(std::vector<std::string_view>& out) const;
};

enum class LayerKind : std::uint8_t { Middleware, Route, Router };

/// One entry of a router's stack.
struct Layer {
  LayerKind kind = LayerKind::Middleware;
  std::optional<Middleware> mw;  // Middleware kind
  std::unique_ptr<RouteImpl> route;
  std::shared_ptr<RouterImpl> router;  // mounted router (shared: mounted where it is used)
  bool isError = false;
};

/// The state of a Router (shared by every copy and mount point).
class RouterImpl {
 public:
  explicit RouterImpl(RouterOptions o)
      : options(o), tree(MatchOptions{o.caseSensitive, o.strict}) {}
  RouterOptions options;
  // The App whose root router this is, while that App lives: a request walking this router
  // uses its settings (Express's req.app changes inside a mounted app). Null for a Router.
  AppState* app = nullptr;
  RouteTree tree;
  std::vector<Layer> layers;
  std::vector<std::pair<std::string, std::vector<ParamHook>>> params;
  const std::vector<ParamHook>* hooksFor(std::string_view name) const noexcept;
};

struct Context;

/// The App whose settings a request sees (Express's req.app: the innermost mounted App being
/// walked), and where the settings a sub-app inherits come from: trust proxy, json spaces and
/// the cookie secrets, when the sub-app left them at their defaults (Express inherits
/// "trust proxy" left at its default and settings that have none, such as "json spaces").
struct SettingsScope {
  AppState* app = nullptr;
  AppState* trust = nullptr;
  AppState* jsonSpaces = nullptr;
  AppState* secrets = nullptr;
};

/// One router level being walked for a request.
struct Frame {
  RouterImpl* router = nullptr;
  SettingsScope savedScope;  // restored when the frame is left
  MatchSet set;
  std::uint32_t next = 0;  // next index into set.matches
  // Path state at entry, restored when the frame is left.
  std::uint32_t savedBaseLen = 0;
  std::uint32_t pathOffset = 0;  // where this frame's matching path starts in the target
  bool synthetic = false;        // the matching path is a synthesised "/"
  std::uint32_t paramsBase = 0;  // paramEntries index where this frame's layers add params
  std::uint32_t parentBegin = 0;
  std::uint32_t parentEnd = 0;
  // The current route (route phase).
  RouteImpl* route = nullptr;
  std::uint32_t routeIdx = 0;
  // Param hooks (params phase) for `pending`, the layer about to run.
  const Layer* pending = nullptr;
  std::uint32_t pendingMatch = 0;
  bool hooks = false;
  std::uint32_t hookParam = 0;
  std::uint32_t hookIdx = 0;
};

/// The middleware chain of one request: an index walk over the matched layers of each router
/// level, re-entered by next(). See docs/lifecycle.md.
class Dispatch {
 public:
  explicit Dispatch(Context& c) noexcept : c_(c) {}
  /// Starts at the root router. Returns the chain's completion: empty when everything ran
  /// synchronously.
  void start(RouterImpl& root);
  /// next(...) from a handler.
  NextResult resume(std::uint64_t step, std::exception_ptr error, std::string_view control);
  /// next() with no argument.
  NextResult proceed(std::uint64_t step);
  void reset() noexcept;

  int pending = 0;
  std::optional<Promise<>::Resolvers> idle;

 private:
  Promise<> advance();
  Promise<> invoke(Handler& h);
  Promise<> invokeError(ErrorHandler& h);
  Promise<> invokeHook(ParamHook& h, std::string_view value);
  /// Runs the invocation from a microtask when synchronous next() calls nested too deep.
  Promise<> deferred(Handler* h, ErrorHandler* eh, ParamHook* ph, std::string_view value);
  // By reference: called once per layer, where by-value parameters cost a move and a
  // destructor each.
  Promise<> finish(std::uint64_t s, Promise<>& p, Promise<>& downstream,
                   std::exception_ptr& thrown);
  Promise<> track(std::uint64_t s, Promise<> p, Promise<> downstream);
  void storeDownstream(std::uint64_t s, Promise<>& r);
  void asyncDone() noexcept;
  void handlerFailed(std::uint64_t s, std::exception_ptr e, Promise<>& more);
  // Layer entry.
  bool bindParams(Frame& f, const Match& m);
  Promise<> enterLayer(Frame& f, const Layer& layer, const Match& m, bool& descended);
  bool runHooks(Frame& f, Promise<>& out);
  void setMount(Frame& f, std::uint32_t matchedLength) noexcept;
  void pushFrame(RouterImpl& r);
  void popFrame() noexcept;
  Promise<> finalHandler();

  Context& c_;
  std::vector<Frame> frames_;
  std::size_t depth_ = 0;
  std::exception_ptr error_;
  std::uint64_t counter_ = 0;
  std::uint64_t step_ = 0;
  Promise<>* slot_ = nullptr;
  std::uint64_t slotStep_ = 0;
  // Asynchronous handlers still running, by step: a next() they call after their first
  // suspension (`co_await parse(); next();`) stores its downstream here, so that the handler's
  // layer, and every `co_await next()` above it, completes only once downstream has.
  std::vector<std::pair<std::uint64_t, Promise<>*>> lateSlots_;
  bool done_ = false;
  int syncDepth_ = 0;  // nested synchronous invocations on the native stack
  friend struct Context;
};

/// Everything one request needs, pooled by the App and reused (capacity kept), so that a plain
/// request allocates nothing after warm-up.
struct Context {
  explicit Context(AppState& a);
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  /// Binds the context to `ex` for a new request.
  void reset(Exchange& ex);
  /// Drops per-request state after the request.
  void clear() noexcept;

  // Path views (see dispatch.cpp).
  std::string_view pathView() noexcept;
  std::string_view urlView();
  std::string_view baseUrlView() const noexcept;
  /// Decodes `raw` (decodeURIComponent); false on a malformed escape or invalid UTF-8.
  bool decodeParam(std::string_view raw, std::string_view& out);

  AppState* app;
  Exchange* ex = nullptr;
  Request req;
  Response res;
  Dispatch dispatch;
  HttpExchange http;

  std::string_view target;
  // The request method, read once per request: the dispatcher compares it for every route
  // layer and res.send for HEAD, and the transport computes it on each call.
  std::string_view method;
  std::uint32_t pathEnd = 0;
  std::uint32_t baseLen = 0;
  SettingsScope scope;
  /// Makes `sub` (a mounted App being entered) the request's app; see SettingsScope.
  void enterApp(AppState& sub);
  /// Forgets what was derived from the settings (query, cookies, ip) when the scope changed.
  void settingsChanged() noexcept;
  std::uint32_t curOffset = 0;  // start of the current layer's path in the target
  bool curSynthetic = false;
  std::string urlScratch;

  std::vector<Params::Entry> paramEntries;
  Params params;
  std::string paramArena;
  std::deque<std::string> paramOverflow;
  std::vector<std::pair<std::string_view, std::string_view>> calledParams;
  std::vector<std::string_view> allowed;  // methods of routes that matched the path only

  bool queryParsed = false;
  json::Value query;
  bool cookiesParsed = false;
  Cookies cookies;
  Cookies signedCookies;
  bool ipParsed = false;
  std::string ip;
  std::vector<std::string> ips;
  json::Value body;
  bool bodyParsed = false;
  std::vector<UploadedFile> files;
  std::string id;
  Locals locals;
  std::string scratch;      // response bodies built here (res.json, problems)
  std::string typeScratch;  // a Content-Type being rewritten by res.send

  /// mime.contentType(value) for the Content-Type set through res.type()/res.set(), memoised:
  /// an app sets the same few types again and again, and the lookup (lower-casing, two table
  /// searches, a string built) costs more than the rest of res.send. One entry, kept across
  /// requests (never cleared), so that a repeated type costs one comparison and no
  /// allocation. Returns nullopt where mime::contentType does.
  std::optional<std::string_view> contentType(std::string_view value);
  std::string typeMemoIn;
  std::string typeMemoOut;
  bool typeMemoValid = false;
  bool typeMemoFound = false;
};

/// The App's state: settings, root router, context pool, logger.
class AppState {
 public:
  explicit AppState(AppOptions o, std::shared_ptr<RouterImpl> root);
  ~AppState();
  AppOptions options;
  std::shared_ptr<RouterImpl> root;
  bool production = false;
  std::vector<std::unique_ptr<Context>> pool;
  std::optional<Logger> logger;

  Context& acquire();
  void release(Context& c) noexcept;
  /// Runs the chain for `c` (bound to an exchange). Empty promise when it completed now.
  Promise<> run(Context& c);
  const Logger& log();
  /// The compiled `trust proxy` setting (recompiled when the setting changed).
  const TrustProxy& trust();

 private:
  TrustProxy trust_;
  std::string trustSpec_;
};

/// Renders `error` (or a 404/405/OPTIONS answer when null) as the final handler does.
void renderFinal(Context& c, std::exception_ptr error);
/// Writes a problem+json response.
void sendProblem(Context& c, int status, std::string_view code, std::string_view detail,
                 const std::vector<FieldError>* errors, const HttpError* source = nullptr);

}  // namespace nx::web::detail
