// SPDX-License-Identifier: MIT
#include "nodexx/json/stringify.hpp"
#include "nodexx/json/internal/test_print.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "nodexx/json/parse.hpp"
#include "nodexx/json/writer.hpp"

namespace json = nx::json;
using json::Value;

namespace {

TEST(StringifyTest, CompactByDefault) {
  const Value v =
      json::Object{{"a", 1}, {"b", json::Array{true, nullptr, "x"}}, {"c", json::Object{}}};
  EXPECT_EQ(json::stringify(v), R"({"a":1,"b":[true,null,"x"],"c":{}})");
}

TEST(StringifyTest, IndentMatchesJsonStringify) {
  const Value v =
      json::Object{{"a", 1}, {"b", json::Array{1, json::Array{}, json::Object{{"c", "d"}}}}};
  EXPECT_EQ(
      json::stringify(v, {.indent = 2}),
      "{\n  \"a\": 1,\n  \"b\": [\n    1,\n    [],\n    {\n      \"c\": \"d\"\n    }\n  ]\n}");
  EXPECT_EQ(json::stringify(json::Array{1}, {.indent = 20}), "[\n          1\n]")
      << "indent is clamped to 10";
  EXPECT_EQ(json::stringify(json::Array{1}, {.indent = -3}), "[1]");
}

TEST(StringifyTest, EscapesControlsQuotesAndBackslashes) {
  EXPECT_EQ(json::stringify(Value(std::string_view("\"\\/\b\f\n\r\t\x01\x1f\x7f\0", 12))),
            R"("\"\\/\b\f\n\r\t\u0001\u001f)"
            "\x7f"
            R"(\u0000")");
}

TEST(StringifyTest, EscapesLineSeparatorsUnlessAskedNotTo) {
  const Value v("a\xE2\x80\xA8z\xE2\x80\xA9");
  EXPECT_EQ(json::stringify(v), R"("a\u2028z\u2029")");
  EXPECT_EQ(json::stringify(v, {.escapeLineSeparators = false}), "\"a\xE2\x80\xA8z\xE2\x80\xA9\"");
}

TEST(StringifyTest, InvalidUtf8BecomesReplacementCharacters) {
  const char* fffd = "\xEF\xBF\xBD";
  // A lone continuation byte, a truncated sequence, an encoded surrogate (WTF-8), an overlong
  // form, and bytes above U+10FFFF: each maximal invalid subpart is one U+FFFD.
  EXPECT_EQ(json::stringify(Value("\x80")), std::string("\"") + fffd + "\"");
  EXPECT_EQ(json::stringify(Value("a\xE2\x82")), std::string("\"a") + fffd + "\"");
  EXPECT_EQ(json::stringify(Value("\xED\xA0\x80")), std::string("\"") + fffd + fffd + fffd + "\"");
  EXPECT_EQ(json::stringify(Value("\xC0\xAF")), std::string("\"") + fffd + fffd + "\"");
  EXPECT_EQ(json::stringify(Value("\xF4\x90\x80\x80")),
            std::string("\"") + fffd + fffd + fffd + fffd + "\"");
  EXPECT_EQ(json::stringify(Value("\xF0\x9F\x98\x80\xC3\xA9")), "\"\xF0\x9F\x98\x80\xC3\xA9\"");
}

TEST(StringifyTest, NumbersAsJavaScriptPrintsThem) {
  const std::pair<double, const char*> cases[] = {
      {0.1, "0.1"},          {-0.0, "0"},
      {1e21, "1e+21"},       {1e20, "100000000000000000000"},
      {5e-324, "5e-324"},    {1e-7, "1e-7"},
      {1e-6, "0.000001"},    {123.456, "123.456"},
      {1.5e300, "1.5e+300"}, {-2.5e-10, "-2.5e-10"},
      {100.0, "100"},        {0.5, "0.5"},
  };
  for (const auto& [d, text] : cases) EXPECT_EQ(json::stringify(Value(d)), text) << d;
  EXPECT_EQ(json::stringify(Value(std::numeric_limits<double>::quiet_NaN())), "null");
  EXPECT_EQ(json::stringify(Value(-std::numeric_limits<double>::infinity())), "null");
  EXPECT_EQ(json::stringify(Value(std::numeric_limits<std::int64_t>::min())),
            "-9223372036854775808");
  EXPECT_EQ(json::stringify(Value(std::numeric_limits<std::uint64_t>::max())),
            "18446744073709551615");
}

TEST(StringifyTest, RoundTripsThroughParse) {
  const char* text =
      R"({"a":[1,-2,3.25,1e+300,18446744073709551615,-9223372036854775808],"s":"\u0000\u2028\ud83d\ude00","o":{"":{}}})";
  const Value v = json::parse(text);
  EXPECT_EQ(json::parse(json::stringify(v)), v);
  EXPECT_EQ(json::parse(json::stringify(v, {.indent = 4})), v);
}

TEST(WriterTest, WritesNestedStructuresWithCommas) {
  std::string out = "prefix:";
  json::Writer w(out);
  w.beginObject();
  w.key("id");
  w.value(7);
  w.key("tags");
  w.beginArray();
  w.value("a");
  w.value(std::uint64_t{18446744073709551615u});
  w.null();
  w.rawValue(R"({"pre":1})");
  w.endArray();
  w.key("n");
  w.value(short{-3});
  w.key("f");
  w.value(0.25f);
  w.key("v");
  w.value(Value(json::Object{{"x", false}}));
  w.endObject();
  EXPECT_EQ(
      out,
      R"(prefix:{"id":7,"tags":["a",18446744073709551615,null,{"pre":1}],"n":-3,"f":0.25,"v":{"x":false}})");
}

TEST(WriterTest, EmptyContainersStayCompactWhenIndented) {
  std::string out;
  json::Writer w(out, {.indent = 2});
  w.beginArray();
  w.beginObject();
  w.endObject();
  w.beginArray();
  w.endArray();
  w.endArray();
  EXPECT_EQ(out, "[\n  {},\n  []\n]");
}

TEST(WriterTest, KeysAreEscaped) {
  std::string out;
  json::Writer w(out);
  w.beginObject();
  w.key("a\"b\n");
  w.value(1);
  w.endObject();
  EXPECT_EQ(out, R"({"a\"b\n":1})");
}

}  // namespace
