// SPDX-License-Identifier: MIT
#include "nodexx/web/response.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "nodexx/core/sleep.hpp"
#include "nodexx/web/cookie.hpp"
#include "nodexx/web/encode_url.hpp"
#include "nodexx/web/internal/test_support.hpp"

namespace nx::web::restest {
struct Item {
  int id = 0;
  std::string name;
};
NX_JSON(Item, id, name)
}  // namespace nx::web::restest

namespace nx::web {
namespace {

using namespace std::chrono_literals;

class ResponseTest : public testsupport::WebTest {};

template <class F>
App respond(F fn, AppOptions options = {}) {
  App app(std::move(options));
  app.all("/", [fn](Request&, Response& res) { fn(res); });
  return app;
}

TEST_F(ResponseTest, SendStringDefaultsToHtmlWithLengthAndWeakETag) {
  auto app = respond([](Response& res) { res.send("hello"); });
  auto r = call(app);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello");
  EXPECT_EQ(*r.header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(*r.header("content-length"), "5");
  // Express's default: W/"<len hex>-<sha1 base64 27>".
  EXPECT_EQ(*r.header("etag"), "W/\"5-qvTGHdzF6KLavt4PO0gs2a6pQ00\"");
}

TEST_F(ResponseTest, SendKeepsTypeAndAddsCharset) {
  auto app = respond([](Response& res) { res.type("txt").send("x"); });
  EXPECT_EQ(*call(app).header("content-type"), "text/plain; charset=utf-8");
  auto app2 = respond([](Response& res) { res.set("Content-Type", "text/csv").send("x"); });
  EXPECT_EQ(*call(app2).header("content-type"), "text/csv; charset=utf-8");
}

TEST_F(ResponseTest, TypeLookupsAreRightWhateverCameBefore) {
  // The Content-Type lookup is memoised per pooled context: changing types within a request
  // and across requests must each give mime.contentType's answer (the values are Express
  // 5.3's for the same calls).
  std::vector<std::string> seen;
  auto app = respond([&seen](Response& res) {
    for (std::string_view t : {"json", "text/html", "json", "json", "nosuchext", "text/plain"}) {
      res.type(t);
      seen.emplace_back(res.get("Content-Type").value_or("(none)"));
    }
    res.set("content-type", "png");
    seen.emplace_back(res.get("Content-Type").value_or("(none)"));
    res.send("x");
  });
  const std::vector<std::string> once = {"application/json; charset=utf-8",
                                         "text/html; charset=utf-8",
                                         "application/json; charset=utf-8",
                                         "application/json; charset=utf-8",
                                         "application/octet-stream",
                                         "text/plain; charset=utf-8",
                                         "image/png"};
  EXPECT_EQ(*call(app).header("content-type"), "image/png; charset=utf-8");
  EXPECT_EQ(seen, once);
  seen.clear();
  EXPECT_EQ(*call(app).header("content-type"), "image/png; charset=utf-8");
  EXPECT_EQ(seen, once);
}

TEST_F(ResponseTest, SendAnswers304WhenFresh) {
  auto app = respond([](Response& res) { res.send("hello"); });
  auto first = call(app);
  std::string tag(*first.header("etag"));
  auto r = call(app, {.headers = {{"if-none-match", tag}}});
  EXPECT_EQ(r.status, 304);
  EXPECT_EQ(r.body, "");
  EXPECT_FALSE(r.header("content-type").has_value());
}

TEST_F(ResponseTest, EtagCanBeTurnedOff) {
  auto app = respond([](Response& res) { res.send("hello"); }, {.etag = ETagMode::Off});
  EXPECT_FALSE(call(app).header("etag").has_value());
}

TEST_F(ResponseTest, SendBufferIsOctetStream) {
  auto app = respond([](Response& res) { res.send(Buffer::from("\x01\x02")); });
  auto r = call(app);
  EXPECT_EQ(*r.header("content-type"), "application/octet-stream");
  EXPECT_EQ(r.body.size(), 2u);
}

TEST_F(ResponseTest, JsonValueIsSerialised) {
  auto app = respond([](Response& res) {
    res.status(201).json(json::Object{{"a", 1}, {"b", json::Array{true, nullptr}}});
  });
  auto r = call(app);
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, R"({"a":1,"b":[true,null]})");
  EXPECT_EQ(*r.header("content-type"), "application/json; charset=utf-8");
}

TEST_F(ResponseTest, JsonOfMappedStructWritesDirectly) {
  auto app = respond([](Response& res) { res.json(restest::Item{7, "pen"}); });
  EXPECT_EQ(call(app).body, R"({"id":7,"name":"pen"})");
}

TEST_F(ResponseTest, JsonSpacesIndents) {
  auto app = respond([](Response& res) { res.json(json::Object{{"a", 1}}); }, {.jsonSpaces = 2});
  EXPECT_EQ(call(app).body, "{\n  \"a\": 1\n}");
}

TEST_F(ResponseTest, SendStatusSendsReasonPhrase) {
  auto app = respond([](Response& res) { res.sendStatus(404); });
  auto r = call(app);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "Not Found");
  EXPECT_EQ(*r.header("content-type"), "text/plain; charset=utf-8");
}

TEST_F(ResponseTest, InvalidStatusThrows) {
  auto app = respond([](Response& res) { res.status(1000).send("x"); });
  EXPECT_EQ(call(app).status, 500);
}

TEST_F(ResponseTest, RedirectSetsEncodedLocationAndBody) {
  auto app = respond([](Response& res) { res.redirect("/a b?x=<y>"); });
  auto text = call(app, {.headers = {{"accept", "text/plain"}}});
  EXPECT_EQ(text.status, 302);
  EXPECT_EQ(*text.header("location"), "/a%20b?x=%3Cy%3E");
  EXPECT_EQ(text.body, "Found. Redirecting to /a%20b?x=%3Cy%3E");
  auto html = call(app, {.headers = {{"accept", "text/html"}}});
  EXPECT_EQ(html.body,
            "<!DOCTYPE html><head><title>Found</title></head><body><p>Found. Redirecting to "
            "/a%20b?x=%3Cy%3E</p></body>");
}

TEST_F(ResponseTest, RedirectCannotInjectHeaders) {
  auto app = respond([](Response& res) { res.redirect(301, "/x\r\nSet-Cookie: evil=1"); });
  auto r = call(app);
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(*r.header("location"), "/x%0D%0ASet-Cookie:%20evil=1");
  EXPECT_FALSE(r.header("set-cookie").has_value());
}

TEST_F(ResponseTest, HeaderWithCrLfIsRejected) {
  auto app = respond([](Response& res) { res.set("X-A", "a\r\nb: c").send("x"); });
  EXPECT_EQ(call(app).status, 500);
}

TEST_F(ResponseTest, CookieWritesEveryAttribute) {
  auto app = respond([](Response& res) {
    CookieOptions o;
    o.maxAge = 60'000ms;
    o.domain = "example.com";
    o.path = "/admin";
    o.secure = true;
    o.httpOnly = true;
    o.sameSite = "Strict";
    o.priority = "High";
    o.partitioned = true;
    res.cookie("sid", "a b", o).send("x");
  });
  std::string c(*call(app).header("set-cookie"));
  EXPECT_TRUE(c.starts_with("sid=a%20b; Max-Age=60; Domain=example.com; Path=/admin; Expires="))
      << c;
  EXPECT_NE(c.find("; HttpOnly; Secure; Partitioned; Priority=High; SameSite=Strict"),
            std::string::npos)
      << c;
}

TEST_F(ResponseTest, SignedCookieVerifiesWithTheSecret) {
  auto app = respond(
      [](Response& res) {
        CookieOptions o;
        o.sign = true;
        res.cookie("user", "tobi", o).send("x");
      },
      {.cookieSecrets = {"k1"}});
  std::string c(*call(app).header("set-cookie"));
  std::string expected = "user=" + encodeURIComponent("s:" + cookie::sign("tobi", "k1"));
  EXPECT_TRUE(c.starts_with(expected + "; Path=/")) << c;
}

TEST_F(ResponseTest, SignedCookieWithoutSecretFails) {
  auto app = respond([](Response& res) {
    CookieOptions o;
    o.sign = true;
    res.cookie("user", "tobi", o).send("x");
  });
  EXPECT_EQ(call(app).status, 500);
}

TEST_F(ResponseTest, ClearCookieExpiresIt) {
  auto app = respond([](Response& res) { res.clearCookie("sid").send("x"); });
  EXPECT_EQ(*call(app).header("set-cookie"), "sid=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
}

TEST_F(ResponseTest, VaryAppendsWithoutDuplicates) {
  auto app =
      respond([](Response& res) { res.vary("Accept").vary("Origin").vary("accept").send("x"); });
  EXPECT_EQ(*call(app).header("vary"), "Accept, Origin");
}

TEST_F(ResponseTest, AttachmentSetsDispositionAndType) {
  auto app = respond([](Response& res) { res.attachment("path/to/report.pdf").send("x"); });
  auto r = call(app);
  // Express 5.3 gives exactly these (checked with node): content-disposition 1.x quotes only
  // when needed, and send() of a string adds the charset.
  EXPECT_EQ(*r.header("content-disposition"), "attachment; filename=report.pdf");
  EXPECT_EQ(*r.header("content-type"), "application/pdf; charset=utf-8");
}

TEST_F(ResponseTest, LinksJoinsRelations) {
  auto app = respond([](Response& res) {
    res.links({{"next", "/p/2"}, {"last", "/p/5"}}).send("x");
  });
  EXPECT_EQ(*call(app).header("link"), "</p/2>; rel=\"next\", </p/5>; rel=\"last\"");
}

TEST_F(ResponseTest, FormatPicksByAcceptOr406) {
  auto app = respond([](Response& res) {
    res.format({{"text/plain", [&] { res.send("text"); }}, {"json", [&] { res.send("{}"); }}});
  });
  auto j = call(app, {.headers = {{"accept", "application/json"}}});
  EXPECT_EQ(j.body, "{}");
  EXPECT_EQ(*j.header("content-type"), "application/json; charset=utf-8");
  EXPECT_EQ(*j.header("vary"), "Accept");
  auto none = call(app, {.headers = {{"accept", "image/png"}}});
  EXPECT_EQ(none.status, 406);
  EXPECT_EQ(none.json()["code"].asString(), "not_acceptable");
}

TEST_F(ResponseTest, StreamingWritesWithBackpressureAwaitable) {
  App app;
  app.get("/", [](Request&, Response& res) -> Promise<> {
    res.type("txt");
    for (int i = 0; i < 3; ++i) co_await res.write(std::to_string(i));
    res.end("!");
  });
  auto r = call(app);
  EXPECT_EQ(r.body, "012!");
}

TEST_F(ResponseTest, HeadersSentAfterWrite) {
  App app;
  bool before = true;
  bool after = false;
  app.get("/", [&](Request&, Response& res) {
    before = res.headersSent();
    (void)res.write("a");
    after = res.headersSent();
    res.end();
  });
  call(app);
  EXPECT_FALSE(before);
  EXPECT_TRUE(after);
}

TEST_F(ResponseTest, HttpErrorHeadersAndFieldErrorsAreRendered) {
  App app;
  app.get("/", [](Request&, Response&) {
    HttpError e(422, "invalid_input", "bad input", {{"$.name", "required"}});
    e.setHeader("Retry-After", "5");
    throw e;
  });
  auto r = call(app);
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(*r.header("retry-after"), "5");
  auto j = r.json();
  EXPECT_EQ(j["errors"][std::size_t{0}]["path"].asString(), "$.name");
  EXPECT_EQ(j["errors"][std::size_t{0}]["message"].asString(), "required");
}

TEST_F(ResponseTest, ServerHttpErrorDetailIsHiddenInProduction) {
  App app({.env = Env::Production});
  app.get("/", [](Request&, Response&) { throw HttpError(503, "db_down", "pg at 10.0.0.5"); });
  auto r = call(app);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.json()["detail"].asString(), "Service Unavailable");
  EXPECT_EQ(r.json()["code"].asString(), "db_down");
}

TEST_F(ResponseTest, OnFinishRunsAfterTheResponseEnded) {
  App app;
  bool finished = false;
  app.get("/", [&](Request&, Response& res) {
    res.onFinish([&] { finished = true; });
    res.send("x");
  });
  call(app);
  EXPECT_TRUE(finished);
}

}  // namespace
}  // namespace nx::web
