// SPDX-License-Identifier: MIT
#include "nodexx/web/accepts.hpp"

#include <gtest/gtest.h>

#include "nodexx/web/testdata/util_oracle.hpp"

namespace nx::web {
namespace {

using Strings = std::vector<std::string>;

TEST(AcceptsTest, TypePicksTheBestOfTheOffered) {
  const Accepts a("text/html, application/json;q=0.9, */*;q=0.1", std::nullopt, std::nullopt,
                  std::nullopt);
  EXPECT_EQ(a.type({"json", "html"}), "html");
  EXPECT_EQ(a.type({"application/json"}), "application/json");
  EXPECT_EQ(a.type({"png"}), "png");  // through */*;q=0.1
  EXPECT_EQ(a.types(), (Strings{"text/html", "application/json", "*/*"}));
}

TEST(AcceptsTest, TypeWithoutAcceptHeaderIsTheFirstOffered) {
  const Accepts a(std::nullopt, std::nullopt, std::nullopt, std::nullopt);
  EXPECT_EQ(a.type({"json", "html"}), "json");
  EXPECT_EQ(a.types(), (Strings{"*/*"}));
}

TEST(AcceptsTest, TypeReturnsNulloptWhenNothingIsAcceptable) {
  const Accepts a("image/*", std::nullopt, std::nullopt, std::nullopt);
  EXPECT_FALSE(a.type({"json", "text/html"}));
  EXPECT_EQ(a.type({"json", "png"}), "png");
  EXPECT_FALSE(a.type({"unknownext"}));
}

TEST(AcceptsTest, SpecificityBeatsOrderAndQZeroRefuses) {
  const Accepts a("text/*, text/plain;q=0, text/html;level=1", std::nullopt, std::nullopt,
                  std::nullopt);
  EXPECT_FALSE(a.type({"text/plain"}));
  EXPECT_EQ(a.type({"text/css", "text/html;level=1"}), "text/html;level=1");
}

TEST(AcceptsTest, EncodingsIncludeIdentityUnlessRefused) {
  EXPECT_EQ(Accepts(std::nullopt, "gzip, br;q=0.8", std::nullopt, std::nullopt).encodings(),
            (Strings{"gzip", "br", "identity"}));
  EXPECT_EQ(Accepts(std::nullopt, "gzip, identity;q=0", std::nullopt, std::nullopt).encodings(),
            (Strings{"gzip"}));
  EXPECT_EQ(Accepts(std::nullopt, std::nullopt, std::nullopt, std::nullopt).encoding({"gzip"}),
            std::nullopt);
  EXPECT_EQ(Accepts(std::nullopt, "*", std::nullopt, std::nullopt).encoding({"br", "gzip"}), "br");
}

TEST(AcceptsTest, PreferredEncodingsBreakTies) {
  const std::string_view available[] = {"gzip", "br", "identity"};
  const std::string_view preferred[] = {"br", "gzip"};
  EXPECT_EQ(negotiator::encodings("gzip, br", available, preferred),
            (std::vector<std::string_view>{"br", "gzip", "identity"}));
}

TEST(AcceptsTest, LanguagesMatchPrefixes) {
  const Accepts a(std::nullopt, std::nullopt, std::nullopt, "en-US, fr;q=0.8");
  EXPECT_EQ(a.language({"fr", "en"}), "en");
  EXPECT_EQ(a.language({"de"}), std::nullopt);
  EXPECT_EQ(a.languages(), (Strings{"en-US", "fr"}));
}

TEST(AcceptsTest, CharsetsDefaultToAnything) {
  EXPECT_EQ(Accepts(std::nullopt, std::nullopt, std::nullopt, std::nullopt).charset({"utf-8"}),
            "utf-8");
  EXPECT_EQ(Accepts(std::nullopt, std::nullopt, "iso-8859-1", std::nullopt).charset({"utf-8"}),
            std::nullopt);
}

TEST(TypeIsTest, MatchesShortNamesWildcardsAndSuffixes) {
  EXPECT_EQ(typeIs("application/json; charset=utf-8", {"json"}), "json");
  EXPECT_EQ(typeIs("application/vnd.api+json", {"+json"}), "application/vnd.api+json");
  EXPECT_EQ(typeIs("text/html", {"text/*"}), "text/html");
  EXPECT_EQ(typeIs("text/html", {"*/*"}), "text/html");
  EXPECT_EQ(typeIs("application/x-www-form-urlencoded", {"urlencoded"}), "urlencoded");
  EXPECT_EQ(typeIs("multipart/form-data; boundary=x", {"multipart"}), "multipart");
  EXPECT_EQ(typeIs("text/html", {}), "text/html");
  EXPECT_FALSE(typeIs("text/html", {"json"}));
  EXPECT_FALSE(typeIs("", {"json"}));
  EXPECT_FALSE(typeIs("not a type", {"*/*"}));
}

TEST(TypeIsTest, TypeMatchesAgreesWithTypeIs) {
  const std::string_view json[] = {"application/json"};
  EXPECT_TRUE(typeMatches("Application/JSON; charset=utf-8", json));
  EXPECT_FALSE(typeMatches("text/json", json));
  const std::string_view wild[] = {"+json", "text/*"};
  EXPECT_TRUE(typeMatches("application/ld+json", wild));
  EXPECT_TRUE(typeMatches("text/csv", wild));
  EXPECT_FALSE(typeMatches("image/png", wild));
}

TEST(TypeIsTest, HasBodyFollowsJavaScriptNumberRules) {
  EXPECT_TRUE(hasBody("chunked", std::nullopt));
  EXPECT_TRUE(hasBody(std::nullopt, "0"));
  EXPECT_TRUE(hasBody(std::nullopt, "12"));
  EXPECT_TRUE(hasBody(std::nullopt, ""));
  EXPECT_FALSE(hasBody(std::nullopt, "abc"));
  EXPECT_FALSE(hasBody(std::nullopt, std::nullopt));
}

json::Value headersJson(const std::optional<std::string>& accept,
                        const std::optional<std::string>& encoding,
                        const std::optional<std::string>& charset,
                        const std::optional<std::string>& language) {
  json::Object h;
  if (accept) h.set("accept", *accept);
  if (encoding) h.set("accept-encoding", *encoding);
  if (charset) h.set("accept-charset", *charset);
  if (language) h.set("accept-language", *language);
  return json::Value(std::move(h));
}

json::Value list(const std::vector<std::string>& v) {
  json::Array a;
  for (const auto& s : v) a.push_back(s);
  return json::Value(std::move(a));
}

template <typename T>
json::Value listOf(const std::vector<T>& v) {
  json::Array a;
  for (const auto& s : v) a.push_back(std::string_view(s));
  return json::Value(std::move(a));
}

json::Value opt(const std::optional<std::string_view>& o) {
  return o ? json::Value(*o) : json::Value(false);
}

TEST(AcceptsOracle, MatchesTheNpmPackages) {
  if (auto why = testutil::oracleUnavailable()) GTEST_SKIP() << *why;
  using OptS = std::optional<std::string>;
  const std::vector<OptS> accepts = {std::nullopt,
                                     "",
                                     "*/*",
                                     "text/html",
                                     "text/*",
                                     "application/json, text/html",
                                     "text/html;q=0.5, application/json",
                                     "text/html;q=0, */*",
                                     "*/*;q=0.1, image/png",
                                     "text/html;level=1, text/html;q=0.7, */*;q=0.5",
                                     "TEXT/HTML",
                                     "text/html;q=abc",
                                     "text/html;q=",
                                     "text/html;q=1e-1, text/plain;q=.5",
                                     "application/*+json",
                                     "text/plain; charset=utf-8, text/plain",
                                     "a/b;x=1, a/b",
                                     "image/*;q=0.8, image/png;q=0",
                                     ", text/html,,",
                                     "text/html;q=0.5;level=2",
                                     "invalid, text/css",
                                     "*/html",
                                     "text/html; Q=0.2, text/css",
                                     " text/css ;q=0.9 , text/html"};
  const std::vector<std::vector<std::string>> typeLists = {{},
                                                           {"json"},
                                                           {"html", "json"},
                                                           {"text/html", "application/json"},
                                                           {"png", "text"},
                                                           {"application/json", "json"},
                                                           {"text/html;level=1", "text/html"},
                                                           {"unknown", "text/plain"},
                                                           {"text/plain; charset=utf-8"},
                                                           {"image/png", "image/gif"},
                                                           {"a/b;x=1", "a/b;x=2"},
                                                           {"text/css", "text/html"}};
  json::Array cases;
  std::vector<std::string> mine;
  for (const auto& a : accepts) {
    const Accepts acc(a ? std::optional<std::string_view>(*a) : std::nullopt, std::nullopt,
                      std::nullopt, std::nullopt);
    for (const auto& l : typeLists) {
      cases.push_back(
          json::Object{{"op", "types"},
                       {"headers", headersJson(a, std::nullopt, std::nullopt, std::nullopt)},
                       {"list", list(l)}});
      if (l.empty()) {
        mine.push_back(testutil::jsJson(listOf(acc.types())));
      } else {
        std::vector<std::string_view> views(l.begin(), l.end());
        mine.push_back(testutil::jsJson(opt(acc.type(views))));
      }
    }
  }
  const std::vector<OptS> encodingHeaders = {std::nullopt,
                                             "",
                                             "gzip",
                                             "gzip, deflate, br",
                                             "br;q=1.0, gzip;q=0.8, *;q=0.1",
                                             "identity;q=0",
                                             "*;q=0",
                                             "gzip;q=0, *",
                                             "GZIP",
                                             "deflate;q=0.5, gzip;q=0.5",
                                             "compress, gzip",
                                             "*",
                                             "gzip;q=0.3, identity;q=0.3",
                                             "br;q=0.2, gzip;q=0.2"};
  const std::vector<std::vector<std::string>> encodingLists = {
      {}, {"gzip"}, {"identity"}, {"br", "gzip", "identity"}, {"deflate", "gzip"}, {"GZIP"}};
  const std::vector<std::vector<std::string>> preferredLists = {{"br", "gzip"}, {"identity"}};
  for (const auto& h : encodingHeaders) {
    const auto hv = h ? std::optional<std::string_view>(*h) : std::nullopt;
    const Accepts acc(std::nullopt, hv, std::nullopt, std::nullopt);
    for (const auto& l : encodingLists) {
      cases.push_back(
          json::Object{{"op", "encodings"},
                       {"headers", headersJson(std::nullopt, h, std::nullopt, std::nullopt)},
                       {"list", list(l)}});
      std::vector<std::string_view> views(l.begin(), l.end());
      mine.push_back(
          testutil::jsJson(l.empty() ? listOf(acc.encodings()) : opt(acc.encoding(views))));
      for (const auto& p : preferredLists) {
        if (l.empty()) continue;
        cases.push_back(
            json::Object{{"op", "preferredEncodings"},
                         {"headers", headersJson(std::nullopt, h, std::nullopt, std::nullopt)},
                         {"list", list(l)},
                         {"preferred", list(p)}});
        std::vector<std::string_view> pv(p.begin(), p.end());
        mine.push_back(testutil::jsJson(listOf(negotiator::encodings(hv, views, pv))));
      }
    }
  }
  const std::vector<OptS> charsetHeaders = {
      std::nullopt, "", "utf-8", "iso-8859-1, utf-8;q=0.5", "*;q=0.1, UTF-8", "utf-8;q=0", "*"};
  const std::vector<std::vector<std::string>> charsetLists = {
      {}, {"utf-8"}, {"iso-8859-1", "utf-8"}, {"UTF-8", "latin1"}};
  for (const auto& h : charsetHeaders) {
    const Accepts acc(std::nullopt, std::nullopt,
                      h ? std::optional<std::string_view>(*h) : std::nullopt, std::nullopt);
    for (const auto& l : charsetLists) {
      cases.push_back(
          json::Object{{"op", "charsets"},
                       {"headers", headersJson(std::nullopt, std::nullopt, h, std::nullopt)},
                       {"list", list(l)}});
      std::vector<std::string_view> views(l.begin(), l.end());
      mine.push_back(
          testutil::jsJson(l.empty() ? listOf(acc.charsets()) : opt(acc.charset(views))));
    }
  }
  const std::vector<OptS> languageHeaders = {std::nullopt,
                                             "",
                                             "en",
                                             "en-US, en;q=0.9, fr;q=0.8",
                                             "*",
                                             "fr-CA, fr;q=0.9, *;q=0.1",
                                             "EN-us",
                                             "de;q=0, *",
                                             "zh-Hant-TW, zh;q=0.5",
                                             "en-GB;q=0.8, en-US"};
  const std::vector<std::vector<std::string>> languageLists = {
      {}, {"en"}, {"en-US", "en"}, {"fr", "en-GB"}, {"de"}, {"zh", "zh-Hant"}, {"EN"}};
  for (const auto& h : languageHeaders) {
    const Accepts acc(std::nullopt, std::nullopt, std::nullopt,
                      h ? std::optional<std::string_view>(*h) : std::nullopt);
    for (const auto& l : languageLists) {
      cases.push_back(
          json::Object{{"op", "languages"},
                       {"headers", headersJson(std::nullopt, std::nullopt, std::nullopt, h)},
                       {"list", list(l)}});
      std::vector<std::string_view> views(l.begin(), l.end());
      mine.push_back(
          testutil::jsJson(l.empty() ? listOf(acc.languages()) : opt(acc.language(views))));
    }
  }
  const std::vector<std::string> mediaTypes = {"",
                                               "application/json",
                                               "application/json; charset=utf-8",
                                               "APPLICATION/JSON",
                                               "text/html",
                                               "text/plain;charset=utf-8",
                                               "application/vnd.api+json",
                                               "application/x-www-form-urlencoded",
                                               "multipart/form-data; boundary=x",
                                               "image/png",
                                               "invalid",
                                               "text/",
                                               " text/html ",
                                               "text/html;",
                                               "a/b/c",
                                               "*/*",
                                               "text/*"};
  const std::vector<std::vector<std::string>> isLists = {{},
                                                         {"json"},
                                                         {"+json"},
                                                         {"text/*"},
                                                         {"*/*"},
                                                         {"html", "json"},
                                                         {"urlencoded"},
                                                         {"multipart"},
                                                         {"multipart/*"},
                                                         {"application/*"},
                                                         {"*/json"},
                                                         {"image/*", "png"},
                                                         {"nope"},
                                                         {"TEXT/HTML"},
                                                         {"text/html"}};
  for (const auto& t : mediaTypes) {
    for (const auto& l : isLists) {
      cases.push_back(json::Object{{"op", "is"}, {"value", t}, {"types", list(l)}});
      std::vector<std::string_view> views(l.begin(), l.end());
      const auto r = typeIs(t, views);
      mine.push_back(testutil::jsJson(r ? json::Value(*r) : json::Value(false)));
    }
  }
  const std::vector<std::pair<OptS, OptS>> bodies = {
      {std::nullopt, std::nullopt}, {"chunked", std::nullopt},  {std::nullopt, "0"},
      {std::nullopt, "10"},         {std::nullopt, ""},         {std::nullopt, "abc"},
      {std::nullopt, " 12 "},       {std::nullopt, "0x10"},     {std::nullopt, "1e3"},
      {std::nullopt, "-1"},         {std::nullopt, "Infinity"}, {std::nullopt, "12abc"},
      {"", std::nullopt},           {std::nullopt, "."},        {std::nullopt, "0b101"},
      {std::nullopt, "0o17"},       {std::nullopt, "+5"},       {std::nullopt, "5."}};
  for (const auto& [te, cl] : bodies) {
    json::Object h;
    if (te) h.set("transfer-encoding", *te);
    if (cl) h.set("content-length", *cl);
    cases.push_back(json::Object{{"op", "hasBody"}, {"headers", json::Value(std::move(h))}});
    const auto tv = te ? std::optional<std::string_view>(*te) : std::nullopt;
    const auto cv = cl ? std::optional<std::string_view>(*cl) : std::nullopt;
    mine.push_back(testutil::jsJson(json::Value(hasBody(tv, cv))));
  }
  testutil::expectSameAsNode("util_accepts.js", json::Value(cases), mine);
}

}  // namespace
}  // namespace nx::web
