// SPDX-License-Identifier: MIT
#include "nodexx/web/app.hpp"

#include <algorithm>
#include <cstdlib>

#include "nodexx/web/internal/context.hpp"

namespace nx::web {

namespace detail {

void HttpExchange::onFinish(MoveFunction<void()> fn) {
  // "close" follows both a finished response and a closed connection: one listener is enough.
  auto shared = std::make_shared<MoveFunction<void()>>(std::move(fn));
  res_->onClose.once([shared] { (*shared)(); });
}

namespace {
TrustProxy compileTrust(const std::string& spec) {
  if (spec.empty() || spec == "false") return TrustProxy::none();
  if (spec == "true") return TrustProxy::all();
  bool digits = std::all_of(spec.begin(), spec.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits) return TrustProxy::hops(std::strtoull(spec.c_str(), nullptr, 10));
  try {
    return TrustProxy::compile(std::string_view(spec));
  } catch (const std::exception& e) {
    throw SystemError(std::string(kErrInvalidSetting),
                      "invalid trust proxy setting '" + spec + "': " + e.what());
  }
}
}  // namespace

AppState::AppState(AppOptions o, std::shared_ptr<RouterImpl> r)
    : options(std::move(o)), root(std::move(r)) {
  root->app = this;
  trust_ = compileTrust(options.trustProxy);
  trustSpec_ = options.trustProxy;
  if (!options.env) {
    const char* env = std::getenv("NODE_ENV");
    options.env = env != nullptr && std::string_view(env) == "production" ? Env::Production
                                                                          : Env::Development;
  }
  production = *options.env == Env::Production;
}

AppState::~AppState() {
  // The router may stay mounted in another App: from now on it is a plain Router there.
  if (root->app == this) root->app = nullptr;
}

Context& AppState::acquire() {
  if (pool.empty()) return *new Context(*this);
  Context* c = pool.back().release();
  pool.pop_back();
  return *c;
}

void AppState::release(Context& c) noexcept {
  // Keep enough contexts for the usual concurrency; a burst beyond it is given back.
  constexpr std::size_t kMaxPooled = 1024;
  if (pool.size() >= kMaxPooled) {
    delete &c;
    return;
  }
  c.clear();
  try {
    pool.emplace_back(&c);
  } catch (...) {
    delete &c;
  }
}

const Logger& AppState::log() {
  if (options.logger) return *options.logger;
  if (!logger) {
    LoggerOptions o;
    o.name = "nodexx";
    o.destination = 2;
    logger.emplace(o);
  }
  return *logger;
}

const TrustProxy& AppState::trust() {
  if (options.trustProxy != trustSpec_) {
    trust_ = compileTrust(options.trustProxy);
    trustSpec_ = options.trustProxy;
  }
  return trust_;
}

Promise<> AppState::run(Context& c) {
  // Settings are read per request: changes made before serving (app.settings()) apply.
  production = options.env.value_or(Env::Development) == Env::Production;
  if (options.xPoweredBy) c.ex->setHeader("X-Powered-By", "nodexx");
  c.dispatch.start(*root);
  if (c.dispatch.pending == 0) {
    release(c);
    return {};
  }
  c.dispatch.idle.emplace(Promise<>::withResolvers());
  return c.dispatch.idle->promise;
}

}  // namespace detail

App::App(AppOptions options)
    : Router(RouterOptions{options.caseSensitiveRouting, options.strictRouting, false}),
      state_(std::make_unique<detail::AppState>(std::move(options), impl())) {}

App::App(App&&) noexcept = default;
App& App::operator=(App&&) noexcept = default;
App::~App() = default;

AppOptions& App::settings() noexcept { return state_->options; }
const AppOptions& App::settings() const noexcept { return state_->options; }
bool App::production() const noexcept { return state_->production; }

Promise<> App::handle(detail::Exchange& exchange) {
  detail::AppState& s = *state_;
  detail::Context& c = s.acquire();
  c.reset(exchange);
  return s.run(c);
}

http::RequestHandler App::handler() {
  detail::AppState* s = state_.get();
  return [s](http::IncomingMessage& req, http::ServerResponse& res) -> Promise<> {
    detail::Context& c = s->acquire();
    c.http.bind(req, res);
    c.reset(c.http);
    return s->run(c);
  };
}

http::Server App::listen(std::uint16_t port, std::string_view host) {
  http::Server server(handler(), state_->options.server);
  Promise<> p = server.listen(port, host);
  if (p.isRejected()) {
    // Binding is synchronous for TCP: report EADDRINUSE and friends to the caller directly.
    std::exception_ptr e = p.state()->error;
    (void)p.catch_([](std::exception_ptr) {});  // handled here: not an unhandled rejection
    std::rethrow_exception(e);
  }
  if (p.isPending()) {
    detail::AppState* s = state_.get();
    (void)p.catch_([s](std::exception_ptr e) { s->log().fatal({{"err", e}}, "listen failed"); });
  }
  return server;
}

}  // namespace nx::web
