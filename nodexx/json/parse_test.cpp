// SPDX-License-Identifier: MIT
#include "nodexx/json/parse.hpp"
#include "nodexx/json/internal/test_print.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "nodexx/core/buffer.hpp"
#include "nodexx/json/internal/parser.hpp"
#include "nodexx/json/stringify.hpp"

namespace json = nx::json;
using json::Value;

namespace {

struct Failure {
  std::string code;
  std::string message;
  std::size_t offset = 0;
};

Failure failureOf(std::string_view text, const json::ParseOptions& options = {}) {
  try {
    (void)json::parse(text, options);
  } catch (const json::ParseError& e) {
    EXPECT_EQ(e.name(), "SyntaxError");
    return {std::string(e.code()), e.what(), e.offset()};
  }
  ADD_FAILURE() << "parsed: " << text;
  return {};
}

TEST(ParseTest, ReadsEveryType) {
  const Value v = json::parse(R"( {"n":null,"t":true,"f":false,"i":-12,"d":0.5,"s":"x\u00e9\n",
    "a":[1,[2,{}]],"o":{"k":"v"}} )");
  EXPECT_TRUE(v["n"].isNull());
  EXPECT_TRUE(v["t"].asBool());
  EXPECT_FALSE(v["f"].asBool());
  EXPECT_EQ(v["i"].asInt64(), -12);
  EXPECT_EQ(v["d"].asDouble(), 0.5);
  EXPECT_EQ(v["s"].asString(), "x\xC3\xA9\n");
  EXPECT_EQ(v["a"][1][0].asInt64(), 2);
  EXPECT_TRUE(v["a"][1][1].asObject().empty());
  EXPECT_EQ(v["o"]["k"].asString(), "v");
  EXPECT_EQ(v.asObject().members()[7].first, "o");
}

TEST(ParseTest, ScalarsAtTheTopLevel) {
  EXPECT_EQ(json::parse("7").asInt64(), 7);
  EXPECT_EQ(json::parse(" \"s\" ").asString(), "s");
  EXPECT_TRUE(json::parse("null").isNull());
  EXPECT_TRUE(json::parse("true").asBool());
}

TEST(ParseTest, IntegersStayExactAndBeyond64BitsBecomeDoubles) {
  EXPECT_TRUE(json::parse("9223372036854775807").isInt64());
  EXPECT_EQ(json::parse("-9223372036854775808").asInt64(),
            std::numeric_limits<std::int64_t>::min());
  const Value u = json::parse("18446744073709551615");
  EXPECT_TRUE(u.isUint64());
  EXPECT_EQ(u.asUint64(), std::numeric_limits<std::uint64_t>::max());
  // JSON.parse gives doubles where 64 bits do not suffice.
  const Value big =
      json::parse("[18446744073709551616, -9223372036854775809, 123456789012345678901234]");
  EXPECT_TRUE(big[0].isDouble());
  EXPECT_EQ(big[0].asDouble(), 18446744073709551616.0);
  EXPECT_EQ(big[1].asDouble(), -9223372036854775808.0);
  EXPECT_EQ(big[2].asDouble(), 1.2345678901234568e23);
  EXPECT_TRUE(json::parse("1.0").isDouble());
  EXPECT_TRUE(json::parse("1e2").isDouble());
}

TEST(ParseTest, OutOfRangeNumbersFollowJavaScript) {
  const Value v = json::parse("[1e400, -1e400, 1e-400, -1.5e-999, 5e-324, 0.000e999999]");
  EXPECT_EQ(v[0].asDouble(), std::numeric_limits<double>::infinity());
  EXPECT_EQ(v[1].asDouble(), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(v[2].asDouble(), 0.0);
  EXPECT_EQ(v[3].asDouble(), 0.0);
  EXPECT_TRUE(std::signbit(v[3].asDouble()));
  EXPECT_EQ(v[4].asDouble(), 5e-324);
  EXPECT_EQ(v[5].asDouble(), 0.0);
}

TEST(ParseTest, DuplicateKeysKeepFirstPositionAndLastValue) {
  const Value v = json::parse(R"({"a":1,"b":2,"a":3})");
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v.asObject().members()[0].first, "a");
  EXPECT_EQ(v["a"].asInt64(), 3);
  EXPECT_EQ(json::stringify(v), R"({"a":3,"b":2})");
}

TEST(ParseTest, DuplicateKeysInLargeObjects) {
  std::string text = "{";
  for (int i = 0; i < 100; ++i) text += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  text += R"("k7":"last","k99":null})";
  const Value v = json::parse(text);
  ASSERT_EQ(v.size(), 100u);
  EXPECT_EQ(v.asObject().members()[7].first, "k7");
  EXPECT_EQ(v["k7"].asString(), "last");
  EXPECT_TRUE(v["k99"].isNull());
  EXPECT_EQ(v["k98"].asInt64(), 98);
}

TEST(ParseTest, SurrogatePairsDecodeAndLoneSurrogatesBecomeReplacementCharacters) {
  EXPECT_EQ(json::parse(R"("\ud83d\ude00")").asString(), "\xF0\x9F\x98\x80");
  EXPECT_EQ(json::parse(R"("\ud800")").asString(), "\xEF\xBF\xBD");
  EXPECT_EQ(json::parse(R"("\udc00x")").asString(), "\xEF\xBF\xBDx");
  EXPECT_EQ(json::parse(R"("\ud800\u0041")").asString(),
            "\xEF\xBF\xBD"
            "A");
}

TEST(ParseTest, SyntaxErrorsSayWhereAndWhy) {
  Failure f = failureOf(R"({"a":1,})");
  EXPECT_EQ(f.code, "ERR_JSON_PARSE");
  EXPECT_EQ(f.offset, 7u);
  EXPECT_EQ(f.message, "Expected double-quoted property name in JSON at position 7");

  f = failureOf("[1,2}");
  EXPECT_EQ(f.offset, 4u);
  EXPECT_EQ(f.message, "Expected ',' or ']' after array element in JSON at position 4");

  f = failureOf("");
  EXPECT_EQ(f.message, "Unexpected end of JSON input");
  EXPECT_EQ(f.offset, 0u);

  f = failureOf("[1, 2");
  EXPECT_EQ(f.message, "Expected ',' or ']' after array element in JSON at position 5");
  EXPECT_EQ(f.offset, 5u);

  f = failureOf("[1,");
  EXPECT_EQ(f.message, "Unexpected end of JSON input");
  EXPECT_EQ(f.offset, 3u);

  f = failureOf("[01]");
  EXPECT_EQ(f.message, "Unexpected number in JSON at position 2");

  f = failureOf("{} x");
  EXPECT_EQ(f.message, "Unexpected non-whitespace character after JSON at position 3");

  f = failureOf("[tru]");
  EXPECT_EQ(f.message, "Unexpected token ']' in JSON at position 4");

  f = failureOf("{\"a\" 1}");
  EXPECT_EQ(f.message, "Expected ':' after property name in JSON at position 5");

  f = failureOf("\"a\tb\"");
  EXPECT_EQ(f.message, "Bad control character in string literal in JSON at position 2");

  f = failureOf(R"("\x")");
  EXPECT_EQ(f.message, "Bad escaped character in JSON at position 2");

  f = failureOf(R"("\u12G4")");
  EXPECT_EQ(f.message, "Bad Unicode escape in JSON at position 5");

  f = failureOf("-");
  EXPECT_EQ(f.message, "No number after minus sign in JSON at position 1");

  f = failureOf("1.");
  EXPECT_EQ(f.message, "Unterminated fractional number in JSON at position 2");

  f = failureOf("1e+");
  EXPECT_EQ(f.message, "Exponent part is missing a number in JSON at position 3");

  f = failureOf("\"abc");
  EXPECT_EQ(f.message, "Unterminated string in JSON at position 4");

  f = failureOf("\"\xFF\"");
  EXPECT_EQ(f.message, "Invalid UTF-8 in string literal in JSON at position 1");

  f = failureOf("\x01");
  EXPECT_EQ(f.message, "Unexpected byte 0x01 in JSON at position 0");
}

TEST(ParseTest, RejectsWhatRfc8259Forbids) {
  for (const char* bad : {"01", "[01]", "NaN", "Infinity", "[1,]", "{,}", "'a'", "/*c*/1", "+1",
                          ".5", "1.e3", "[\"a\"\"b\"]", "{\"a\":1 \"b\":2}", "tRue", "nul",
                          "\xEF\xBB\xBF{}", "[\x0c]", "0x10", "[1]]"}) {
    EXPECT_EQ(failureOf(bad).code, "ERR_JSON_PARSE") << bad;
  }
}

TEST(ParseTest, MaxBytesLimit) {
  json::ParseOptions o;
  o.maxBytes = 8;
  const Failure f = failureOf("[1,2,3,4,5]", o);
  EXPECT_EQ(f.code, "ERR_JSON_LIMIT");
  EXPECT_EQ(f.message, "JSON text of 11 bytes exceeds maxBytes 8");
  EXPECT_EQ(json::parse("[1,2,3]", o).size(), 3u);
}

TEST(ParseTest, MaxDepthLimitDefaultsTo64) {
  const std::string ok = std::string(64, '[') + std::string(64, ']');
  const std::string deep = std::string(65, '[') + std::string(65, ']');
  EXPECT_NO_THROW((void)json::parse(ok));
  const Failure f = failureOf(deep);
  EXPECT_EQ(f.code, "ERR_JSON_LIMIT");
  EXPECT_EQ(f.offset, 64u);
  EXPECT_EQ(f.message, "Maximum nesting depth 64 exceeded at position 64");
  json::ParseOptions o;
  o.maxDepth = 2;
  EXPECT_NO_THROW((void)json::parse(R"({"a":[1]})", o));
  EXPECT_EQ(failureOf(R"({"a":[{}]})", o).code, "ERR_JSON_LIMIT");
}

TEST(ParseTest, MaxDepthIsCappedAt1024) {
  json::ParseOptions o;
  o.maxDepth = 1'000'000;
  const std::string deep = std::string(5000, '[') + std::string(5000, ']');
  const Failure f = failureOf(deep, o);
  EXPECT_EQ(f.code, "ERR_JSON_LIMIT");
  EXPECT_EQ(f.offset, 1024u);
}

TEST(ParseTest, StringAndMemberLimits) {
  json::ParseOptions o;
  o.maxStringBytes = 4;
  EXPECT_EQ(json::parse(R"(["abcd"])", o)[0].asString(), "abcd");
  Failure f = failureOf(R"(["abcde"])", o);
  EXPECT_EQ(f.code, "ERR_JSON_LIMIT");
  EXPECT_NE(f.message.find("maxStringBytes 4"), std::string::npos) << f.message;
  EXPECT_EQ(failureOf(R"({"abcde":1})", o).code, "ERR_JSON_LIMIT");

  json::ParseOptions a;
  a.maxArrayLength = 3;
  EXPECT_NO_THROW((void)json::parse("[1,2,3]", a));
  f = failureOf("[1,2,3,4]", a);
  EXPECT_EQ(f.code, "ERR_JSON_LIMIT");
  EXPECT_EQ(f.offset, 7u);

  json::ParseOptions m;
  m.maxObjectMembers = 1;
  EXPECT_NO_THROW((void)json::parse(R"({"a":1})", m));
  EXPECT_EQ(failureOf(R"({"a":1,"b":2})", m).code, "ERR_JSON_LIMIT");
}

TEST(ParseTest, StringOverloadPadsWithoutChangingTheText) {
  std::string text = R"({"k":[1,2,3]})";
  text.shrink_to_fit();
  const std::string before = text;
  const Value v = json::parse(text);
  EXPECT_EQ(text, before);
  EXPECT_EQ(v["k"].size(), 3u);
}

TEST(ParseTest, BufferOverload) {
  const nx::Buffer body = nx::Buffer::from(R"({"name":"nodexx"})");
  EXPECT_EQ(json::parse(body)["name"].asString(), "nodexx");
}

TEST(ParseTest, ParsesRepeatedlyOnOneThreadWithVaryingSizes) {
  // The thread's parser and padded buffer are reused; each result must stand alone.
  const Value small = json::parse("[1]");
  std::string big = "[";
  for (int i = 0; i < 10000; ++i) big += std::to_string(i) + ",";
  big += "0]";
  const Value large = json::parse(big);
  EXPECT_EQ(small, json::parse("[1]"));
  EXPECT_EQ(large.size(), 10001u);
  // Past 4 MiB the thread's buffers are released after use; parsing goes on normally.
  std::string huge = "[\"" + std::string(5u << 20, 'x') + "\"]";
  json::ParseOptions roomy;
  roomy.maxBytes = 8u << 20;
  roomy.maxStringBytes = 8u << 20;
  EXPECT_EQ(json::parse(huge, roomy)[0].size(), 5u << 20);
  EXPECT_EQ(json::parse(std::string_view(huge), roomy)[0].size(), 5u << 20);
  EXPECT_EQ(json::parse(std::string_view("[2]")), Value(json::Array{2}));
}

TEST(ParseTest, ParsesConcurrentlyOnSeveralThreads) {
  // Each thread has its own simdjson parser and padded buffer (thread_local); pool threads parse
  // request bodies and SQLite rows at the same time as the loop thread.
  std::string doc = "[";
  for (int i = 0; i < 2000; ++i)
    doc += R"({"i":)" + std::to_string(i) + R"(,"s":"some text here"},)";
  doc += "null]";
  const Value expected = json::parse(doc);
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        if (!(json::parse(doc) == expected)) ++mismatches;
        try {
          (void)json::parse(std::string_view("[1,"));  // the reader's path, on this thread
          ++mismatches;
        } catch (const json::ParseError&) {
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(ParseTest, ReaderAgreesWithTheFastPath) {
  const char* docs[] = {R"({"a":[1,-2.5e3,"x\"y",true,false,null,{}],"b":{"c":[[]]}})",
                        R"("\u00e9\ud83d\ude00\/")",
                        "0",
                        "-0.0",
                        "1E+2",
                        "[1e-7, 123456.789]"};
  for (const char* d : docs) {
    EXPECT_EQ(json::detail::readJson(d, {}), json::parse(d)) << d;
  }
}

}  // namespace
