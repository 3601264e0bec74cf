// SPDX-License-Identifier: MIT
// shop-api: wiring only. Reads the environment, opens the database, serves the App, and
// shuts down gracefully on SIGINT/SIGTERM.
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>

#include "app.hpp"
#include "nodexx/core/errors.hpp"
#include "nodexx/core/loop.hpp"
#include "nodexx/core/process.hpp"
#include "schema.hpp"

namespace {

using nx::data::sqlite::Database;

/// How long in-flight requests may take to finish after SIGTERM before their connections
/// are cut.
constexpr std::chrono::seconds kShutdownDeadline{10};

struct Config {
  std::uint16_t port = 3000;
  std::string host = "0.0.0.0";
  std::string dbPath = "./data/shop.db";
};

/// Everything main() owns; handlers refer to it, so it lives until run() returns.
struct Service {
  nx::Logger logger;
  Database db;
  std::optional<nx::web::App> app;
  std::optional<nx::http::Server> server;
  bool stopping = false;
};

std::optional<Config> readConfig(const nx::Logger& log) {
  Config c;
  if (auto port = nx::process::env("PORT")) {
    char* end = nullptr;
    unsigned long v = std::strtoul(port->c_str(), &end, 10);
    if (port->empty() || *end != '\0' || v > 65535) {
      log.fatal({{"port", *port}}, "PORT must be a number from 0 to 65535");
      return std::nullopt;
    }
    c.port = static_cast<std::uint16_t>(v);
  }
  if (auto host = nx::process::env("HOST"); host && !host->empty()) c.host = *host;
  if (auto db = nx::process::env("SHOP_DB"); db && !db->empty()) c.dbPath = *db;
  return c;
}

nx::Promise<> shutdown(Service& s, nx::Signal signal) {
  if (s.stopping) {
    // A second signal while draining: the operator wants out now.
    s.logger.warn({{"signal", nx::signalName(signal)}}, "second signal, exiting at once");
    nx::process::exit(1);
  }
  s.stopping = true;
  s.logger.info({{"signal", nx::signalName(signal)}}, "shutting down");
  try {
    if (s.server) co_await s.server->close(kShutdownDeadline);
  } catch (const std::exception& e) {
    s.logger.error({{"err", e}}, "server close failed");
    nx::process::exitCode = 1;
  }
  // After the server: no request can queue a statement any more.
  co_await s.db.close();
  // The signal listeners stay (a second signal still exits at once); they do not keep the
  // loop alive, so run() returns now.
  s.logger.info("stopped");
}

nx::Promise<> start(Service& s, Config c) {
  try {
    if (c.dbPath != ":memory:") {
      std::filesystem::path parent = std::filesystem::path(c.dbPath).parent_path();
      std::error_code ec;
      if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    }
    // WAL with synchronous=NORMAL: a commit survives a crash of the process, and only the
    // last commits may be lost on power loss, for a much cheaper commit than FULL.
    nx::data::sqlite::OpenOptions options;
    options.synchronous = nx::data::sqlite::Synchronous::Normal;
    s.db = co_await Database::open(c.dbPath, options);
    co_await shop::migrate(s.db);
    s.app.emplace(shop::makeApp(s.db, s.logger));
    s.server.emplace(s.app->listen(c.port, c.host));
  } catch (const std::exception& e) {
    s.logger.fatal({{"err", e}, {"db", c.dbPath}, {"port", c.port}}, "startup failed");
    nx::process::exitCode = 1;
  }
  if (nx::process::exitCode != 0) {
    // Leave nothing running, so that run() returns with the exit code.
    co_await s.db.close();
    co_return;
  }
  int port = s.server->address().port;
  std::string shown = c.host == "0.0.0.0" || c.host == "::" ? "localhost" : c.host;
  std::printf("shop-api listening on http://%s:%u\n", shown.c_str(), static_cast<unsigned>(port));
  std::fflush(stdout);
  s.logger.info({{"port", port}, {"db", c.dbPath}}, "listening");
  nx::process::on(nx::Signal::Int, [&s](nx::Signal sig) { (void)shutdown(s, sig); });
  nx::process::on(nx::Signal::Term, [&s](nx::Signal sig) { (void)shutdown(s, sig); });
}

}  // namespace

int main() {
  Service service;
  std::optional<Config> config = readConfig(service.logger);
  if (!config) return 2;
  (void)start(service, std::move(*config));
  return nx::run();
}
