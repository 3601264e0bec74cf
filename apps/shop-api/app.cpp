// SPDX-License-Identifier: MIT
#include "app.hpp"

#include <chrono>
#include <cmath>
#include <exception>
#include <utility>

#include "nodexx/core/process.hpp"
#include "nodexx/data/errors.hpp"
#include "nodexx/web/errors.hpp"

namespace shop {

namespace web = nx::web;

namespace {

/// Logs one line per request once everything downstream (routes and the final handler,
/// which renders errors) has finished, so the status is the one the client got. The line
/// is written here rather than from Response::onFinish: that callback may run after the
/// request's objects were recycled.
web::Middleware requestLogger(const nx::Logger& logger) {
  return [&logger](web::Request& req, web::Response& res, web::Next next) -> nx::Promise<> {
    auto start = nx::process::hrtime();
    res.set("X-Request-Id", req.id());
    co_await next();
    if (!res.writableEnded()) {
      // A handler may still be producing the response (downstream settled without ending
      // it, or it streams). This middleware's pending promise keeps req and res alive, so
      // waiting for the finish here is safe; onFinish also fires when the client goes away.
      auto finished = nx::Promise<>::withResolvers();
      res.onFinish([finished] { finished.resolve(); });
      co_await finished.promise;
    }
    double ms = std::chrono::duration<double, std::milli>(nx::process::hrtime() - start).count();
    logger.info({{"method", req.method()},
                 {"url", req.originalUrl()},
                 {"status", res.statusCode()},
                 {"ms", std::round(ms * 1000) / 1000},
                 {"requestId", req.id()}},
                "request");
  };
}

/// SQLite contention is a temporary condition, not a server bug: tell the client to retry.
void databaseErrors(std::exception_ptr e, web::Request&, web::Response&, web::Next next) {
  try {
    std::rethrow_exception(e);
  } catch (const nx::data::sqlite::Error& se) {
    int primary = se.errcode() & 0xff;
    if (primary == 5 /* SQLITE_BUSY */ || primary == 6 /* SQLITE_LOCKED */) {
      web::HttpError busy(503, "database_busy", "The database is busy; retry shortly");
      busy.setHeader("Retry-After", "1");
      next(std::move(busy));
      return;
    }
    next(e);
  } catch (...) {
    next(e);
  }
}

}  // namespace

web::App makeApp(nx::data::sqlite::Database& db, const nx::Logger& logger, AppConfig config) {
  web::AppOptions options;
  options.env = config.env;
  web::App app(std::move(options));
  app.use(requestLogger(logger));

  app.get("/health", [&db](web::Request&, web::Response& res) -> nx::Promise<> {
    // A query through the pool proves both the connection and the queue are alive.
    bool ok = true;
    try {
      co_await db.get("SELECT 1");
    } catch (const std::exception&) {
      ok = false;
    }
    if (!ok) throw web::HttpError(503, "unhealthy", "The database is not available");
    res.set("Cache-Control", "no-store");
    res.json(nx::json::Object{{"status", "ok"}, {"db", "ok"}});
  });

  mountProducts(app, db, config.products);
  app.use(databaseErrors);
  return app;
}

}  // namespace shop
