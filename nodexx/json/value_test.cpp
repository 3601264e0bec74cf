// SPDX-License-Identifier: MIT
#include "nodexx/json/value.hpp"
#include "nodexx/json/internal/test_print.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

#include "nodexx/json/errors.hpp"

namespace json = nx::json;
using json::Value;

namespace {

// Runs `f`, expecting a json::TypeError with `code`; returns its message.
template <class F>
std::string errorOf(F&& f, std::string_view code) {
  try {
    f();
  } catch (const json::TypeError& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no TypeError thrown";
  return {};
}

TEST(ValueTest, IsSixteenBytesAndNothrowMovable) {
  EXPECT_EQ(sizeof(Value), 16u);
  EXPECT_TRUE(std::is_nothrow_move_constructible_v<Value>);
  EXPECT_TRUE(std::is_nothrow_move_assignable_v<Value>);
}

TEST(ValueTest, DefaultIsNull) {
  Value v;
  EXPECT_TRUE(v.isNull());
  EXPECT_EQ(v.type(), json::Type::Null);
  EXPECT_EQ(v.typeName(), "null");
  EXPECT_EQ(Value(nullptr), v);
}

TEST(ValueTest, IntegersKeepTheirExactRepresentation) {
  EXPECT_TRUE(Value(42).isInt64());
  EXPECT_EQ(Value(42).asInt64(), 42);
  EXPECT_TRUE(Value(std::numeric_limits<std::int64_t>::min()).isInt64());
  EXPECT_EQ(Value(std::numeric_limits<std::int64_t>::min()).asInt64(),
            std::numeric_limits<std::int64_t>::min());
  EXPECT_TRUE(Value(std::uint64_t{5}).isInt64()) << "small unsigned values are int64";
  const Value big(std::numeric_limits<std::uint64_t>::max());
  EXPECT_TRUE(big.isUint64());
  EXPECT_EQ(big.asUint64(), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(big.type(), json::Type::Number);
}

TEST(ValueTest, AsDoubleConvertsEveryNumber) {
  EXPECT_EQ(Value(3).asDouble(), 3.0);
  EXPECT_EQ(Value(std::uint64_t{1} << 63).asDouble(), 9223372036854775808.0);
  EXPECT_EQ(Value(2.5).asDouble(), 2.5);
  EXPECT_TRUE(Value(2.5f).isDouble());
}

TEST(ValueTest, AsInt64AcceptsIntegralDoublesAndRejectsTheRest) {
  EXPECT_EQ(Value(1e3).asInt64(), 1000);
  EXPECT_EQ(Value(-0.0).asInt64(), 0);
  errorOf([] { (void)Value(1.5).asInt64(); }, json::errc::kRange);
  errorOf([] { (void)Value(1e300).asInt64(); }, json::errc::kRange);
  errorOf([] { (void)Value(std::numeric_limits<std::uint64_t>::max()).asInt64(); },
          json::errc::kRange);
  errorOf([] { (void)Value(-1).asUint64(); }, json::errc::kRange);
  EXPECT_EQ(Value(9007199254740992.0).asUint64(), 9007199254740992u);
}

TEST(ValueTest, WrongTypeAccessThrowsTypeErrorWithCode) {
  const std::string m = errorOf([] { (void)Value(1).asString(); }, json::errc::kType);
  EXPECT_EQ(m, "Value is number, expected string");
  errorOf([] { (void)Value("x").asBool(); }, json::errc::kType);
  errorOf([] { (void)Value(true).asInt64(); }, json::errc::kType);
  errorOf([] { (void)Value(true).asDouble(); }, json::errc::kType);
  errorOf([] { (void)Value().asArray(); }, json::errc::kType);
  errorOf([] { (void)Value(json::Array{}).asObject(); }, json::errc::kType);
  errorOf([] { (void)Value(1).size(); }, json::errc::kType);
  try {
    (void)Value(1).asString();
  } catch (const json::TypeError& e) {
    EXPECT_EQ(e.name(), "TypeError");
  }
}

TEST(ValueTest, ShortAndLongStringsRoundTrip) {
  const std::string shortText = "fourteen bytes";  // exactly the inline capacity
  const std::string longText(1000, 'x');
  EXPECT_EQ(Value(shortText).asString(), shortText);
  EXPECT_EQ(Value(longText).asString(), longText);
  EXPECT_EQ(Value("").asString(), "");
  EXPECT_TRUE(Value("").empty());
  EXPECT_EQ(Value(std::string_view("a\0b", 3)).asString(), std::string_view("a\0b", 3));
  EXPECT_EQ(Value(longText).size(), 1000u);
}

TEST(ValueTest, CopiesAreDeepAndMovesLeaveNull) {
  Value a = json::Object{{"list", json::Array{1, "two", std::string(40, 'z')}}};
  Value b = a;
  b["list"].push_back(4);
  EXPECT_EQ(a["list"].size(), 3u);
  EXPECT_EQ(b["list"].size(), 4u);
  Value c = std::move(b);
  EXPECT_TRUE(b.isNull());  // NOLINT(bugprone-use-after-move): documented state
  EXPECT_EQ(c["list"][3].asInt64(), 4);
  c = a;
  EXPECT_EQ(c, a);
  Value& alias = c;
  c = alias;  // self-assignment keeps the value
  EXPECT_EQ(c, a);
  Value longString(std::string(100, 'q'));
  Value copy(longString);
  EXPECT_EQ(copy.asString(), longString.asString());
  EXPECT_NE(copy.asString().data(), longString.asString().data());
}

TEST(ValueTest, ObjectKeepsInsertionOrderAndLastDuplicateWins) {
  json::Object o{{"b", 1}, {"a", 2}, {"b", 3}};
  ASSERT_EQ(o.size(), 2u);
  EXPECT_EQ(o.members()[0].first, "b");
  EXPECT_EQ(o.members()[0].second.asInt64(), 3);
  EXPECT_EQ(o.members()[1].first, "a");
  std::string keys;
  for (const auto& [k, v] : o) keys += k;
  EXPECT_EQ(keys, "ba");
}

TEST(ValueTest, IndexOperatorBuildsObjectsAndReadsMissingAsNull) {
  Value v;
  v["a"]["b"] = 1;
  EXPECT_EQ(v["a"]["b"].asInt64(), 1);
  const Value& cv = v;
  EXPECT_TRUE(cv["missing"].isNull());
  EXPECT_EQ(cv.find("missing"), nullptr);
  ASSERT_NE(cv.find("a"), nullptr);
  EXPECT_TRUE(cv.contains("a"));
  errorOf([&] { (void)Value(3)["x"]; }, json::errc::kType);
  EXPECT_EQ(Value(3).find("x"), nullptr);
}

TEST(ValueTest, ArrayIndexOutOfRangeThrowsRangeCode) {
  const Value v = json::Array{1, 2};
  EXPECT_EQ(v[1].asInt64(), 2);
  const std::string m = errorOf([&] { (void)v[2]; }, json::errc::kRange);
  EXPECT_EQ(m, "Index 2 is out of range for an array of 2 elements");
  errorOf([&] { (void)v.at(7); }, json::errc::kRange);
}

TEST(ValueTest, SetEraseAndPushBack) {
  Value v;
  v.set("x", 1);
  v.set("y", "two");
  v.set("x", 3);
  EXPECT_EQ(v.size(), 2u);
  EXPECT_EQ(v["x"].asInt64(), 3);
  EXPECT_EQ(v.asObject().members()[0].first, "x");
  EXPECT_TRUE(v.erase("x"));
  EXPECT_FALSE(v.erase("x"));
  EXPECT_EQ(v.size(), 1u);
  Value a;
  a.push_back(1);
  a.push_back(json::Object{{"k", true}});
  EXPECT_EQ(a.size(), 2u);
  EXPECT_TRUE(a[1]["k"].asBool());
  errorOf([] { Value(1).push_back(2); }, json::errc::kType);
  errorOf([] { (void)Value("s").erase("k"); }, json::errc::kType);
}

TEST(ValueTest, NumbersCompareByMathematicalValue) {
  EXPECT_EQ(Value(1), Value(1.0));
  EXPECT_EQ(Value(0), Value(-0.0));
  EXPECT_NE(Value(1), Value(1.5));
  EXPECT_EQ(Value(std::uint64_t{1} << 63), Value(9223372036854775808.0));
  EXPECT_NE(Value(std::numeric_limits<std::int64_t>::max()), Value(9223372036854775808.0));
  EXPECT_NE(Value(-1), Value(std::numeric_limits<std::uint64_t>::max()));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_NE(Value(nan), Value(nan));
  EXPECT_NE(Value(1), Value("1"));
  EXPECT_NE(Value(true), Value(1));
}

TEST(ValueTest, ObjectsCompareAsSetsOfMembers) {
  const Value a = json::Object{{"a", 1}, {"b", json::Array{1, 2}}};
  const Value b = json::Object{{"b", json::Array{1, 2}}, {"a", 1}};
  const Value c = json::Object{{"b", json::Array{2, 1}}, {"a", 1}};
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_NE(a, Value(json::Object{{"a", 1}}));
  EXPECT_NE(Value(json::Array{1, 2}), Value(json::Array{2, 1}));
}

TEST(ValueTest, CharactersAreNotNumbers) {
  static_assert(!json::JsonInteger<char>);
  static_assert(json::JsonInteger<unsigned short>);
  EXPECT_TRUE(Value("a").isString());
}

}  // namespace
