// SPDX-License-Identifier: MIT
#include "nodexx/web/content_disposition.hpp"

#include <gtest/gtest.h>

#include "nodexx/core/errors.hpp"
#include "nodexx/web/testdata/util_oracle.hpp"

namespace nx::web::content_disposition {
namespace {

TEST(ContentDispositionTest, PlainAsciiNameIsQuotedOnlyWhenNeeded) {
  EXPECT_EQ(create(std::nullopt), "attachment");
  EXPECT_EQ(create("report.pdf"), "attachment; filename=report.pdf");
  EXPECT_EQ(create("my report.pdf"), "attachment; filename=\"my report.pdf\"");
  EXPECT_EQ(create("a\"b\\c.txt"), "attachment; filename=\"a\\\"b\\\\c.txt\"");
}

TEST(ContentDispositionTest, NonAsciiNameGetsAnExtendedParameterAndFallback) {
  EXPECT_EQ(create("\xE2\x82\xAC rates.txt"),
            "attachment; filename=\"? rates.txt\"; filename*=UTF-8''%E2%82%AC%20rates.txt");
  CreateOptions noFallback;
  noFallback.fallback = false;
  EXPECT_EQ(create("\xE2\x82\xAC.txt", noFallback), "attachment; filename*=UTF-8''%E2%82%AC.txt");
  CreateOptions named;
  named.fallbackName = "euro.txt";
  EXPECT_EQ(create("\xE2\x82\xAC.txt", named),
            "attachment; filename=euro.txt; filename*=UTF-8''%E2%82%AC.txt");
}

TEST(ContentDispositionTest, PercentSequencesForceTheExtendedForm) {
  EXPECT_EQ(create("100%25.txt"), "attachment; filename=100%25.txt; filename*=UTF-8''100%2525.txt");
}

TEST(ContentDispositionTest, InvalidTypeOrFallbackThrows) {
  CreateOptions badType;
  badType.type = "at tachment";
  try {
    create("x", badType);
    ADD_FAILURE() << "no error";
  } catch (const SystemError& e) {
    EXPECT_EQ(e.code(), "ERR_INVALID_ARG_VALUE");
    EXPECT_STREQ(e.what(), "Invalid type: at tachment");
  }
  CreateOptions badFallback;
  badFallback.fallbackName = "\xC3\xA9";
  EXPECT_THROW(create("x", badFallback), SystemError);
}

TEST(ContentDispositionTest, ParseDecodesExtendedParameters) {
  const auto d =
      parse("attachment; filename=\"EURO rates.txt\"; filename*=UTF-8''%E2%82%AC%20rates.txt");
  EXPECT_EQ(d.type, "attachment");
  EXPECT_EQ(d.parameter("filename"), "\xE2\x82\xAC rates.txt");
  const auto latin = parse("inline; filename*=iso-8859-1'en'%A3%20rates.txt");
  EXPECT_EQ(latin.parameter("filename"), "\xC2\xA3 rates.txt");
}

TEST(ContentDispositionTest, ParseMultipartQuoting) {
  ParseOptions o;
  o.multipart = true;
  const auto d = parse("form-data; name=\"a%22b\"; filename=\"C:\\dir\\x.txt\"", o);
  EXPECT_EQ(d.parameter("name"), "a\"b");
  EXPECT_EQ(d.parameter("filename"), "C:\\dir\\x.txt");
}

TEST(ContentDispositionTest, DecodeExtendedRejectsUnknownCharsets) {
  EXPECT_FALSE(decodeExtended("koi8-r''abc"));
  EXPECT_FALSE(decodeExtended("''abc"));
  EXPECT_FALSE(decodeExtended("utf-8'abc"));
  EXPECT_FALSE(decodeExtended("utf-8''%E2%82"));
  EXPECT_EQ(decodeExtended("UTF8''a%20b"), "a b");
  EXPECT_EQ(encodeExtended("a b'(*).txt"), "UTF-8''a%20b%27%28%2A%29.txt");
}

json::Value pairs(const std::vector<std::pair<std::string, std::string>>& params) {
  json::Object o;
  for (const auto& [k, v] : params) o.append(k, v);
  const json::Value ordered = testutil::jsOrdered(json::Value(std::move(o)));
  json::Array out;
  for (const auto& [k, v] : ordered.asObject()) out.push_back(json::Array{k, v});
  return json::Value(std::move(out));
}

TEST(ContentDispositionOracle, MatchesTheNpmPackage) {
  if (auto why = testutil::oracleUnavailable()) GTEST_SKIP() << *why;
  const std::vector<std::optional<std::string>> names = {
      std::nullopt,
      "",
      "plain.txt",
      "with space.txt",
      "quote\".txt",
      "back\\slash.txt",
      "semi;colon.txt",
      "tab\t.txt",
      "nl\n.txt",
      "caf\xC3\xA9.txt",
      "\xE2\x82\xAC.txt",
      "\xF0\x9F\x98\x80.png",
      "100%.txt",
      "100%25.txt",
      "%zz.txt",
      "%4.txt",
      "a%2Fb",
      "'quote'.txt",
      "(paren).txt",
      "star*.txt",
      "\xC3\xA9t\xC3\xA9 \xE2\x82\xAC 100%.pdf",
      "\x7f.bin",
      "ascii~!#$&+-.^_`|.txt",
      "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E.doc"};
  json::Array cases;
  std::vector<std::string> mine;
  for (const auto& n : names) {
    for (int variant = 0; variant < 5; ++variant) {
      CreateOptions o;
      json::Object js;
      if (variant == 1) {
        o.fallback = false;
        js.set("fallback", false);
      }
      if (variant == 2) {
        o.fallbackName = "fallback.txt";
        js.set("fallback", "fallback.txt");
      }
      if (variant == 3) {
        o.type = "inline";
        js.set("type", "inline");
      }
      if (variant == 4) {
        o.fallbackName = "bad\xC3\xA9";
        js.set("fallback", "bad\xC3\xA9");
      }
      cases.push_back(json::Object{{"op", "create"},
                                   {"filename", n ? json::Value(*n) : json::Value()},
                                   {"options", json::Value(std::move(js))}});
      json::Value r;
      try {
        r = create(n ? std::optional<std::string_view>(*n) : std::nullopt, o);
      } catch (const SystemError& e) {
        r = json::Object{{"error", std::string(e.what())}};
      }
      mine.push_back(testutil::jsJson(r));
    }
  }
  const std::vector<std::string> headers = {
      "",
      "attachment",
      "ATTACHMENT",
      " inline ",
      "attachment; filename=a.txt",
      "attachment; filename=\"a b.txt\"",
      "attachment; filename=\"a\\\"b\"",
      "attachment; filename=\"unterminated",
      "attachment; filename=",
      "attachment; =x",
      "attachment; filename",
      "attachment;; filename=a",
      "attachment; FILENAME=A; filename=b",
      "attachment; filename*=UTF-8''%E2%82%AC.txt",
      "attachment; filename=x; filename*=UTF-8''%E2%82%AC.txt",
      "attachment; filename*=UTF-8''%E2%82%AC.txt; filename=x",
      "attachment; filename*=iso-8859-1''%A3.txt",
      "attachment; filename*=koi8-r''x",
      "attachment; filename*=UTF-8''%E2%82",
      "attachment; filename*=''x",
      "attachment; filename*=\"UTF-8''x\"",
      "form-data; name=\"field\"; filename=\"a%22b.txt\"",
      "form-data; name=\"f\"; filename=\"C:\\\\x\\\\y.txt\"",
      "form-data; name=\"a%0D%0Ab\"",
      "form-data; name=\"a%0db%0A\"",
      "form-data; name=\"%2\"",
      "attachment; a=1; b=\"2\"; c",
      "attachment; filename=\"a.txt\" ; size=10",
      "attachment; 1=a; b=c; 0=d",
      "inline; filename=\"x\" trailing; y=z",
      "attachment;filename=a.txt;filename*=utf8''b"};
  for (const auto& h : headers) {
    for (int variant = 0; variant < 3; ++variant) {
      ParseOptions o;
      json::Object js;
      if (variant == 1) {
        o.multipart = true;
        js.set("multipart", true);
      }
      if (variant == 2) {
        o.extended = false;
        js.set("extended", false);
      }
      cases.push_back(
          json::Object{{"op", "parse"}, {"header", h}, {"options", json::Value(std::move(js))}});
      const ContentDisposition d = parse(h, o);
      mine.push_back(
          testutil::jsJson(json::Object{{"type", d.type}, {"parameters", pairs(d.parameters)}}));
    }
  }
  testutil::expectSameAsNode("util_content_disposition.js", json::Value(cases), mine);
}

}  // namespace
}  // namespace nx::web::content_disposition
