// SPDX-License-Identifier: MIT
#include "nodexx/testing/inject.hpp"

#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/core/sleep.hpp"
#include "nodexx/web/app.hpp"

namespace nx::testing {
namespace {

using namespace std::chrono_literals;

class InjectTest : public FreshLoop {};

TEST_F(InjectTest, PlaysRequestAndRecordsResponse) {
  web::App app;
  app.post("/echo", [](web::Request& req, web::Response& res) -> Promise<> {
    std::string body;
    while (auto chunk = co_await req.read()) body += chunk->toString();
    res.status(201)
        .set("X-Host", req.get("host").value_or(""))
        .set("X-Len", req.get("content-length").value_or(""))
        .json(json::Object{{"got", json::Value(body)}, {"ct", json::Value(req.contentType())}});
  });
  std::optional<InjectResponse> res;
  auto run = [&]() -> Promise<> {
    // Named before the co_await (core/README.md, g++ 12): a braced header list inside the
    // co_await expression does not compile with g++ 12.
    InjectOptions o{.method = "POST",
                    .url = "/echo",
                    .headers = {{"content-type", "text/plain"}},
                    .body = "hi there"};
    res = co_await inject(app, o);
  };
  (void)run();
  loop.run();
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->status, 201);
  EXPECT_EQ(res->header("x-host").value_or(""), "localhost");
  EXPECT_EQ(res->header("x-len").value_or(""), "8");
  EXPECT_EQ(res->json()["got"].asString(), "hi there");
  EXPECT_EQ(res->json()["ct"].asString(), "text/plain");
}

TEST_F(InjectTest, ResolvesAfterEveryHandlerSettled) {
  web::App app;
  bool after = false;
  app.use([&](web::Request&, web::Response&, web::Next next) -> Promise<> {
    co_await next();
    co_await sleep(2ms);
    after = true;
  });
  app.get("/", [](web::Request&, web::Response& res) { res.send("x"); });
  bool afterSeen = false;
  auto run = [&]() -> Promise<> {
    (void)co_await inject(app);
    afterSeen = after;
  };
  (void)run();
  loop.run();
  EXPECT_TRUE(afterSeen);
}

TEST_F(InjectTest, InvalidHeaderRejects) {
  web::App app;
  std::string code;
  auto run = [&]() -> Promise<> {
    try {
      InjectOptions o{.headers = {{"x-bad", "a\r\nb"}}};
      (void)co_await inject(app, o);
    } catch (const SystemError& e) {
      code = std::string(e.code());
    }
  };
  (void)run();
  loop.run();
  EXPECT_EQ(code, "ERR_INVALID_CHAR");
}

}  // namespace
}  // namespace nx::testing
