// SPDX-License-Identifier: MIT
#include "nodexx/web/app.hpp"

#include <string>

#include <gtest/gtest.h>

#include "nodexx/core/sleep.hpp"
#include "nodexx/core/threadpool.hpp"
#include "nodexx/http/fetch.hpp"
#include "nodexx/http/https.hpp"
#include "nodexx/http/internal/server_test_client.hpp"
#include "nodexx/net/internal/test_certs.hpp"
#include "nodexx/web/internal/route_pattern.hpp"
#include "nodexx/web/internal/test_support.hpp"

namespace nx::web {
namespace {

using namespace std::chrono_literals;

class AppTest : public testsupport::WebTest {};

TEST_F(AppTest, AMountedAppsSettingsApplyInsideItAndNotAfter) {
  AppOptions parentOptions;
  parentOptions.jsonSpaces = 2;
  App app(parentOptions);
  AppOptions subOptions;
  subOptions.queryParser = QueryParser::Extended;
  subOptions.xPoweredBy = true;
  App sub(subOptions);
  auto echo = [](Request& req, Response& res) {
    json::Object o;
    o.set("query", req.query());
    o.set("extended", json::Value(req.settings().queryParser == QueryParser::Extended));
    res.json(json::Value(std::move(o)));
  };
  sub.get("/q", echo);
  app.use("/sub", sub);
  app.get("/sub/after", echo);

  auto inside = call(app, {.url = "/sub/q?a[b]=1"});
  EXPECT_EQ(inside.body,
            "{\n  \"query\": {\n    \"a\": {\n      \"b\": \"1\"\n    }\n  },\n"
            "  \"extended\": true\n}");
  EXPECT_EQ(inside.headers.get("x-powered-by").value_or(""), "nodexx");
  auto after = call(app, {.url = "/sub/after?a[b]=1"});
  EXPECT_EQ(after.body, "{\n  \"query\": {\n    \"a[b]\": \"1\"\n  },\n  \"extended\": false\n}");
  // Passing through the sub-app set the header, and it stays (as in Express).
  EXPECT_EQ(after.headers.get("x-powered-by").value_or(""), "nodexx");
  EXPECT_FALSE(call(app, {.url = "/elsewhere"}).headers.get("x-powered-by").has_value());
}

TEST_F(AppTest, AMountedAppDestroyedFirstLeavesAPlainRouter) {
  App app;
  {
    AppOptions subOptions;
    subOptions.queryParser = QueryParser::None;
    App sub(subOptions);
    sub.get("/q", [](Request& req, Response& res) { res.json(req.query()); });
    app.use("/sub", sub);
  }
  // The routes stay mounted; the settings are the parent's (simple query parser).
  EXPECT_EQ(call(app, {.url = "/sub/q?a=1"}).body, R"({"a":"1"})");
}

TEST_F(AppTest, RouteParamIsDecoded) {
  App app;
  app.get("/users/:id", [](Request& req, Response& res) { res.send(req.param("id")); });
  EXPECT_EQ(call(app, {.url = "/users/a%20b%C3%A9"}).body, "a b\xC3\xA9");
}

TEST_F(AppTest, MalformedEscapeInParamGives400) {
  App app;
  bool ran = false;
  app.get("/users/:id", [&](Request&, Response& res) {
    ran = true;
    res.send("x");
  });
  auto r = call(app, {.url = "/users/%E0%A4%A"});
  EXPECT_FALSE(ran);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json()["code"].asString(), "invalid_param_encoding");
  auto r2 = call(app, {.url = "/users/%C0%80"});  // overlong UTF-8: URIError in JS
  EXPECT_EQ(r2.status, 400);
}

TEST_F(AppTest, UnmatchedPathGives404Problem) {
  App app;
  app.get("/a", [](Request&, Response& res) { res.send("a"); });
  auto r = call(app, {.url = "/b?x=1"});
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(*r.header("content-type"), "application/problem+json; charset=utf-8");
  auto j = r.json();
  EXPECT_EQ(j["code"].asString(), "not_found");
  EXPECT_EQ(j["title"].asString(), "Not Found");
  EXPECT_EQ(j["detail"].asString(), "Cannot GET /b");
}

TEST_F(AppTest, MethodMismatchGives405WithAllow) {
  App app;
  app.get("/items", [](Request&, Response& res) { res.send("list"); });
  app.post("/items", [](Request&, Response& res) { res.send("made"); });
  auto r = call(app, {.method = "DELETE", .url = "/items"});
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(*r.header("allow"), "GET, HEAD, POST");
  EXPECT_EQ(r.json()["code"].asString(), "method_not_allowed");
}

TEST_F(AppTest, OptionsIsAnsweredWithAllow) {
  App app;
  app.get("/items", [](Request&, Response& res) { res.send("list"); });
  app.put("/items", [](Request&, Response& res) { res.send("put"); });
  auto r = call(app, {.method = "OPTIONS", .url = "/items"});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(*r.header("allow"), "GET, HEAD, PUT");
  EXPECT_EQ(r.body, "GET, HEAD, PUT");
}

TEST_F(AppTest, HeadIsServedByGetWithoutBody) {
  App app;
  app.get("/", [](Request&, Response& res) { res.send("hello"); });
  auto r = call(app, {.method = "HEAD"});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(*r.header("content-length"), "5");
}

TEST_F(AppTest, ExplicitHeadHandlerWinsOverGet) {
  // Within one route, HEAD handlers replace GET for HEAD requests (router's _handlesMethod).
  App app;
  app.route("/")
      .get([](Request&, Response& res) { res.send("get"); })
      .head([](Request&, Response& res) { res.set("X-Head", "1").end(); });
  EXPECT_EQ(call(app, {.method = "HEAD"}).header("x-head").value_or(""), "1");
}

TEST_F(AppTest, MountedRouterSeesStrippedUrlAndBaseUrl) {
  App app;
  Router api;
  std::string seen;
  api.get("/users/:id", [&](Request& req, Response& res) {
    seen = std::string(req.baseUrl()) + "|" + std::string(req.url()) + "|" +
           std::string(req.path()) + "|" + std::string(req.originalUrl());
    res.send("ok");
  });
  app.use("/api", api);
  call(app, {.url = "/api/users/7?x=1"});
  EXPECT_EQ(seen, "/api|/users/7?x=1|/users/7|/api/users/7?x=1");
}

TEST_F(AppTest, MountPointItselfSeesSlashUrl) {
  App app;
  std::string seen;
  app.use("/api", [&](Request& req, Response& res) {
    seen =
        std::string(req.url()) + "|" + std::string(req.path()) + "|" + std::string(req.baseUrl());
    res.send("ok");
  });
  call(app, {.url = "/api?q=1"});
  EXPECT_EQ(seen, "/?q=1|/|/api");
  call(app, {.url = "/api/"});
  EXPECT_EQ(seen, "/|/|/api");
}

TEST_F(AppTest, UsePrefixMatchesOnlyAtSegmentBoundary) {
  App app;
  app.use("/api", [](Request&, Response& res) { res.send("api"); });
  EXPECT_EQ(call(app, {.url = "/api/x"}).body, "api");
  EXPECT_EQ(call(app, {.url = "/apix"}).status, 404);
}

TEST_F(AppTest, MergeParamsExposesParentParams) {
  App app;
  Router merged({.mergeParams = true});
  Router plain;
  merged.get("/posts/:pid", [](Request& req, Response& res) {
    res.send(std::string(req.param("uid")) + "/" + std::string(req.param("pid")));
  });
  plain.get("/items/:iid", [](Request& req, Response& res) {
    res.send(std::string(req.param("uid")) + "/" + std::string(req.param("iid")));
  });
  app.use("/users/:uid", merged);
  app.use("/u/:uid", plain);
  EXPECT_EQ(call(app, {.url = "/users/3/posts/9"}).body, "3/9");
  EXPECT_EQ(call(app, {.url = "/u/3/items/9"}).body, "/9");
}

TEST_F(AppTest, ArrayOfPathsMatchesEach) {
  App app;
  app.get({"/a", "/b"}, [](Request& req, Response& res) { res.send(req.path()); });
  EXPECT_EQ(call(app, {.url = "/a"}).body, "/a");
  EXPECT_EQ(call(app, {.url = "/b"}).body, "/b");
  EXPECT_EQ(call(app, {.url = "/c"}).status, 404);
}

TEST_F(AppTest, RouteChainDispatchesPerMethod) {
  App app;
  app.route("/book")
      .get([](Request&, Response& res) { res.send("get"); })
      .post([](Request&, Response& res) { res.send("post"); })
      .del([](Request&, Response& res) { res.send("delete"); });
  EXPECT_EQ(call(app, {.url = "/book"}).body, "get");
  EXPECT_EQ(call(app, {.method = "POST", .url = "/book"}).body, "post");
  EXPECT_EQ(call(app, {.method = "DELETE", .url = "/book"}).body, "delete");
  app.method("PROPFIND", "/dav", [](Request&, Response& res) { res.send("dav"); });
  EXPECT_EQ(call(app, {.method = "PROPFIND", .url = "/dav"}).body, "dav");
}

TEST_F(AppTest, AllMatchesEveryMethod) {
  App app;
  app.all("/x", [](Request& req, Response& res) { res.send(req.method()); });
  EXPECT_EQ(call(app, {.method = "PATCH", .url = "/x"}).body, "PATCH");
}

TEST_F(AppTest, ParamHookRunsOncePerValueBeforeHandlers) {
  App app;
  int hookCalls = 0;
  app.param("id", [&](Request& req, Response&, Next next, std::string_view value) {
    ++hookCalls;
    req.locals().set("id", std::string(value) + "!");
    next();
  });
  app.get("/item/:id", [](Request&, Response&, Next next) { next(); });
  app.get("/item/:id",
          [](Request& req, Response& res) { res.send(*req.locals().get<std::string>("id")); });
  EXPECT_EQ(call(app, {.url = "/item/5"}).body, "5!");
  EXPECT_EQ(hookCalls, 1);
}

TEST_F(AppTest, AsyncParamHookErrorSkipsTheRoute) {
  App app;
  app.param("id", [](Request&, Response&, Next next, std::string_view value) -> Promise<> {
    co_await sleep(1ms);
    if (value == "bad") {
      next(HttpError(404, "item_not_found", "no item"));
    } else {
      next();
    }
  });
  app.get("/item/:id", [](Request& req, Response& res) { res.send(req.param("id")); });
  EXPECT_EQ(call(app, {.url = "/item/ok"}).body, "ok");
  auto r = call(app, {.url = "/item/bad"});
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.json()["code"].asString(), "item_not_found");
}

TEST_F(AppTest, RoutingIsCaseInsensitiveByDefault) {
  App app;
  app.get("/Foo", [](Request&, Response& res) { res.send("foo"); });
  EXPECT_EQ(call(app, {.url = "/foo"}).status, 200);
  App strictCase({.caseSensitiveRouting = true});
  strictCase.get("/Foo", [](Request&, Response& res) { res.send("foo"); });
  EXPECT_EQ(call(strictCase, {.url = "/foo"}).status, 404);
  EXPECT_EQ(call(strictCase, {.url = "/Foo"}).status, 200);
}

TEST_F(AppTest, StrictRoutingDistinguishesTrailingSlash) {
  App loose;
  loose.get("/x", [](Request&, Response& res) { res.send("x"); });
  EXPECT_EQ(call(loose, {.url = "/x/"}).status, 200);
  App strict({.strictRouting = true});
  strict.get("/x", [](Request&, Response& res) { res.send("x"); });
  EXPECT_EQ(call(strict, {.url = "/x/"}).status, 404);
}

TEST_F(AppTest, WildcardParamGivesTextAndSegments) {
  App app;
  app.get("/files/*path", [](Request& req, Response& res) {
    auto segs = req.params().segments("path");
    res.send(std::string(req.param("path")) + "|" + std::to_string(segs.size()) + "|" +
             segs.back());
  });
  EXPECT_EQ(call(app, {.url = "/files/a/b/c.txt"}).body, "a/b/c.txt|3|c.txt");
}

TEST_F(AppTest, Express4PatternSyntaxThrowsAtRegistration) {
  App app;
  try {
    app.get("/users/:id?", [](Request&, Response& res) { res.send("x"); });
    FAIL() << "expected RoutePatternError";
  } catch (const SystemError& e) {
    EXPECT_EQ(e.code(), "ERR_ROUTE_PATTERN");
  }
}

TEST_F(AppTest, RejectedPathListLeavesNoPathBehind) {
  App app;
  EXPECT_THROW(app.get({"/good", "/bad/:id?"}, [](Request&, Response& res) { res.send("x"); }),
               SystemError);
  // The next layer takes the id the rejected one would have had; "/good" must not match it.
  app.get("/other", [](Request&, Response& res) { res.send("other"); });
  EXPECT_EQ(call(app, {.url = "/good"}).status, 404);
  EXPECT_EQ(call(app, {.url = "/other"}).body, "other");
}

TEST_F(AppTest, OptionalSegmentMatchesWithAndWithout) {
  App app;
  app.get("/users{/:id}", [](Request& req, Response& res) {
    res.send(req.params().has("id") ? std::string(req.param("id")) : std::string("none"));
  });
  EXPECT_EQ(call(app, {.url = "/users"}).body, "none");
  EXPECT_EQ(call(app, {.url = "/users/4"}).body, "4");
}

TEST_F(AppTest, MountedAppRouterRuns) {
  App app;
  App sub;
  sub.get("/hello", [](Request& req, Response& res) { res.send(req.baseUrl()); });
  app.use("/sub", sub);
  EXPECT_EQ(call(app, {.url = "/sub/hello"}).body, "/sub");
}

TEST_F(AppTest, ErrorMiddlewareInsideRouterHandlesItsErrors) {
  App app;
  Router r;
  r.get("/x", [](Request&, Response&) { throw HttpError(400, "bad_x", "bad"); });
  r.use([](const std::exception& e, Request&, Response& res, Next) {
    res.status(422).send(std::string("router:") + e.what());
  });
  app.use(r);
  auto resp = call(app, {.url = "/x"});
  EXPECT_EQ(resp.status, 422);
  EXPECT_EQ(resp.body, "router:bad");
}

TEST_F(AppTest, HostileTargetsGetAnAnswerAndNeverCrash) {
  App app;
  Router r({.mergeParams = true});
  r.get("/:b/*rest", [](Request& req, Response& res) {
    res.send(std::string(req.param("a")) + std::string(req.param("b")) +
             std::string(req.param("rest")));
  });
  app.use("/:a", r);
  app.get("/x{/:opt}", [](Request& req, Response& res) { res.send(req.param("opt")); });
  std::string longPath(10000, 'a');
  const std::string targets[] = {"",
                                 "*",
                                 "/",
                                 "//",
                                 "///a//b",
                                 "/%",
                                 "/%zz/%41",
                                 "/%00/x",
                                 "/%C3%28/y/z",
                                 "/a/%ED%A0%80/q",
                                 "/?",
                                 "/#frag",
                                 "/x/",
                                 "/x//",
                                 "/x?%",
                                 "/" + longPath + "/b/c",
                                 "/\xff\xfe/b/c",
                                 "/a/b/c/%2F/%2e%2e"};
  for (const std::string& t : targets) {
    auto res = call(app, {.url = t});
    EXPECT_GE(res.status, 200) << t;
    EXPECT_LT(res.status, 500) << t;
  }
}

TEST_F(AppTest, ConcurrentAsyncRequestsKeepTheirOwnState) {
  App app;
  app.get("/n/:id", [](Request& req, Response& res) -> Promise<> {
    std::string id(req.param("id"));
    req.locals().set("id", id);
    co_await sleep(std::chrono::milliseconds(1 + std::stoi(id) % 3));
    res.send(std::string(req.param("id")) + "=" + *req.locals().get<std::string>("id") + "?" +
             std::string(req.query("q").value_or("")));
  });
  std::vector<std::string> bodies(40);
  std::vector<std::string> urls;
  for (int i = 0; i < 40; ++i)
    urls.push_back("/n/" + std::to_string(i) + "?q=" + std::to_string(i));
  for (int i = 0; i < 40; ++i) {
    (void)nx::web::inject(app, {.url = urls[i]}).then([&bodies, i](nx::web::InjectResponse& r) {
      bodies[i] = r.body;
    });
  }
  loop.run();
  for (int i = 0; i < 40; ++i) {
    std::string n = std::to_string(i);
    EXPECT_EQ(bodies[i], n + "=" + n + "?" + n);
  }
}

TEST_F(AppTest, XPoweredByIsOffByDefault) {
  App app;
  app.get("/", [](Request&, Response& res) { res.send("x"); });
  EXPECT_FALSE(call(app).header("x-powered-by").has_value());
  App on({.xPoweredBy = true});
  on.get("/", [](Request&, Response& res) { res.send("x"); });
  EXPECT_TRUE(call(on).header("x-powered-by").has_value());
}

TEST_F(AppTest, ListenServesRealHttpRequests) {
  App app;
  app.get("/hi/:name", [](Request& req, Response& res) -> Promise<> {
    co_await sleep(1ms);
    res.json(json::Object{{"hello", json::Value(req.param("name"))}});
  });
  http::Server server = app.listen(0, "127.0.0.1");
  int port = server.address().port;
  std::string body;
  int status = 0;
  auto task = [](int p, std::string& b, int& s, http::Server& srv) -> Promise<> {
    auto r = co_await http::fetch("http://127.0.0.1:" + std::to_string(p) + "/hi/ada");
    s = r.status();
    b = co_await r.text();
    co_await srv.close();
  };
  (void)task(port, body, status, server);
  loop.run();
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body, "{\"hello\":\"ada\"}");
}

TEST_F(AppTest, HandlerServesHeadAndErrorsOverRealHttp) {
  App app;
  app.get("/x", [](Request&, Response& res) { res.send("hello"); });
  http::Server server(app.handler());
  std::string raw;
  auto task = [](http::Server& s, std::string& out) -> Promise<> {
    co_await s.listen(0, "127.0.0.1");
    int port = s.address().port;
    out = co_await threadpool::run([port] {
      http::testing::RawClient c(port);
      c.send(
          "HEAD /x HTTP/1.1\r\nHost: a\r\n\r\n"
          "DELETE /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
      return c.readAll();
    });
    co_await s.close();
  };
  (void)task(server, raw);
  loop.run();
  auto second = raw.find("HTTP/1.1 405");
  ASSERT_NE(second, std::string::npos) << raw;
  std::string head = raw.substr(0, second);
  EXPECT_TRUE(head.starts_with("HTTP/1.1 200 OK\r\n")) << raw;
  EXPECT_NE(head.find("Content-Length: 5\r\n"), std::string::npos) << raw;
  EXPECT_TRUE(head.ends_with("\r\n\r\n")) << "HEAD carries no body: " << raw;
  EXPECT_NE(raw.find("Allow: GET, HEAD\r\n"), std::string::npos) << raw;
  EXPECT_NE(raw.find("\"code\":\"method_not_allowed\""), std::string::npos) << raw;
}

TEST_F(AppTest, AnHttpsServerGivesTheAppProtocolHttpsAndSecure) {
  App app;
  app.get("/p", [](Request& req, Response& res) {
    res.send(std::string(req.protocol()) + (req.secure() ? " secure" : " plain"));
  });
  https::ServerOptions o;
  o.key = tls::testing::TestPki::get().leaf.key;
  o.cert = tls::testing::TestPki::get().leaf.cert;
  https::Server server = https::createServer(std::move(o), app.handler());
  std::string body;
  auto task = [](http::Server& s, std::string& b) -> Promise<> {
    co_await s.listen(0, "127.0.0.1");
    http::FetchInit init;
    init.ca = tls::testing::TestPki::get().ca.cert;
    auto r =
        co_await http::fetch("https://localhost:" + std::to_string(s.address().port) + "/p", init);
    b = co_await r.text();
    co_await s.close();
  };
  (void)task(server, body);
  loop.run();
  EXPECT_EQ(body, "https secure");
}

TEST_F(AppTest, ListenOnBusyPortThrows) {
  App app;
  http::Server first = app.listen(0, "127.0.0.1");
  int port = first.address().port;
  try {
    http::Server second = app.listen(static_cast<std::uint16_t>(port), "127.0.0.1");
    FAIL() << "expected EADDRINUSE";
  } catch (const SystemError& e) {
    EXPECT_EQ(e.code(), "EADDRINUSE");
  }
  (void)first.close();
  loop.run();
}

}  // namespace
}  // namespace nx::web
