// SPDX-License-Identifier: MIT
#include "nodexx/http/headers.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "nodexx/core/errors.hpp"

namespace nx::http {
namespace {

using ::testing::ElementsAre;

std::string codeOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const SystemError& e) {
    return std::string(e.code());
  }
  return "(no error)";
}

TEST(HeadersTest, LookupIgnoresCaseAndKeepsTheGivenSpelling) {
  Headers h{{"Content-Type", "text/plain"}, {"X-A", "1"}};
  EXPECT_EQ(h.get("content-type").value(), "text/plain");
  EXPECT_EQ(h.get("CONTENT-TYPE").value(), "text/plain");
  EXPECT_FALSE(h.get("x-b").has_value());
  EXPECT_EQ(h.begin()->name, "Content-Type");
}

TEST(HeadersTest, SetReplacesEveryFieldOfTheNameAndAppendKeepsThem) {
  Headers h;
  h.append("Set-Cookie", "a=1");
  h.append("set-cookie", "b=2");
  EXPECT_THAT(h.getAll("SET-COOKIE"), ElementsAre("a=1", "b=2"));
  h.set("Set-Cookie", "c=3");
  EXPECT_THAT(h.getAll("set-cookie"), ElementsAre("c=3"));
  EXPECT_EQ(h.size(), 1u);
}

TEST(HeadersTest, RemoveDeletesAllFieldsOfTheName) {
  Headers h{{"A", "1"}, {"b", "2"}, {"a", "3"}};
  EXPECT_TRUE(h.remove("a"));
  EXPECT_FALSE(h.remove("a"));
  EXPECT_EQ(h.size(), 1u);
  EXPECT_TRUE(h.has("B"));
}

TEST(HeadersTest, NamesAreLowerCaseAndDistinctLikeGetHeaderNames) {
  Headers h{{"X-A", "1"}, {"x-a", "2"}, {"Content-Length", "3"}};
  EXPECT_THAT(h.names(), ElementsAre("x-a", "content-length"));
}

TEST(HeadersTest, InvalidNamesThrowErrInvalidHttpToken) {
  Headers h;
  EXPECT_EQ(codeOf([&] { h.set("Bad Name", "v"); }), "ERR_INVALID_HTTP_TOKEN");
  EXPECT_EQ(codeOf([&] { h.set("", "v"); }), "ERR_INVALID_HTTP_TOKEN");
  EXPECT_EQ(codeOf([&] { h.append("a:b", "v"); }), "ERR_INVALID_HTTP_TOKEN");
}

TEST(HeadersTest, ValuesWithCrLfNulOrControlsThrowErrInvalidChar) {
  Headers h;
  EXPECT_EQ(codeOf([&] { h.set("X", "a\r\nb"); }), "ERR_INVALID_CHAR");
  EXPECT_EQ(codeOf([&] { h.set("X", std::string("a\0b", 3)); }), "ERR_INVALID_CHAR");
  EXPECT_EQ(codeOf([&] { h.set("X", "a\x7f"); }), "ERR_INVALID_CHAR");
  EXPECT_EQ(codeOf([&] { h.set("X", "tab\tand \xc3\xa9 ok"); }), "(no error)");
}

TEST(HeadersTest, TokenAndValueRulesMatchNode) {
  EXPECT_TRUE(isValidHeaderName("!#$%&'*+-.^_`|~09azAZ"));
  EXPECT_FALSE(isValidHeaderName("a b"));
  EXPECT_FALSE(isValidHeaderName("a\"b"));
  EXPECT_FALSE(isValidHeaderName("a(b)"));
  EXPECT_TRUE(isValidHeaderValue(""));
  EXPECT_FALSE(isValidHeaderValue("\n"));
}

TEST(HeadersTest, ValueRuleHoldsForEveryByteAtEveryPositionOfAWord) {
  // The check runs 8 bytes at a time: put each byte value at each offset of a 21-byte value
  // (two full words and a tail), over a background of allowed bytes either side of 0x80.
  for (char background : {'a', '\xe9'}) {
    for (int b = 0; b < 256; ++b) {
      auto c = static_cast<unsigned char>(b);
      bool allowed = c == '\t' || (c >= 0x20 && c != 0x7f);
      for (std::size_t at = 0; at < 21; ++at) {
        std::string v(21, background);
        v[at] = static_cast<char>(c);
        ASSERT_EQ(isValidHeaderValue(v), allowed) << "byte " << b << " at " << at;
      }
    }
  }
}

TEST(HeadersTest, EqualityIgnoresNameCaseButNotValues) {
  EXPECT_EQ((Headers{{"A", "1"}}), (Headers{{"a", "1"}}));
  EXPECT_NE((Headers{{"A", "1"}}), (Headers{{"a", "2"}}));
}

}  // namespace
}  // namespace nx::http
