// SPDX-License-Identifier: MIT
#include "app.hpp"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "nodexx/json/parse.hpp"
#include "support.hpp"

namespace shop::test {
namespace {

using ::testing::HasSubstr;

class AppTest : public ShopFixture {};

TEST_F(AppTest, HealthReportsOkWithARequestId) {
  runAsync([&]() -> nx::Promise<> {
    co_await start();
    InjectResponse r = co_await get("/health");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, R"({"status":"ok","db":"ok"})");
    EXPECT_EQ(r.header("cache-control"), "no-store");
    EXPECT_FALSE(r.header("x-request-id").value_or("").empty());
  });
}

TEST_F(AppTest, HealthIs503WhenTheDatabaseIsGone) {
  runAsync([&]() -> nx::Promise<> {
    co_await start();
    co_await db_.close();
    InjectResponse r = co_await get("/health");
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.json()["code"].asString(), "unhealthy");
  });
}

TEST_F(AppTest, UnknownRouteIs404ProblemAndWrongMethodIs405) {
  runAsync([&]() -> nx::Promise<> {
    co_await start();
    InjectResponse r = co_await get("/nope");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.header("content-type"), "application/problem+json; charset=utf-8");
    EXPECT_EQ(r.json()["code"].asString(), "not_found");
    nx::testing::InjectOptions del{.method = "DELETE", .url = "/products"};
    r = co_await nx::testing::inject(*app_, del);
    EXPECT_EQ(r.status, 405);
    EXPECT_THAT(std::string(r.header("allow").value_or("")), HasSubstr("POST"));
  });
}

TEST_F(AppTest, ClientRequestIdIsEchoedInHeaderProblemAndLog) {
  runAsync([&]() -> nx::Promise<> {
    co_await start();
    nx::testing::InjectOptions o{.url = "/products/7", .headers = {{"x-request-id", "abc-123"}}};
    InjectResponse r = co_await nx::testing::inject(*app_, o);
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.header("x-request-id"), "abc-123");
    EXPECT_EQ(r.json()["requestId"].asString(), "abc-123");
  });
  EXPECT_THAT(logText(), HasSubstr(R"("requestId":"abc-123")"));
}

TEST_F(AppTest, EveryRequestLogsOneJsonLineWithMethodUrlStatusAndDuration) {
  runAsync([&]() -> nx::Promise<> {
    co_await start();
    co_await get("/health");
    co_await post(R"({"name":"x","price":1})");
    co_await post(R"({"price":1})");
    co_await get("/products?limit=5");
  });
  std::string text = logText();
  std::vector<nx::json::Value> lines;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t nl = text.find('\n', at);
    nx::json::Value line = nx::json::parse(std::string_view(text).substr(at, nl - at));
    if (line["msg"].asString() == "request") lines.push_back(std::move(line));
    at = nl + 1;
  }
  ASSERT_EQ(lines.size(), 4u) << text;
  EXPECT_EQ(lines[0]["method"].asString(), "GET");
  EXPECT_EQ(lines[0]["url"].asString(), "/health");
  EXPECT_EQ(lines[0]["status"].asInt64(), 200);
  EXPECT_EQ(lines[1]["method"].asString(), "POST");
  EXPECT_EQ(lines[1]["status"].asInt64(), 201);
  EXPECT_EQ(lines[2]["status"].asInt64(), 400);  // the error went through the final handler
  EXPECT_EQ(lines[3]["url"].asString(), "/products?limit=5");
  for (const auto& l : lines) {
    EXPECT_EQ(l["level"].asInt64(), 30);
    EXPECT_TRUE(l["ms"].isNumber());
    EXPECT_GE(l["ms"].asDouble(), 0.0);
    EXPECT_FALSE(l["requestId"].asString().empty());
  }
  EXPECT_NE(lines[0]["requestId"], lines[1]["requestId"]);
}

TEST_F(AppTest, BusyDatabaseIs503WithRetryAfter) {
  runAsync([&]() -> nx::Promise<> {
    nx::data::sqlite::OpenOptions noWait;
    noWait.busyTimeout = std::chrono::milliseconds(0);
    co_await start(dir_ + "/busy.db", noWait);
    Database other = co_await Database::open(dir_ + "/busy.db");
    // Another connection holds the write lock while the app tries to insert.
    InjectResponse r =
        co_await other.transaction([this](Database& tx) -> nx::Promise<InjectResponse> {
          co_await tx.run("INSERT INTO products(name, price) VALUES ('held', 1)");
          co_return co_await post(R"({"name":"x","price":1})");
        });
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.header("retry-after"), "1");
    EXPECT_EQ(r.json()["code"].asString(), "database_busy");
    co_await other.close();
    // Once the lock is gone the same request succeeds.
    EXPECT_EQ((co_await post(R"({"name":"x","price":1})")).status, 201);
  });
}

TEST_F(AppTest, ProductionHidesInternalErrorDetails) {
  config_.env = nx::web::Env::Production;
  runAsync([&]() -> nx::Promise<> {
    co_await start();
    // Break the table behind the app's back: the insert fails with an internal error.
    co_await db_.exec("DROP TABLE products");
    InjectResponse r = co_await post(R"({"name":"x","price":1})");
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(r.json()["code"].asString(), "internal_server_error");
    EXPECT_EQ(r.body.find("no such table"), std::string::npos) << r.body;
  });
}

TEST_F(AppTest, SchemaIsCreatedOnceAndSurvivesReopening) {
  runAsync([&]() -> nx::Promise<> {
    std::string path = dir_ + "/shop.db";
    co_await start(path);
    EXPECT_EQ((co_await post(R"({"name":"kept","price":3})")).status, 201);
    app_.reset();
    co_await db_.close();
    co_await start(path);  // migrate() again: version 1 is left alone
    InjectResponse r = co_await get("/products/1");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.json()["name"].asString(), "kept");
    std::optional<nx::json::Value> v = co_await db_.get("PRAGMA user_version");
    EXPECT_EQ((*v)["user_version"].asInt64(), kSchemaVersion);
  });
}

TEST_F(AppTest, NewerSchemaVersionIsRefused) {
  runAsync([&]() -> nx::Promise<> {
    std::string path = dir_ + "/future.db";
    {
      Database db = co_await Database::open(path);
      co_await db.exec("PRAGMA user_version = 9");
      co_await db.close();
    }
    db_ = co_await Database::open(path);
    std::string code;
    try {
      co_await migrate(db_);
    } catch (const nx::SystemError& e) {
      code = e.code();
    }
    EXPECT_EQ(code, "ERR_SHOP_SCHEMA_VERSION");
  });
}

}  // namespace
}  // namespace shop::test
