// SPDX-License-Identifier: MIT
#include "nodexx/web/request.hpp"

#include <string>

#include <gtest/gtest.h>

#include "nodexx/json/parse.hpp"
#include "nodexx/json/stringify.hpp"
#include "nodexx/web/cookie.hpp"
#include "nodexx/web/internal/test_support.hpp"

namespace nx::web::reqtest {
struct NewUser {
  std::string name;
  int age = 0;
};
NX_JSON(NewUser, name, age)
}  // namespace nx::web::reqtest

namespace nx::web {
namespace {

class RequestTest : public testsupport::WebTest {};

// Echoes a value computed from the request.
template <class F>
App echo(F fn, AppOptions options = {}) {
  App app(std::move(options));
  app.all("/*rest", [fn](Request& req, Response& res) { res.send(fn(req)); });
  app.all("/", [fn](Request& req, Response& res) { res.send(fn(req)); });
  return app;
}

TEST_F(RequestTest, SimpleQueryParserGivesStringsAndArrays) {
  auto app = echo([](Request& req) { return json::stringify(req.query()); });
  EXPECT_EQ(call(app, {.url = "/?a=1&b=x%20y&a=2&c[d]=3"}).body,
            R"({"a":["1","2"],"b":"x y","c[d]":"3"})");
}

TEST_F(RequestTest, ExtendedQueryParserNestsObjects) {
  auto app = echo([](Request& req) { return json::stringify(req.query()); },
                  {.queryParser = QueryParser::Extended});
  EXPECT_EQ(call(app, {.url = "/?c[d]=3&e[]=1&e[]=2"}).body, R"({"c":{"d":"3"},"e":["1","2"]})");
}

TEST_F(RequestTest, QueryByNameGivesFirstValue) {
  auto app = echo([](Request& req) { return std::string(req.query("a").value_or("none")); });
  EXPECT_EQ(call(app, {.url = "/?a=1&a=2"}).body, "1");
  EXPECT_EQ(call(app, {.url = "/"}).body, "none");
}

TEST_F(RequestTest, GetIsCaseInsensitiveAndAliasesReferrer) {
  auto app = echo([](Request& req) {
    return std::string(req.get("X-THING").value_or("")) + "|" +
           std::string(req.get("Referrer").value_or(""));
  });
  EXPECT_EQ(call(app, {.headers = {{"x-thing", "v"}, {"Referer", "http://r/"}}}).body,
            "v|http://r/");
}

TEST_F(RequestTest, IsMatchesContentTypeOnlyWithBody) {
  auto app = echo([](Request& req) {
    return std::string(req.is({"html", "json"}).value_or("false"));
  });
  EXPECT_EQ(call(app, {.method = "POST",
                       .headers = {{"content-type", "application/json; charset=utf-8"}},
                       .body = "{}"})
                .body,
            "json");
  EXPECT_EQ(call(app, {.headers = {{"content-type", "application/json"}}}).body, "false");
}

TEST_F(RequestTest, AcceptsPicksTheBestOffer) {
  auto app = echo([](Request& req) {
    return std::string(req.accepts({"html", "json"}).value_or("none"));
  });
  EXPECT_EQ(call(app, {.headers = {{"accept", "application/json, text/html;q=0.5"}}}).body, "json");
  EXPECT_EQ(call(app, {.headers = {{"accept", "image/png"}}}).body, "none");
  EXPECT_EQ(call(app).body, "html");
}

TEST_F(RequestTest, CookiesAndSignedCookiesAreParsed) {
  std::string secret = "s3cret";
  std::string signedValue = "s:" + cookie::sign("tobi", secret);
  auto app = echo(
      [](Request& req) {
        return std::string(req.cookies()["a"]) + "|" + std::string(req.signedCookies()["s"]) + "|" +
               std::to_string(req.signedCookies().has("bad"));
      },
      {.cookieSecrets = {secret}});
  std::string header = "a=b%20c; s=" + signedValue + "; bad=s:tobi.wrongsig";
  EXPECT_EQ(call(app, {.headers = {{"cookie", header}}}).body, "b c|tobi|0");
}

TEST_F(RequestTest, IpIsThePeerWithoutTrustProxy) {
  auto app = echo([](Request& req) { return std::string(req.ip()); });
  EXPECT_EQ(
      call(app, {.headers = {{"x-forwarded-for", "1.2.3.4"}}, .remoteAddress = "10.0.0.1"}).body,
      "10.0.0.1");
}

TEST_F(RequestTest, TrustProxyReadsForwardedHeaders) {
  auto app = echo(
      [](Request& req) {
        return std::string(req.ip()) + "|" + std::to_string(req.ips().size()) + "|" +
               std::string(req.protocol()) + "|" + std::string(req.hostname());
      },
      {.trustProxy = "loopback"});
  EXPECT_EQ(call(app, {.headers = {{"x-forwarded-for", "1.2.3.4"},
                                   {"x-forwarded-proto", "https"},
                                   {"x-forwarded-host", "example.com:8443"}},
                       .remoteAddress = "127.0.0.1"})
                .body,
            "1.2.3.4|1|https|example.com");
}

TEST_F(RequestTest, TrustProxyHopCountAndLaterSettingChange) {
  auto app = echo([](Request& req) { return std::string(req.ip()); });
  EXPECT_EQ(call(app, {.headers = {{"x-forwarded-for", "1.1.1.1, 2.2.2.2"}}}).body, "127.0.0.1");
  app.settings().trustProxy = "1";
  EXPECT_EQ(call(app, {.headers = {{"x-forwarded-for", "1.1.1.1, 2.2.2.2"}}}).body, "2.2.2.2");
}

TEST_F(RequestTest, InvalidTrustProxyIsRejectedWhenTheAppIsCreated) {
  try {
    App app({.trustProxy = "not-an-ip"});
    FAIL() << "expected ERR_WEB_INVALID_SETTING";
  } catch (const SystemError& e) {
    EXPECT_EQ(e.code(), "ERR_WEB_INVALID_SETTING");
  }
}

TEST_F(RequestTest, HostnameDropsThePort) {
  auto app = echo([](Request& req) {
    return std::string(req.hostname()) + "|" + std::string(req.protocol()) + "|" +
           std::to_string(req.secure());
  });
  EXPECT_EQ(call(app, {.headers = {{"host", "api.example.com:3000"}}}).body,
            "api.example.com|http|0");
  EXPECT_EQ(call(app, {.headers = {{"host", "[::1]:3000"}}, .encrypted = true}).body,
            "[::1]|https|1");
}

TEST_F(RequestTest, XhrReadsXRequestedWith) {
  auto app = echo([](Request& req) { return std::to_string(req.xhr()); });
  EXPECT_EQ(call(app, {.headers = {{"x-requested-with", "XMLHttpRequest"}}}).body, "1");
  EXPECT_EQ(call(app).body, "0");
}

TEST_F(RequestTest, IdComesFromValidHeaderOrIsGenerated) {
  auto app = echo([](Request& req) { return std::string(req.id()); });
  EXPECT_EQ(call(app, {.headers = {{"x-request-id", "abc-123"}}}).body, "abc-123");
  std::string a = call(app, {.headers = {{"x-request-id", "bad id<>"}}}).body;
  std::string b = call(app).body;
  EXPECT_NE(a, "bad id<>");
  EXPECT_FALSE(a.empty());
  EXPECT_NE(a, b);
}

TEST_F(RequestTest, BodyAsMapsAValidBody) {
  App app;
  app.post("/", [](Request& req, Response& res) {
    req.body() = json::parse(R"({"name":"ada","age":36})");
    auto u = req.bodyAs<reqtest::NewUser>();
    res.send(u.name + std::to_string(u.age));
  });
  EXPECT_EQ(call(app, {.method = "POST"}).body, "ada36");
}

TEST_F(RequestTest, BodyAsMappingErrorGives400WithFieldErrors) {
  App app;
  app.post("/", [](Request& req, Response& res) {
    req.body() = json::parse(R"({"name":"ada","age":"old"})");
    auto u = req.bodyAs<reqtest::NewUser>();
    res.send(u.name);
  });
  auto r = call(app, {.method = "POST"});
  EXPECT_EQ(r.status, 400);
  auto j = r.json();
  EXPECT_EQ(j["code"].asString(), "validation_failed");
  ASSERT_EQ(j["errors"].size(), 1u);
  EXPECT_EQ(j["errors"][std::size_t{0}]["path"].asString(), "$.age");
  EXPECT_FALSE(j["errors"][std::size_t{0}]["message"].asString().empty());
}

TEST_F(RequestTest, RawBodyCanBeReadAndLimited) {
  App app;
  app.post("/", [](Request& req, Response& res) -> Promise<> {
    std::string all;
    while (auto chunk = co_await req.read()) all += chunk->toString();
    res.send(all);
  });
  EXPECT_EQ(call(app, {.method = "POST", .body = "payload"}).body, "payload");
  auto r = call(app, {.method = "POST", .body = "too long", .maxBodyBytes = 3});
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.json()["code"].asString(), "payload_too_large");
}

TEST_F(RequestTest, FreshIsTrueForMatchingETag) {
  App app;
  app.get("/", [](Request& req, Response& res) {
    res.set("ETag", "\"v1\"");
    res.set("X-Fresh", req.fresh() ? "1" : "0").end();
  });
  EXPECT_EQ(*call(app, {.headers = {{"if-none-match", "\"v1\""}}}).header("x-fresh"), "1");
  EXPECT_EQ(*call(app, {.headers = {{"if-none-match", "\"v2\""}}}).header("x-fresh"), "0");
}

}  // namespace
}  // namespace nx::web
