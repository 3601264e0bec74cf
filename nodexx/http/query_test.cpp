// SPDX-License-Identifier: MIT
#include "nodexx/http/query.hpp"

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "nodexx/core/internal/node_runner.hpp"

namespace nx::http::querystring {
namespace {

using nx::testing::jsonString;

std::string entriesJson(const ParsedQuery& q) {
  std::string out = "[";
  bool first = true;
  for (const auto& e : q.entries()) {
    if (!first) out += ",";
    first = false;
    out += "[" + jsonString(e.key) + ",";
    if (e.isArray()) {
      out += "[";
      for (std::size_t i = 0; i < e.values.size(); ++i) {
        if (i) out += ",";
        out += jsonString(e.values[i]);
      }
      out += "]";
    } else {
      out += jsonString(e.values.front());
    }
    out += "]";
  }
  return out + "]";
}

std::vector<std::string> queryCases() {
  std::vector<std::string> cases = {"",
                                    "a",
                                    "a=",
                                    "=",
                                    "=b",
                                    "a=1",
                                    "a=1&b=2",
                                    "a=1&a=2",
                                    "a=1&a=2&a=3",
                                    "a&a",
                                    "a&b&a=x",
                                    "&",
                                    "&&",
                                    "a=1&&b=2",
                                    "&a=1&",
                                    "a==b",
                                    "a=b=c",
                                    "a+b=c+d",
                                    "+=+",
                                    "%20=%20",
                                    "a%20b=c%20d",
                                    "a=%",
                                    "a=%2",
                                    "a=%zz",
                                    "a=%2g",
                                    "%=%",
                                    "%%%=%%%",
                                    "a=%41%42%43",
                                    "a=%e2%82%ac",
                                    "a=%E2%82%AC",
                                    "a=%e2%82",
                                    "a=%e2%82x",
                                    "a=%ff",
                                    "a=%c0%80",
                                    "a=%ed%a0%80",
                                    "a=%f0%9f%98%80",
                                    "a=%f4%90%80%80",
                                    "\xc3\xa9=\xe2\x82\xac",
                                    "\xc3\xa9=%zz",
                                    "\xc3\xa9=%41%zz",
                                    "k=\xc3\xa9%41%zz",
                                    "%41%zz\xc3\xa9=1",
                                    "%41=\xc3\xa9%zz",
                                    "%41%42%43%44=%zz\xc3\xa9",
                                    "\xf0\x9f\x98\x80=%zz",
                                    "a=b;c=d",
                                    "a:b;c:d",
                                    "a:1;a:2",
                                    ";;a:b;",
                                    "a=1;b=2&c=3",
                                    "2=x&1=y&b=z&0=w",
                                    "10=a&9=b&x=c&01=d&4294967294=e&4294967295=f",
                                    "__proto__=1&constructor=2",
                                    "hasOwnProperty=x",
                                    "a[]=1&a[]=2",
                                    "a[b]=c",
                                    "a.b=c",
                                    "a=1&b=2&c=3&d=4",
                                    "&&&&a=1",
                                    "a=%2B%2b+",
                                    "%2b=%2B",
                                    "q=hello%20world&lang=en",
                                    "x=%uD83D",
                                    "x=%%41",
                                    "x=%4%41",
                                    "x=%41%",
                                    "x=%41%4",
                                    "x=a+%2B+b",
                                    "x=1&&&y=2&&&",
                                    "key%3Dx=1",
                                    "k%26=v%26",
                                    "a=%0a%0d%00",
                                    "a=\x01\x7f",
                                    "%e9=%e9",
                                    "k=%C3%A9%zz",
                                    "k=%C3%zz",
                                    "k=%C3",
                                    "==",
                                    "=&=",
                                    "a=&=b&c",
                                    "  a  =  b  ",
                                    "a=b#c",
                                    "a=?b",
                                    "%=",
                                    "%2",
                                    "%",
                                    "+",
                                    "++",
                                    "a+",
                                    "+a=1&+a=2"};
  std::string many;
  for (int i = 0; i < 6; ++i) many += "k" + std::to_string(i) + "=" + std::to_string(i) + "&";
  cases.push_back(many);
  return cases;
}

TEST(QuerystringOracle, ParseUnescapeEscapeAndStringifyMatchNode) {
  if (!nx::testing::hasNode()) {
    GTEST_SKIP() << "node is not on PATH; the querystring oracle needs Node.js";
  }
  auto cases = queryCases();
  std::string json = "[";
  for (std::size_t i = 0; i < cases.size(); ++i) {
    if (i) json += ",";
    json += jsonString(cases[i]);
  }
  json += "]";
  const nx::testing::TempFile file("nx_qs_oracle", json);
  const nx::testing::NodeOutput node = nx::testing::runNode(
      {.script = "tests/node_oracle/scenarios/query_table.js", .args = {file.path()}});
  ASSERT_NE(node.status, -1) << "node could not be started";
  const std::vector<std::string> expected = node.lines();
  ASSERT_EQ(expected.size(), cases.size());

  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& s = cases[i];
    auto parsed = parse(s);
    ParseOptions two;
    two.maxKeys = 2;
    ParseOptions semi;
    semi.sep = ";";
    semi.eq = ":";
    std::string mine = "[" + entriesJson(parsed) + "," + jsonString(unescape(s)) + "," +
                       jsonString(unescape(s, true)) + "," + jsonString(escape(s)) + "," +
                       jsonString(stringify(parsed)) + "," + entriesJson(parse(s, two)) + "," +
                       entriesJson(parse(s, semi)) + "]";
    EXPECT_EQ(mine, expected[i]) << "input " << jsonString(s);
  }
}

TEST(Querystring, RepeatedKeysBecomeArraysInPropertyOrder) {
  auto q = parse("b=1&2=x&a=2&b=3&1=y");
  ASSERT_EQ(q.size(), 4u);
  EXPECT_EQ(q.entries()[0].key, "1");
  EXPECT_EQ(q.entries()[1].key, "2");
  EXPECT_EQ(q.entries()[2].key, "b");
  EXPECT_TRUE(q.entries()[2].isArray());
  EXPECT_EQ(q.getAll("b"), (std::vector<std::string>{"1", "3"}));
  EXPECT_EQ(q.get("a"), "2");
  EXPECT_FALSE(q.get("zz"));
  EXPECT_TRUE(q.getAll("zz").empty());
}

TEST(Querystring, MaxKeysDefaultsToOneThousandAndZeroMeansUnlimited) {
  std::string big;
  for (int i = 0; i < 1500; ++i) big += "k" + std::to_string(i) + "=v&";
  EXPECT_EQ(parse(big).size(), kDefaultMaxKeys);
  ParseOptions unlimited;
  unlimited.maxKeys = 0;
  EXPECT_EQ(parse(big, unlimited).size(), 1500u);
}

TEST(Querystring, PlusIsASpaceOnlyInParse) {
  EXPECT_EQ(parse("a+b=c+d").get("a b"), "c d");
  EXPECT_EQ(unescape("a+b"), "a+b");
  EXPECT_EQ(unescape("a+b%zz", true), "a b%zz");
}

TEST(Querystring, StringifyEscapesLikeNode) {
  EXPECT_EQ(escape("a b&c=d/\xc3\xa9!'()*-._~"), "a%20b%26c%3Dd%2F%C3%A9!'()*-._~");
  EXPECT_EQ(stringify({{"a", "1"}, {"a", "2"}, {"b c", ""}}), "a=1&a=2&b%20c=");
  EXPECT_EQ(stringify({{"a", "1"}, {"b", "2"}}, ";", ":"), "a:1;b:2");
}

}  // namespace
}  // namespace nx::http::querystring
