// SPDX-License-Identifier: MIT
#include "nodexx/http/query.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace nx::http::querystring {
namespace {

std::string jsonString(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"') {
      out += "\\\"";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\b') {
      out += "\\b";
    } else if (c == '\f') {
      out += "\\f";
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

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

std::filesystem::path sourceDir() {
  if (const char* dir = std::getenv("NX_SOURCE_DIR"); dir && *dir) return dir;
  return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path();
}

TEST(QuerystringOracle, ParseUnescapeEscapeAndStringifyMatchNode) {
  if (std::system("node --version > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "node is not on PATH; the querystring oracle needs Node.js";
  }
  auto cases = queryCases();
  std::string json = "[";
  for (std::size_t i = 0; i < cases.size(); ++i) {
    if (i) json += ",";
    json += jsonString(cases[i]);
  }
  json += "]";
  auto file = std::filesystem::temp_directory_path() /
              ("nx_qs_oracle_" + std::to_string(::getpid()) + ".json");
  std::ofstream(file) << json;
  std::string command = "node '" +
                        (sourceDir() / "tests/node_oracle/scenarios/query_table.js").string() +
                        "' '" + file.string() + "'";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::vector<std::string> expected;
  std::string line;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, pipe)) {
    line += buf;
    if (line.back() == '\n') {
      line.pop_back();
      expected.push_back(std::move(line));
      line.clear();
    }
  }
  pclose(pipe);
  std::filesystem::remove(file);
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
