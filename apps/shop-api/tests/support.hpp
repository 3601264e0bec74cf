// SPDX-License-Identifier: MIT
// Shared by the shop-api tests: a fresh loop, an in-memory (or file) database with the schema,
// the App, and a logger writing to a temporary file.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>

#include <gtest/gtest.h>

#include "app.hpp"
#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/core/logger.hpp"
#include "nodexx/core/loop.hpp"
#include "nodexx/testing/inject.hpp"
#include "schema.hpp"

// ASSERT_* returns from the function, which a coroutine cannot do.
#define SHOP_CO_ASSERT(cond)                       \
  do {                                             \
    if (!(cond)) {                                 \
      ADD_FAILURE() << "assertion failed: " #cond; \
      co_return;                                   \
    }                                              \
  } while (0)

namespace shop::test {

using nx::data::sqlite::Database;
using nx::testing::InjectResponse;

class ShopFixture : public nx::testing::FreshLoop {
 protected:
  ShopFixture() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "nx-shop-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    nx::LoggerOptions o;
    o.destination = dir_ + "/requests.log";
    logger_.emplace(o);
  }
  ~ShopFixture() override {
    app_.reset();
    logger_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  /// Opens `path` (default: in memory), applies the schema and builds the App.
  nx::Promise<> start(std::string path = ":memory:", nx::data::sqlite::OpenOptions o = {}) {
    db_ = co_await Database::open(std::move(path), o);
    co_await migrate(db_);
    app_.emplace(makeApp(db_, *logger_, config_));
  }

  /// Runs the coroutine `body` returns until the loop is empty; expects it fulfilled.
  template <class F>
  void runAsync(F body) {
    nx::Promise<> p = body();
    nx::run();
    ASSERT_TRUE(p.isFulfilled()) << (p.isRejected() ? nx::describe(p.state()->error)
                                                    : std::string("still pending"));
  }

  nx::Promise<InjectResponse> get(std::string url) {
    nx::testing::InjectOptions o{.url = url};
    co_return co_await nx::testing::inject(*app_, o);
  }

  nx::Promise<InjectResponse> post(std::string body, std::string contentType = "application/json") {
    nx::testing::InjectOptions o{.method = "POST",
                                 .url = "/products",
                                 .headers = {{"content-type", contentType}},
                                 .body = body};
    co_return co_await nx::testing::inject(*app_, o);
  }

  /// The request log written so far.
  std::string logText() {
    logger_->flushSync();
    std::ifstream in(dir_ + "/requests.log");
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }

  std::string dir_;
  AppConfig config_;
  std::optional<nx::Logger> logger_;
  Database db_;
  std::optional<nx::web::App> app_;
};

}  // namespace shop::test
