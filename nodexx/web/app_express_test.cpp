// SPDX-License-Identifier: MIT
// Key behaviours of App/Router/Request/Response compared with Express 5 itself: the same app
// is written in testdata/core_express_oracle.js, the same requests go to both, and status,
// selected headers and body must match. Skips when node or bench/node_modules is missing.
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "nodexx/core/internal/node_runner.hpp"
#include "nodexx/json/parse.hpp"
#include "nodexx/json/stringify.hpp"
#include "nodexx/web/app.hpp"
#include "nodexx/web/internal/test_support.hpp"

namespace nx::web {
namespace {

struct Case {
  const char* method;
  const char* url;
  std::vector<std::pair<std::string, std::string>> headers;
};

App buildApp() {
  App app;
  app.get("/send", [](Request&, Response& res) { res.send("hello"); });
  app.get("/json", [](Request&, Response& res) {
    res.status(201).json(
        json::Object{{"a", 1}, {"b", json::Array{true, nullptr}}, {"s", "x\u2028y"}});
  });
  app.get("/status", [](Request&, Response& res) { res.sendStatus(418); });
  app.get("/redirect", [](Request&, Response& res) { res.redirect("/a b?x=<y>"); });
  app.get("/items", [](Request&, Response& res) { res.send("list"); });
  app.put("/items", [](Request&, Response& res) { res.send("put"); });
  Router api;
  api.get("/users/:id", [](Request& req, Response& res) {
    std::string s;
    for (auto part : {req.baseUrl(), req.url(), req.path(), req.originalUrl(), req.param("id")}) {
      if (!s.empty()) s += '|';
      s += part;
    }
    res.send(s);
  });
  app.use("/api", api);
  app.get("/p/:v", [](Request& req, Response& res) { res.send(req.param("v")); });
  app.get("/cookie", [](Request&, Response& res) {
    CookieOptions o;
    o.domain = "example.com";
    o.path = "/x";
    o.httpOnly = true;
    o.secure = true;
    o.sameSite = "strict";
    res.cookie("sid", "a b;c", o).cookie("two", "v").send("c");
  });
  app.get("/vary", [](Request&, Response& res) {
    res.vary("Accept").vary("Origin").vary("accept").send("v");
  });
  app.get("/attach", [](Request&, Response& res) {
    res.attachment("dir/r\xC3\xA9sum\xC3\xA9.txt").send("a");
  });
  app.get("/q", [](Request& req, Response& res) { res.json(req.query()); });
  app.get("/type", [](Request&, Response& res) { res.type("json").send("{\"x\":1}"); });
  app.get("/links", [](Request&, Response& res) {
    res.links({{"next", "/p/2"}, {"last", "/p/5"}}).send("l");
  });
  app.get("/format", [](Request&, Response& res) {
    res.format({{"text/plain", [&] { res.send("text"); }}, {"json", [&] { res.send("{}"); }}});
  });
  app.get("/location",
          [](Request&, Response& res) { res.location("/a b/\xC3\xA9").sendStatus(201); });
  app.get(
      "/chain", [](Request&, Response&, Next next) { next("route"); },
      [](Request&, Response& res) { res.send("skipped"); });
  app.get("/chain", [](Request&, Response& res) { res.send("next route"); });
  app.get("/empty", [](Request&, Response& res) { res.status(204).send("ignored"); });
  app.get("/buffer", [](Request&, Response& res) { res.send(Buffer::from({1, 2, 3})); });
  return app;
}

std::vector<Case> cases() {
  return {
      {"GET", "/send", {}},
      {"HEAD", "/send", {}},
      {"GET", "/send", {{"if-none-match", "W/\"5-qvTGHdzF6KLavt4PO0gs2a6pQ00\""}}},
      {"GET", "/json", {}},
      {"GET", "/status", {}},
      {"GET", "/redirect", {{"accept", "text/plain"}}},
      {"GET", "/redirect", {{"accept", "text/html"}}},
      {"GET", "/redirect", {{"accept", "image/png"}}},
      {"OPTIONS", "/items", {}},
      {"GET", "/api/users/7?x=1", {}},
      {"GET", "/API/users/7/", {}},
      {"GET", "/p/a%20b%C3%A9", {}},
      {"GET", "/cookie", {}},
      {"GET", "/vary", {}},
      {"GET", "/attach", {}},
      {"GET", "/q?a=1&a=2&b=x%20y&c[d]=1&e=", {}},
      {"GET", "/type", {}},
      {"GET", "/links", {}},
      {"GET", "/format", {{"accept", "application/json"}}},
      {"GET", "/format", {{"accept", "text/*"}}},
      {"GET", "/location", {}},
      {"GET", "/chain", {}},
      {"GET", "/empty", {}},
      {"GET", "/buffer", {}},
  };
}

class AppExpressTest : public testsupport::WebTest {};

TEST_F(AppExpressTest, ResponsesMatchExpress) {
  if (!nx::testing::hasNode()) {
    GTEST_SKIP() << "node is not on PATH; the Express comparison needs Node.js";
  }
  if (!std::filesystem::exists(nx::testing::npmModules() / "express")) {
    GTEST_SKIP() << "bench/node_modules is missing (npm ci --prefix bench)";
  }
  auto list = cases();
  json::Array jsCases;
  for (const Case& c : list) {
    json::Object h;
    for (const auto& [n, v] : c.headers) h.set(n, json::Value(v));
    jsCases.push_back(
        json::Object{{"method", c.method}, {"url", c.url}, {"headers", std::move(h)}});
  }
  const nx::testing::NodeOutput node =
      nx::testing::runNode({.script = "nodexx/web/testdata/core_express_oracle.js",
                            .args = {json::stringify(json::Value(std::move(jsCases)))}});
  ASSERT_EQ(node.status, 0) << "node failed";
  const std::vector<std::string> lines = node.lines();
  ASSERT_EQ(lines.size(), list.size()) << "node printed a line per case";

  App app = buildApp();
  const char* fields[] = {"content-type", "content-length", "etag",       "location",
                          "allow",        "vary",           "set-cookie", "content-disposition",
                          "link"};
  for (std::size_t i = 0; i < list.size(); ++i) {
    const Case& c = list[i];
    std::vector<std::pair<std::string_view, std::string_view>> hv;
    for (const auto& [n, v] : c.headers) hv.emplace_back(n, v);
    web::InjectResponse r;
    switch (hv.size()) {
      case 0:
        r = call(app, {.method = c.method, .url = c.url});
        break;
      default:
        r = call(app, {.method = c.method, .url = c.url, .headers = {hv[0]}});
        break;
    }
    json::Value expected = json::parse(lines[i]);
    std::string where = std::string(c.method) + " " + c.url;
    EXPECT_EQ(r.status, expected["status"].asInt64()) << where;
    // Express answers HEAD and 204 without a body; the oracle reads bytes as latin1.
    std::string latin1;
    for (unsigned char ch : r.body) latin1 += static_cast<char>(ch);
    json::Value bodyExpected = expected["body"];
    std::string ourBody;
    {
      // Convert our bytes to the latin1 reading node did (each byte one code point).
      for (unsigned char ch : r.body) {
        if (ch < 0x80) {
          ourBody += static_cast<char>(ch);
        } else {
          ourBody += static_cast<char>(0xC0 | (ch >> 6));
          ourBody += static_cast<char>(0x80 | (ch & 0x3F));
        }
      }
    }
    EXPECT_EQ(ourBody, bodyExpected.asString()) << where;
    for (const char* f : fields) {
      const json::Value* e = expected["headers"].find(f);
      std::string ours;
      for (const auto& [n, v] : r.headers) {
        if (http::equalsIgnoreCase(n, f)) {
          if (!ours.empty()) ours += '\n';
          ours += v;
        }
      }
      std::string theirs = e != nullptr ? std::string(e->asString()) : std::string();
      if (std::string_view(f) == "set-cookie") {
        EXPECT_EQ(ours, theirs) << where << " " << f;
      } else {
        EXPECT_EQ(ours, theirs) << where << " " << f;
      }
    }
  }
}

}  // namespace
}  // namespace nx::web
