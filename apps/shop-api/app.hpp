// SPDX-License-Identifier: MIT
#pragma once

#include <optional>

#include "nodexx/core/logger.hpp"
#include "nodexx/data/sqlite.hpp"
#include "nodexx/web/app.hpp"
#include "products.hpp"

namespace shop {

/// What makeApp() needs besides the database.
struct AppConfig {
  /// Limits of the products API.
  ProductLimits products;
  /// Development shows exception text in 5xx problems; Production never does. nullopt reads
  /// NODE_ENV (Express's rule).
  std::optional<nx::web::Env> env;
};

/// Builds the shop API as a web::App: request logging (one JSON line per request on
/// `logger`: method, url, status, ms, requestId), `X-Request-Id` on every response, the
/// products resource, `GET /health`, and RFC 9457 problem responses for every error
/// (SQLITE_BUSY becomes 503 `database_busy` with Retry-After). `db` and `logger` must outlive
/// the App. Serve it with listen() or test it with testing::inject().
nx::web::App makeApp(nx::data::sqlite::Database& db, const nx::Logger& logger,
                     AppConfig config = {});

}  // namespace shop
