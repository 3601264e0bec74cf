// SPDX-License-Identifier: MIT
#include "nodexx/web/content_type.hpp"

#include <gtest/gtest.h>

#include "nodexx/core/errors.hpp"
#include "nodexx/web/testdata/util_oracle.hpp"

namespace nx::web::content_type {
namespace {

TEST(ContentTypeTest, ParsesTypeAndCharset) {
  const ContentType ct = parse("Text/HTML; Charset=UTF-8");
  EXPECT_EQ(ct.type, "text/html");
  EXPECT_EQ(ct.parameter("charset"), "UTF-8");
  EXPECT_FALSE(ct.parameter("boundary"));
}

TEST(ContentTypeTest, UnquotesQuotedValuesAndKeepsTheFirstOccurrence) {
  const ContentType ct = parse(R"(multipart/form-data; boundary="a\"b;c"; boundary=x)");
  EXPECT_EQ(ct.parameter("boundary"), "a\"b;c");
  EXPECT_EQ(ct.parameters.size(), 1u);
}

TEST(ContentTypeTest, CommaOptionStopsAtTheListSeparator) {
  ParseOptions o;
  o.comma = true;
  const ContentType ct = parse("text/html;q=0.5, application/json", o);
  EXPECT_EQ(ct.type, "text/html");
  EXPECT_EQ(ct.index, 15u);
}

TEST(ContentTypeTest, StrictParseRejectsInvalidTypesWithCode) {
  for (std::string_view bad : {"", "text", "text/", "/html", "te xt/html", "text/html/x"}) {
    try {
      parseStrict(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const SystemError& e) {
      EXPECT_EQ(e.code(), "ERR_INVALID_MEDIA_TYPE");
    }
  }
  EXPECT_EQ(parseStrict("application/json; charset=utf-8").type, "application/json");
}

TEST(ContentTypeTest, EssenceIsAViewWithoutParameters) {
  const std::string header = "  Application/JSON ; charset=utf-8";
  const std::string_view e = essence(header);
  EXPECT_EQ(e, "Application/JSON");
  EXPECT_GE(e.data(), header.data());
  EXPECT_LE(e.data() + e.size(), header.data() + header.size());
}

TEST(ContentTypeTest, FormatQuotesWhenNeededAndValidates) {
  EXPECT_EQ(format("text/html", {{"charset", "utf-8"}}), "text/html; charset=utf-8");
  EXPECT_EQ(format("text/plain", {{"x", "a b\"c"}}), R"(text/plain; x="a b\"c")");
  auto expectError = [](auto&& f, std::string_view message) {
    try {
      f();
      ADD_FAILURE() << "no error, expected " << message;
    } catch (const SystemError& e) {
      EXPECT_EQ(e.code(), "ERR_INVALID_ARG_VALUE");
      EXPECT_EQ(std::string_view(e.what()), message);
    }
  };
  expectError([] { format("text", {}); }, "Invalid type: text");
  expectError([] { format("text/plain", {{"a b", "x"}}); }, "Invalid parameter name: a b");
  expectError([] { format("text/plain", {{"x", "a\nb"}}); }, "Invalid parameter value: a\nb");
}

// Parameters in the order a JavaScript object enumerates them (what the package returns).
json::Value pairs(const std::vector<std::pair<std::string, std::string>>& params) {
  json::Object o;
  for (const auto& [k, v] : params) o.append(k, v);
  json::Array out;
  const json::Value ordered = testutil::jsOrdered(json::Value(std::move(o)));
  for (const auto& [k, v] : ordered.asObject()) {
    out.push_back(json::Array{k, v});
  }
  return json::Value(std::move(out));
}

// Header values are ASCII here: Node hands the package latin1 strings (one character per
// byte), which a JSON round trip of UTF-8 text would not reproduce for other bytes.
TEST(ContentTypeOracle, MatchesTheNpmPackage) {
  if (auto why = testutil::oracleUnavailable()) GTEST_SKIP() << *why;
  const std::vector<std::string> headers = {"",
                                            " ",
                                            "text/html",
                                            "TEXT/HTML",
                                            "  text/html  ",
                                            "text/html;charset=utf-8",
                                            "text/html; charset=\"utf-8\"",
                                            "text/html ; charset = utf-8 ",
                                            "text/html; charset",
                                            "text/html; =x",
                                            "text/html; charset=",
                                            "text/html;;charset=a",
                                            "text/html; a=1; A=2",
                                            "text/html; a=\"unterminated",
                                            "text/html; a=\"x\\\"y\"",
                                            "text/html; a=\"x\" junk; b=2",
                                            "text/html; a=\"\\",
                                            "a/b, c/d",
                                            "a/b;q=1, c/d",
                                            "a/b; x=\"1,2\", c/d",
                                            ", a/b",
                                            "text/html;\tcharset=x\t",
                                            "text",
                                            "text/",
                                            "/html",
                                            "foo bar/baz",
                                            "multipart/form-data; "
                                            "boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW",
                                            "application/vnd.api+json; ext=\"a b\"",
                                            "a/b; 1=x; b=y; 0=z",
                                            "a/b;x=1;x=2;x=3",
                                            "a/b; q=0.5; level=1",
                                            ";a=b",
                                            "a/b;=;=;",
                                            "a/b; \"x\"=y",
                                            "a/b; x=\"\""};
  json::Array cases;
  std::vector<std::string> mine;
  for (const auto& h : headers) {
    for (int variant = 0; variant < 4; ++variant) {
      ParseOptions o;
      json::Object jsOptions;
      if (variant == 1) {
        o.comma = true;
        jsOptions.set("comma", true);
      }
      if (variant == 2) {
        o.parameters = false;
        jsOptions.set("parameters", false);
      }
      if (variant == 3) {
        o.comma = true;
        o.start = 2;
        jsOptions.set("comma", true);
        jsOptions.set("start", 2);
      }
      cases.push_back(json::Object{{"op", "parse"}, {"header", h}, {"options", jsOptions}});
      const ContentType ct = parse(h, o);
      mine.push_back(testutil::jsJson(json::Object{{"type", ct.type},
                                                   {"index", static_cast<std::int64_t>(ct.index)},
                                                   {"parameters", pairs(ct.parameters)}}));
    }
  }
  const std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>>
      formats = {{"text/html", {}},
                 {"text/html", {{"charset", "utf-8"}}},
                 {"text/html", {{"charset", "a b"}}},
                 {"text/html", {{"charset", "a\"b\\c"}}},
                 {"text/html", {{"charset", ""}}},
                 {"text/html", {{"x", "\xC3\xA9"}}},
                 {"text/html", {{"x", "\xE2\x82\xAC"}}},
                 {"text/html", {{"x", "a\tb"}}},
                 {"text/html", {{"x", "a\x7f"}}},
                 {"text/html", {{"a b", "1"}}},
                 {"text/html", {{"", "1"}}},
                 {"text", {}},
                 {"text/", {}},
                 {"", {}},
                 {"te xt/html", {}},
                 {"TEXT/HTML", {{"Charset", "UTF-8"}, {"b", "2"}}},
                 {"application/vnd.a+json", {{"q", "0.5"}}}};
  for (const auto& [type, params] : formats) {
    json::Array p;
    for (const auto& [k, v] : params) p.push_back(json::Array{k, v});
    cases.push_back(json::Object{{"op", "format"}, {"type", type}, {"parameters", p}});
    json::Value r;
    try {
      r = format(type, params);
    } catch (const SystemError& e) {
      r = json::Object{{"error", std::string(e.what())}};
    }
    mine.push_back(testutil::jsJson(r));
  }
  testutil::expectSameAsNode("util_content_type.js", json::Value(cases), mine);
}

}  // namespace
}  // namespace nx::web::content_type
