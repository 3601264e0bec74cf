// SPDX-License-Identifier: MIT
#include "nodexx/web/encode_url.hpp"

#include <gtest/gtest.h>

#include "nodexx/web/testdata/util_oracle.hpp"

namespace nx::web {
namespace {

TEST(EncodeUrlTest, KeepsReservedCharactersAndValidEscapes) {
  EXPECT_EQ(encodeUrl("/a/b?c=d&e=f#g"), "/a/b?c=d&e=f#g");
  EXPECT_EQ(encodeUrl("/%20ok%2F"), "/%20ok%2F");
  EXPECT_EQ(encodeUrl("[::1]:80/"), "[::1]:80/");
}

TEST(EncodeUrlTest, EncodesSpacesQuotesAndBareEscapes) {
  EXPECT_EQ(encodeUrl("/a b\"<>`{}"), "/a%20b%22%3C%3E%60%7B%7D");
  EXPECT_EQ(encodeUrl("100%"), "100%25");
  EXPECT_EQ(encodeUrl("%zz%4"), "%25zz%254");
}

TEST(EncodeUrlTest, EncodesUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(encodeUrl("/caf\xC3\xA9"), "/caf%C3%A9");
  EXPECT_EQ(encodeUrl("/\xFF"), "/%EF%BF%BD");
  EXPECT_EQ(encodeUrl("\xE2\x82"), "%EF%BF%BD");
}

TEST(EncodeUrlTest, RedirectTargetCannotInjectHeaders) {
  EXPECT_EQ(encodeUrl("/x\r\nSet-Cookie: a=b"), "/x%0D%0ASet-Cookie:%20a=b");
}

TEST(EscapeHtmlTest, EscapesTheFiveCharacters) {
  EXPECT_EQ(escapeHtml("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  EXPECT_EQ(escapeHtml("plain"), "plain");
  std::string out = "pre:";
  appendEscapedHtml(out, "<");
  EXPECT_EQ(out, "pre:&lt;");
}

TEST(UriComponentTest, DecodeRejectsWhatJavaScriptRejects) {
  EXPECT_EQ(decodeURIComponent("a%20b%C3%A9"), "a b\xC3\xA9");
  EXPECT_FALSE(decodeURIComponent("%"));
  EXPECT_FALSE(decodeURIComponent("%4"));
  EXPECT_FALSE(decodeURIComponent("%C3"));
  EXPECT_FALSE(decodeURIComponent("%C0%AF"));        // overlong
  EXPECT_FALSE(decodeURIComponent("%ED%A0%80"));     // surrogate
  EXPECT_FALSE(decodeURIComponent("%F4%90%80%80"));  // above U+10FFFF
  EXPECT_EQ(decodeURIComponent("%2F%3f"), "/?");
}

TEST(UriComponentTest, EncodeKeepsTheUnreservedMarks) {
  EXPECT_EQ(encodeURIComponent("a-_.!~*'()b c/"), "a-_.!~*'()b%20c%2F");
  EXPECT_EQ(encodeURIComponent("\xF0\x9F\x98\x80"), "%F0%9F%98%80");
}

TEST(EncodeUrlOracle, MatchesTheNpmPackages) {
  if (auto why = testutil::oracleUnavailable()) GTEST_SKIP() << *why;
  const std::vector<std::string> inputs = {"",
                                           "/",
                                           "/plain/path",
                                           "/with space",
                                           "/q?x=1&y=2#frag",
                                           "%",
                                           "%%",
                                           "%%41",
                                           "%4",
                                           "%41",
                                           "%zz",
                                           "%G0",
                                           "100%",
                                           "/a%2Fb",
                                           "/%2f%2F",
                                           "\"quoted\"",
                                           "<script>",
                                           "a`b",
                                           "{x}",
                                           "a|b",
                                           "a\\b",
                                           "a^b",
                                           "[x]",
                                           "a~b",
                                           "'single'",
                                           "(p)",
                                           "*",
                                           "!",
                                           "$&+,;=:@",
                                           "\t\r\n",
                                           "\x01\x7f",
                                           "caf\xC3\xA9",
                                           "\xE2\x82\xAC",
                                           "\xF0\x9F\x98\x80",
                                           "\xF0\x9F\x98\x80/%F0",
                                           "a b&c=d e",
                                           "/redirect?to=http://x.y/z w",
                                           "http://example.com/ü?ä=ö#ß",
                                           "&amp;",
                                           "a&b<c>d\"e'f",
                                           "%C3%A9",
                                           "%E2%82%AC",
                                           "%ED%A0%80",
                                           "%C0%80",
                                           "%F4%8F%BF%BF",
                                           "%F4%90%80%80",
                                           "%E0%A4%A",
                                           "+plus+",
                                           "a%2",
                                           "%2",
                                           "%%20",
                                           "#",
                                           "?",
                                           "//",
                                           "javascript:alert(1)",
                                           "a\x00b"};
  json::Array cases;
  std::vector<std::string> mine;
  for (const std::string& s : inputs) {
    for (std::string_view op :
         {"encodeUrl", "escapeHtml", "encodeURIComponent", "decodeURIComponent"}) {
      cases.push_back(json::Object{{"op", op}, {"s", s}});
      json::Value r;
      if (op == "encodeUrl") r = encodeUrl(s);
      if (op == "escapeHtml") r = escapeHtml(s);
      if (op == "encodeURIComponent") r = encodeURIComponent(s);
      if (op == "decodeURIComponent") {
        auto d = decodeURIComponent(s);
        r = d ? json::Value(*d) : json::Value();
      }
      mine.push_back(testutil::jsJson(r));
    }
  }
  testutil::expectSameAsNode("util_encode_url.js", json::Value(cases), mine);
}

}  // namespace
}  // namespace nx::web
