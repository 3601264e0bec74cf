// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "nodexx/http/server.hpp"
#include "nodexx/web/errors.hpp"
#include "nodexx/web/middleware.hpp"
#include "nodexx/web/request.hpp"
#include "nodexx/web/response.hpp"
#include "nodexx/web/router.hpp"
#include "nodexx/web/settings.hpp"

namespace nx::web {

namespace detail {
class AppState;
class Exchange;
}  // namespace detail

/// An Express application: the top-level Router (use, get, post, ..., route, param are
/// inherited) plus settings, the final handler and the transports.
///
/// ```cpp
/// web::App app;
/// app.get("/users/:id", [](web::Request& req, web::Response& res) { res.json(...); });
/// auto server = app.listen(3000);
/// process::on(Signal::Term, [&](Signal) { (void)server.close(); });
/// return run();
/// ```
///
/// Move-only; loop-affine. The App must outlive every server and handler created from it.
/// After the chain, the final handler answers what nobody answered: 404 `not_found`, 405
/// `method_not_allowed` (with Allow) when a route matched the path but not the method,
/// 200 with Allow for an unanswered OPTIONS, or the error passed along (problem+json; see
/// errors.hpp). Server errors (5xx) are logged with the core logger.
class App : public Router {
 public:
  explicit App(AppOptions options = {});
  App(App&&) noexcept;
  App& operator=(App&&) noexcept;
  App(const App&) = delete;
  App& operator=(const App&) = delete;
  ~App();

  /// The settings (Express's app.set/app.get as typed members). Change them before serving.
  AppOptions& settings() noexcept;
  const AppOptions& settings() const noexcept;
  /// True when env is production.
  bool production() const noexcept;

  /// Creates an http::Server for this app and starts listening on `host`:`port` (port 0
  /// picks a free port; see server.address()). Binding happens now: a bind failure
  /// (EADDRINUSE, EACCES, EINVAL) throws UvError from this call. The returned server is the
  /// caller's: `server.close()` drains it gracefully. Options from settings().server.
  http::Server listen(std::uint16_t port, std::string_view host = "0.0.0.0");
  /// A request handler for an existing http::Server: `http::Server s(app.handler());`. It
  /// refers to this App, which must outlive it.
  http::RequestHandler handler();

  /// Handles one exchange (transports call this; testing::inject uses it). Resolves when the
  /// chain is done (every handler settled); the exchange must stay alive until then and
  /// until the response ended. Empty when the chain completed synchronously.
  Promise<> handle(detail::Exchange& exchange);

 private:
  std::unique_ptr<detail::AppState> state_;
};

}  // namespace nx::web
