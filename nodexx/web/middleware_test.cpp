// SPDX-License-Identifier: MIT
#include "nodexx/web/middleware.hpp"

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "nodexx/core/sleep.hpp"
#include "nodexx/web/internal/test_support.hpp"

namespace nx::web {
namespace {

using namespace std::chrono_literals;

class MiddlewareTest : public testsupport::WebTest {};

TEST_F(MiddlewareTest, SyncMiddlewareRunsInRegistrationOrder) {
  App app;
  std::string trail;
  app.use([&](Request&, Response&, Next next) {
    trail += "a";
    next();
  });
  app.use([&](Request&, Response&, Next next) {
    trail += "b";
    next();
  });
  app.get("/", [&](Request&, Response& res) {
    trail += "c";
    res.send("ok");
  });
  auto r = call(app);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok");
  EXPECT_EQ(trail, "abc");
}

TEST_F(MiddlewareTest, NextWithErrorSkipsToErrorMiddleware) {
  App app;
  bool skipped = true;
  app.use([](Request&, Response&, Next next) { next(HttpError(418, "teapot", "short")); });
  app.use([&](Request&, Response&, Next next) {
    skipped = false;
    next();
  });
  app.use([](const std::exception& e, Request&, Response& res, Next) {
    res.status(499).send(std::string("caught:") + e.what());
  });
  auto r = call(app);
  EXPECT_TRUE(skipped);
  EXPECT_EQ(r.status, 499);
  EXPECT_EQ(r.body, "caught:short");
}

TEST_F(MiddlewareTest, ThrownExceptionInSyncHandlerReachesErrorMiddleware) {
  App app;
  app.get("/", [](Request&, Response&) { throw std::runtime_error("boom"); });
  app.use([](std::exception_ptr e, Request&, Response& res, Next) {
    try {
      std::rethrow_exception(e);
    } catch (const std::runtime_error& ex) {
      res.send(ex.what());
    }
  });
  EXPECT_EQ(call(app).body, "boom");
}

TEST_F(MiddlewareTest, RejectedPromiseReachesErrorMiddleware) {
  App app;
  app.get("/", [](Request&, Response&) -> Promise<> {
    co_await sleep(1ms);
    throw HttpError(409, "conflict_here", "already exists");
  });
  auto r = call(app);
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(*r.header("content-type"), "application/problem+json; charset=utf-8");
  auto j = r.json();
  EXPECT_EQ(j["code"].asString(), "conflict_here");
  EXPECT_EQ(j["detail"].asString(), "already exists");
  EXPECT_EQ(j["status"].asInt64(), 409);
  EXPECT_EQ(j["title"].asString(), "Conflict");
  EXPECT_EQ(j["type"].asString(), "about:blank");
  EXPECT_FALSE(j["requestId"].asString().empty());
}

TEST_F(MiddlewareTest, ErrorMiddlewareCallingNextWithoutErrorResumesNormalChain) {
  App app;
  app.use([](Request&, Response&, Next next) { next(std::runtime_error("x")); });
  app.use([](std::exception_ptr, Request&, Response&, Next next) { next(); });
  app.get("/", [](Request&, Response& res) { res.send("recovered"); });
  EXPECT_EQ(call(app).body, "recovered");
}

TEST_F(MiddlewareTest, NextRouteSkipsTheRestOfTheRoute) {
  App app;
  app.get(
      "/", [](Request&, Response&, Next next) { next("route"); },
      [](Request&, Response& res) { res.send("second handler"); });
  app.get("/", [](Request&, Response& res) { res.send("next route"); });
  EXPECT_EQ(call(app).body, "next route");
}

TEST_F(MiddlewareTest, NextRouterLeavesTheRouter) {
  App app;
  Router api;
  api.use([](Request&, Response&, Next next) { next("router"); });
  api.get("/x", [](Request&, Response& res) { res.send("inside"); });
  app.use("/api", api);
  app.get("/api/x", [](Request&, Response& res) { res.send("outside"); });
  EXPECT_EQ(call(app, {.url = "/api/x"}).body, "outside");
}

TEST_F(MiddlewareTest, OnionCodeAfterNextRunsAfterAsyncDownstream) {
  App app;
  std::string trail;
  app.use([&](Request&, Response&, Next next) -> Promise<> {
    trail += "in1 ";
    co_await next();
    trail += "out1";
  });
  app.use([&](Request&, Response&, Next next) {
    trail += "in2 ";
    next();
  });
  app.get("/", [&](Request&, Response& res) -> Promise<> {
    co_await sleep(2ms);
    trail += "handler ";
    res.send("x");
  });
  call(app);
  EXPECT_EQ(trail, "in1 in2 handler out1");
}

TEST_F(MiddlewareTest, OnionWaitsForNextCalledLateByAnAsyncMiddleware) {
  // A body parser's shape: it awaits its own work, then calls next() without awaiting it.
  // The logger above must still see the route's final status.
  App app;
  std::string trail;
  int statusSeen = 0;
  app.use([&](Request&, Response& res, Next next) -> Promise<> {
    trail += "in1 ";
    co_await next();
    statusSeen = res.statusCode();
    trail += "out1";
  });
  app.use([&](Request&, Response&, Next next) -> Promise<> {
    co_await sleep(1ms);
    trail += "parsed ";
    next();
  });
  app.post("/", [&](Request&, Response& res) -> Promise<> {
    co_await sleep(2ms);
    trail += "handler ";
    res.status(201).send("x");
  });
  auto r = call(app, {.method = "POST", .url = "/"});
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(trail, "in1 parsed handler out1");
  EXPECT_EQ(statusSeen, 201);
}

TEST_F(MiddlewareTest, AwaitingNextOfSyncDownstreamDoesNotSuspend) {
  App app;
  bool resumedInline = false;
  app.use([&](Request&, Response&, Next next) -> Promise<> {
    NextResult r = next();
    resumedInline = r.done();
    co_await std::move(r);
  });
  app.get("/", [](Request&, Response& res) { res.send("x"); });
  call(app);
  EXPECT_TRUE(resumedInline);
}

TEST_F(MiddlewareTest, ReturningNextIsAccepted) {
  App app;
  app.use([](Request& req, Response&, Next next) {
    req.locals().set("seen", true);
    return next();
  });
  app.get("/", [](Request& req, Response& res) {
    res.send(req.locals().get<bool>("seen") != nullptr ? "yes" : "no");
  });
  EXPECT_EQ(call(app).body, "yes");
}

TEST_F(MiddlewareTest, VeryLongSynchronousChainDoesNotOverflowTheStack) {
  App app;
  int hits = 0;
  for (int i = 0; i < 20000; ++i) {
    app.use([&hits](Request&, Response&, Next next) {
      ++hits;
      next();
    });
  }
  app.get("/", [](Request&, Response& res) { res.send("deep"); });
  EXPECT_EQ(call(app).body, "deep");
  EXPECT_EQ(hits, 20000);
}

TEST_F(MiddlewareTest, SecondNextCallIsIgnored) {
  App app;
  int hits = 0;
  app.use([](Request&, Response&, Next next) {
    next();
    next();
  });
  app.get("/", [&](Request&, Response& res) {
    ++hits;
    res.send("x");
  });
  call(app);
  EXPECT_EQ(hits, 1);
}

TEST_F(MiddlewareTest, OtherStringGivenToNextIsAnError) {
  App app;
  app.use([](Request&, Response&, Next next) { next("nope"); });
  app.use([](const std::exception& e, Request&, Response& res, Next) { res.send(e.what()); });
  EXPECT_EQ(call(app).body, "nope");
}

TEST_F(MiddlewareTest, ErrorAfterNextIsLoggedAndDoesNotRerouteTheRequest) {
  App app;
  app.use([](Request&, Response&, Next next) -> Promise<> {
    co_await next();
    throw std::runtime_error("late");
  });
  app.get("/", [](Request&, Response& res) { res.send("fine"); });
  auto r = call(app);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "fine");
}

TEST_F(MiddlewareTest, UnknownExceptionBecomes500WithoutInternalsInProduction) {
  App app({.env = Env::Production});
  app.get("/", [](Request&, Response&) { throw std::runtime_error("secret detail"); });
  auto r = call(app);
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body.find("secret"), std::string::npos);
  EXPECT_EQ(r.json()["code"].asString(), "internal_server_error");
}

TEST_F(MiddlewareTest, UnknownExceptionShowsItsMessageInDevelopment) {
  App app({.env = Env::Development});
  app.get("/", [](Request&, Response&) { throw std::runtime_error("visible detail"); });
  auto r = call(app);
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("visible detail"), std::string::npos);
}

TEST_F(MiddlewareTest, ServerErrorsAreLoggedWithTheAppLogger) {
  auto path = std::filesystem::temp_directory_path() /
              ("nx-web-log-" + std::to_string(::getpid()) + ".log");
  std::filesystem::remove(path);
  {
    LoggerOptions lo;
    lo.destination = path.string();
    App app({.logger = Logger(lo)});
    app.get("/", [](Request&, Response&) { throw std::runtime_error("db exploded"); });
    EXPECT_EQ(call(app, {.headers = {{"x-request-id", "req-77"}}}).status, 500);
    app.settings().logger->flushSync();
  }
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::filesystem::remove(path);
  EXPECT_NE(text.find("\"msg\":\"request failed\""), std::string::npos) << text;
  EXPECT_NE(text.find("db exploded"), std::string::npos) << text;
  EXPECT_NE(text.find("req-77"), std::string::npos) << text;
}

TEST_F(MiddlewareTest, LocalsPassValuesBetweenMiddleware) {
  App app;
  app.use([](Request& req, Response&, Next next) {
    req.locals().set("user", std::string("ada"));
    next();
  });
  app.get("/", [](Request&, Response& res) { res.send(*res.locals().get<std::string>("user")); });
  EXPECT_EQ(call(app).body, "ada");
}

TEST(LocalsTest, SetGetEraseAndClearKeepOrderAndDestroyValues) {
  Locals locals;
  auto value = std::make_shared<int>(7);
  locals.set("a", 1);
  locals.set("b", value);
  locals.set("c", std::string("three"));
  locals.set("a", std::string("one"));  // replaced, with another type
  EXPECT_EQ(locals.size(), 3u);
  EXPECT_EQ(locals.get<int>("a"), nullptr);
  EXPECT_EQ(*locals.get<std::string>("a"), "one");
  EXPECT_EQ(value.use_count(), 2);

  locals.erase("b");
  EXPECT_EQ(value.use_count(), 1) << "erase destroys the value";
  EXPECT_FALSE(locals.has("b"));
  EXPECT_EQ(locals.size(), 2u);
  EXPECT_EQ(*locals.get<std::string>("c"), "three");
  locals.erase("nope");
  EXPECT_EQ(locals.size(), 2u);

  locals.set("b", value);
  locals.clear();
  EXPECT_EQ(value.use_count(), 1) << "clear destroys the values";
  EXPECT_EQ(locals.size(), 0u);
  EXPECT_FALSE(locals.has("a"));
  EXPECT_EQ(locals.get<std::string>("c"), nullptr);

  // Reused slots hold the new keys and values only.
  locals.set("x", 10);
  locals.set("yy", 20);
  EXPECT_EQ(locals.size(), 2u);
  EXPECT_EQ(*locals.get<int>("x"), 10);
  EXPECT_EQ(*locals.get<int>("yy"), 20);
  EXPECT_FALSE(locals.has("c"));
  EXPECT_FALSE(locals.has("b"));
}

TEST(LocalsTest, KeysThatDifferOnlyInTheirLastByteOrLengthAreDistinct) {
  Locals locals;
  locals.set("user", 1);
  locals.set("users", 2);
  locals.set("usex", 3);
  locals.set("", 4);
  EXPECT_EQ(*locals.get<int>("user"), 1);
  EXPECT_EQ(*locals.get<int>("users"), 2);
  EXPECT_EQ(*locals.get<int>("usex"), 3);
  EXPECT_EQ(*locals.get<int>(""), 4);
  EXPECT_FALSE(locals.has("use"));
  EXPECT_FALSE(locals.has("xser"));
}

TEST(LocalsTest, AValueWhoseConstructionThrowsLeavesNoEntry) {
  struct Throws {
    Throws() = default;
    Throws(const Throws&) { throw std::runtime_error("copy"); }
  };
  Locals locals;
  locals.set("a", 1);
  EXPECT_THROW(locals.set("b", Throws{}), std::runtime_error);
  EXPECT_FALSE(locals.has("b"));
  EXPECT_EQ(locals.size(), 1u);
  locals.set("b", 2);
  EXPECT_EQ(*locals.get<int>("b"), 2);
}

}  // namespace
}  // namespace nx::web
