// SPDX-License-Identifier: MIT
#include "nodexx/web/cookie.hpp"

#include <gtest/gtest.h>

#include "nodexx/core/errors.hpp"
#include "nodexx/json/stringify.hpp"
#include "nodexx/web/testdata/util_oracle.hpp"

namespace nx::web::cookie {
namespace {

using namespace std::chrono;

TEST(CookieTest, ParseTrimsUnquotesDecodesAndKeepsTheFirst) {
  const auto c = parse(" a = 1 ; b=\"two%20words\"; a=3; bad; c=%E0%A4%A; =empty");
  ASSERT_EQ(c.size(), 4u);
  EXPECT_EQ(c[0].name, "a");
  EXPECT_EQ(c[0].value, "1");
  EXPECT_EQ(c[1].value, "two words");
  EXPECT_EQ(c[2].name, "c");
  EXPECT_EQ(c[2].value, "%E0%A4%A");  // undecodable: kept as is
  EXPECT_EQ(c[3].name, "");
  EXPECT_EQ(get("x=1; y=2; y=3", "y"), "2");
  EXPECT_FALSE(get("x=1", "y"));
}

TEST(CookieTest, ProtoNamedCookiesAreDropped) {
  const auto c = parse("__proto__=evil; ok=1");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].name, "ok");
}

TEST(CookieTest, SerializeWritesEveryAttributeInOrder) {
  SerializeOptions o;
  o.maxAge = 3600;
  o.domain = "example.com";
  o.path = "/app";
  o.expires = system_clock::time_point(seconds(1445412480));
  o.httpOnly = true;
  o.secure = true;
  o.partitioned = true;
  o.priority = "High";
  o.sameSite = "lax";
  EXPECT_EQ(serialize("sid", "a b", o),
            "sid=a%20b; Max-Age=3600; Domain=example.com; Path=/app; Expires=Wed, 21 Oct 2015 "
            "07:28:00 GMT; HttpOnly; Secure; Partitioned; Priority=High; SameSite=Lax");
}

TEST(CookieTest, SerializeValidationErrorsCarryTheirCode) {
  auto expectError = [](std::string_view message, auto&& f) {
    try {
      f();
      ADD_FAILURE() << "no error, expected " << message;
    } catch (const SystemError& e) {
      EXPECT_EQ(e.code(), "ERR_INVALID_ARG_VALUE");
      EXPECT_EQ(std::string_view(e.what()), message);
    }
  };
  expectError("argument name is invalid", [] { serialize("a b", "x"); });
  expectError("argument name is invalid", [] { serialize("", "x"); });
  SerializeOptions raw;
  raw.encode = false;
  expectError("argument val is invalid", [&] { serialize("a", "x;y", raw); });
  SerializeOptions domain;
  domain.domain = "exa mple.com";
  expectError("option domain is invalid", [&] { serialize("a", "x", domain); });
  SerializeOptions path;
  path.path = "/a;b";
  expectError("option path is invalid", [&] { serialize("a", "x", path); });
  SerializeOptions priority;
  priority.priority = "urgent";
  expectError("option priority is invalid", [&] { serialize("a", "x", priority); });
  SerializeOptions sameSite;
  sameSite.sameSite = "sometimes";
  expectError("option sameSite is invalid", [&] { serialize("a", "x", sameSite); });
}

TEST(CookieTest, ToUtcStringMatchesDateToUTCString) {
  EXPECT_EQ(toUTCString(system_clock::time_point()), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(toUTCString(system_clock::time_point(milliseconds(951782400999))),
            "Tue, 29 Feb 2000 00:00:00 GMT");
  EXPECT_EQ(toUTCString(system_clock::time_point(seconds(-1))), "Wed, 31 Dec 1969 23:59:59 GMT");
}

TEST(CookieSignatureTest, SignAndUnsignRoundTrip) {
  const std::string s = sign("hello", "tobiiscool");
  EXPECT_EQ(s, "hello.DGDUkGlIkCzPz+C0B064FNgHdEjox7ch8tOBGslZ5QI");
  EXPECT_EQ(unsign(s, "tobiiscool"), "hello");
  EXPECT_FALSE(unsign(s, "luna"));
  EXPECT_FALSE(unsign(s + "x", "tobiiscool"));
  EXPECT_FALSE(unsign("hello", "tobiiscool"));
  const std::string_view secrets[] = {"old", "tobiiscool"};
  EXPECT_EQ(unsign(s, secrets), "hello");
}

TEST(CookieParserTest, SignedAndJsonCookiesAsCookieParserStoresThem) {
  const std::string good = "s:" + sign("user1", "secret");
  const std::string bad = "s:" + sign("user2", "other");
  const std::string jsonSigned = "s:" + sign("j:{\"id\":7}", "secret");
  const std::string header = "plain=1; good=" + good + "; bad=" + bad + "; js=" + jsonSigned +
                             "; obj=j:%7B%22a%22%3A%5B1%2C2%5D%7D; zero=j:0; broken=j:{";
  const std::string_view secrets[] = {"secret"};
  const ParsedCookies p = parseCookies(header, secrets);
  EXPECT_EQ(json::stringify(p.cookies),
            R"({"plain":"1","obj":{"a":[1,2]},"zero":"j:0","broken":"j:{"})");
  EXPECT_EQ(json::stringify(p.signedCookies), R"({"good":"user1","bad":false,"js":{"id":7}})");
}

TEST(CookieParserTest, WithoutSecretsSignedCookiesStayPlain) {
  const ParsedCookies p = parseCookies("a=s:x.y", {});
  EXPECT_EQ(json::stringify(p.cookies), R"({"a":"s:x.y"})");
  EXPECT_EQ(json::stringify(p.signedCookies), "{}");
  EXPECT_EQ(signedCookie("plain", {}), "plain");
  EXPECT_FALSE(signedCookie("s:x.y", {}));
  EXPECT_FALSE(JSONCookie("x"));
  EXPECT_TRUE(JSONCookie("j:null"));
}

TEST(CookieOracle, MatchesTheNpmPackages) {
  if (auto why = testutil::oracleUnavailable()) GTEST_SKIP() << *why;
  json::Array cases;
  std::vector<std::string> mine;
  const std::vector<std::string> headers = {"",
                                            "a",
                                            "a=",
                                            "=",
                                            "a=1",
                                            "a=1; b=2",
                                            "a=1;b=2",
                                            " a = 1 ",
                                            "a=1; a=2",
                                            "a=\"quoted\"",
                                            "a=\"",
                                            "a=\"\"",
                                            "a=\"x",
                                            "a=x\"",
                                            "a=%20",
                                            "a=%E2%82%AC",
                                            "a=%E0%A4%A",
                                            "a=%",
                                            "a=+",
                                            "foo; a=1",
                                            "a=1; foo; b=2",
                                            "a=1;; b=2",
                                            ";a=1",
                                            "a=1;",
                                            "a=b=c",
                                            "=x; y=1",
                                            "a\t=\t1\t",
                                            "a=1, b=2",
                                            "1=one; 0=zero; z=last; 10=ten",
                                            "__proto__=1; b=2",
                                            "constructor=1",
                                            "a=%7B%22x%22%3A1%7D",
                                            "a=j:%7B%7D",
                                            "sid=s%3Aabc.def",
                                            "x=1;y",
                                            "  ",
                                            "a=1 ; ; b = 2 ;",
                                            "utf8=caf\xC3\xA9",
                                            "k=%C3%A9%",
                                            "a=\"%41\"",
                                            "long=" + std::string(300, 'x')};
  for (const auto& h : headers) {
    cases.push_back(json::Object{{"op", "parse"}, {"header", h}});
    json::Object o;
    for (const Cookie& c : parse(h)) o.append(c.name, c.value);
    mine.push_back(testutil::jsJson(testutil::jsOrdered(json::Value(std::move(o)))));
  }
  struct Ser {
    std::string name, value;
    json::Value options;
  };
  const std::vector<Ser> sers = {
      {"a", "b", json::Object{}},
      {"a", "b c", json::Object{}},
      {"a", "\xE2\x82\xAC;=,", json::Object{}},
      {"a", "", json::Object{}},
      {"a b", "x", json::Object{}},
      {"", "x", json::Object{}},
      {"a;", "x", json::Object{}},
      {"n", "x;y", json::Object{{"encode", false}}},
      {"n", "\"quoted\"", json::Object{{"encode", false}}},
      {"n", "\"", json::Object{{"encode", false}}},
      {"n", "a\"b", json::Object{{"encode", false}}},
      {"n", "x", json::Object{{"maxAge", 0}}},
      {"n", "x", json::Object{{"maxAge", -5}}},
      {"n", "x", json::Object{{"maxAge", 86400}}},
      {"n", "x", json::Object{{"domain", "example.com"}}},
      {"n", "x", json::Object{{"domain", ".example.com"}}},
      {"n", "x", json::Object{{"domain", "EXAMPLE.com"}}},
      {"n", "x", json::Object{{"domain", "-bad.com"}}},
      {"n", "x", json::Object{{"domain", "a..b"}}},
      {"n", "x", json::Object{{"domain", "a_b.com"}}},
      {"n", "x", json::Object{{"domain", "localhost"}}},
      {"n", "x", json::Object{{"domain", std::string(64, 'a') + ".com"}}},
      {"n", "x", json::Object{{"domain", std::string(63, 'a') + ".com"}}},
      {"n", "x", json::Object{{"domain", "a.b."}}},
      {"n", "x", json::Object{{"path", "/"}}},
      {"n", "x", json::Object{{"path", "/a b"}}},
      {"n", "x", json::Object{{"path", "/a;b"}}},
      {"n", "x", json::Object{{"path", "/a<b"}}},
      {"n", "x", json::Object{{"path", "/\xC3\xA9"}}},
      {"n", "x", json::Object{{"expires", 0}}},
      {"n", "x", json::Object{{"expires", 1445412480123}}},
      {"n", "x", json::Object{{"expires", 7258118399000}}},
      {"n", "x", json::Object{{"expires", -86400001}}},
      {"n", "x", json::Object{{"httpOnly", true}, {"secure", true}, {"partitioned", true}}},
      {"n", "x", json::Object{{"priority", "low"}}},
      {"n", "x", json::Object{{"priority", "MEDIUM"}}},
      {"n", "x", json::Object{{"priority", "High"}}},
      {"n", "x", json::Object{{"priority", "urgent"}}},
      {"n", "x", json::Object{{"sameSite", "lax"}}},
      {"n", "x", json::Object{{"sameSite", "Strict"}}},
      {"n", "x", json::Object{{"sameSite", "NONE"}}},
      {"n", "x", json::Object{{"sameSite", "true"}}},
      {"n", "x", json::Object{{"sameSite", "maybe"}}},
      {"n", "x",
       json::Object{{"maxAge", 10},
                    {"domain", "a.b"},
                    {"path", "/p"},
                    {"expires", 1000},
                    {"httpOnly", true},
                    {"secure", true},
                    {"partitioned", true},
                    {"priority", "low"},
                    {"sameSite", "none"}}}};
  for (const Ser& s : sers) {
    cases.push_back(json::Object{
        {"op", "serialize"}, {"name", s.name}, {"value", s.value}, {"options", s.options}});
    SerializeOptions o;
    const json::Object& js = s.options.asObject();
    if (auto* v = js.find("maxAge")) o.maxAge = v->asInt64();
    if (auto* v = js.find("domain")) o.domain = v->asString();
    if (auto* v = js.find("path")) o.path = v->asString();
    if (auto* v = js.find("expires"))
      o.expires = system_clock::time_point(milliseconds(v->asInt64()));
    if (auto* v = js.find("httpOnly")) o.httpOnly = v->asBool();
    if (auto* v = js.find("secure")) o.secure = v->asBool();
    if (auto* v = js.find("partitioned")) o.partitioned = v->asBool();
    if (auto* v = js.find("priority")) o.priority = v->asString();
    if (auto* v = js.find("sameSite")) o.sameSite = v->asString();
    if (auto* v = js.find("encode")) o.encode = v->asBool();
    json::Value r;
    try {
      r = serialize(s.name, s.value, o);
    } catch (const SystemError& e) {
      r = json::Object{{"error", std::string(e.what())}};
    }
    mine.push_back(testutil::jsJson(r));
  }
  const std::vector<std::pair<std::string, std::string>> signs = {
      {"hello", "tobiiscool"},       {"", "k"}, {"a.b.c", "secret"},
      {"\xE2\x82\xAC", "k\xC3\xA9"}, {"x", ""}, {"j:{\"a\":1}", "s3cr3t"},
      {std::string(200, 'v'), "k"}};
  for (const auto& [value, secret] : signs) {
    cases.push_back(json::Object{{"op", "sign"}, {"value", value}, {"secret", secret}});
    const std::string s = sign(value, secret);
    mine.push_back(testutil::jsJson(json::Value(s)));
    for (const std::string& input : {s, s + "=", s.substr(0, s.size() - 1), value, s + ".x",
                                     std::string("."), std::string()}) {
      cases.push_back(json::Object{{"op", "unsign"}, {"value", input}, {"secret", secret}});
      const auto u = unsign(input, secret);
      mine.push_back(testutil::jsJson(u ? json::Value(*u) : json::Value(false)));
    }
  }
  testutil::expectSameAsNode("util_cookie.js", json::Value(cases), mine);
}

}  // namespace
}  // namespace nx::web::cookie
