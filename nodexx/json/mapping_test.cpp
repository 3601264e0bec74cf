// SPDX-License-Identifier: MIT
#include "nodexx/json/mapping.hpp"
#include "nodexx/json/internal/test_print.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace shop {

struct Price {
  double amount = 0;
  std::string currency;
};
NX_JSON(Price, amount, currency)

struct Item {
  std::string sku;
  std::uint8_t qty = 0;
  Price price;
  std::optional<std::string> note;
};
NX_JSON(Item, sku, qty, price, note)

struct Order {
  std::int64_t id = 0;
  bool paid = false;
  std::vector<Item> items;
  std::map<std::string, int> counters;
  nx::json::Value meta;
  std::optional<std::vector<std::optional<int>>> marks;
  float ratio = 0;
  std::uint64_t big = 0;
  short small = 0;
};
NX_JSON(Order, id, paid, items, counters, meta, marks, ratio, big, small)

}  // namespace shop

namespace json = nx::json;
using json::Value;

namespace {

const char* kOrderJson =
    R"({"id":42,"paid":true,"items":[{"sku":"a-1","qty":2,"price":{"amount":9.5,"currency":"EUR"}},)"
    R"({"sku":"b-2","qty":1,"price":{"amount":100,"currency":"USD"},"note":"gift"}],)"
    R"("counters":{"x":1,"y":-2},"meta":{"any":[1,"thing"]},"marks":[1,null,3],"ratio":0.5,)"
    R"("big":18446744073709551615,"small":-7})";

std::string mappingError(const Value& v, const json::MapOptions& o = {}) {
  try {
    (void)json::to<shop::Order>(v, o);
  } catch (const json::MappingError& e) {
    EXPECT_EQ(e.code(), "ERR_JSON_MAPPING");
    EXPECT_EQ(std::string(e.what()).rfind(std::string(e.path()) + ": ", 0), 0u) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "mapped without error";
  return {};
}

TEST(MappingTest, ParsesIntoNestedStructs) {
  const auto order = json::parse<shop::Order>(kOrderJson);
  EXPECT_EQ(order.id, 42);
  EXPECT_TRUE(order.paid);
  ASSERT_EQ(order.items.size(), 2u);
  EXPECT_EQ(order.items[0].sku, "a-1");
  EXPECT_EQ(order.items[0].qty, 2);
  EXPECT_EQ(order.items[0].price.currency, "EUR");
  EXPECT_FALSE(order.items[0].note.has_value());
  EXPECT_EQ(order.items[1].note, "gift");
  EXPECT_EQ(order.items[1].price.amount, 100.0);
  EXPECT_EQ(order.counters.at("y"), -2);
  EXPECT_EQ(order.meta["any"][1].asString(), "thing");
  ASSERT_TRUE(order.marks.has_value());
  EXPECT_EQ(*order.marks, (std::vector<std::optional<int>>{1, std::nullopt, 3}));
  EXPECT_EQ(order.ratio, 0.5f);
  EXPECT_EQ(order.big, 18446744073709551615u);
  EXPECT_EQ(order.small, -7);
}

TEST(MappingTest, StringifyWritesFieldsInDeclarationOrderAndOmitsNullopt) {
  const auto order = json::parse<shop::Order>(kOrderJson);
  EXPECT_EQ(json::stringify(order), kOrderJson);
  shop::Item item{"s", 1, {2.5, "EUR"}, std::nullopt};
  EXPECT_EQ(json::stringify(item),
            R"({"sku":"s","qty":1,"price":{"amount":2.5,"currency":"EUR"}})");
}

TEST(MappingTest, ToValueMatchesStringify) {
  const auto order = json::parse<shop::Order>(kOrderJson);
  const Value v = json::toValue(order);
  EXPECT_EQ(v, json::parse(kOrderJson));
  EXPECT_EQ(json::stringify(v), json::stringify(order));
}

TEST(MappingTest, WriteAppendsToAWriter) {
  std::string out;
  json::Writer w(out);
  w.beginArray();
  json::write(w, shop::Price{1, "X"});
  json::write(w, std::vector<int>{1, 2});
  w.endArray();
  EXPECT_EQ(out, R"([{"amount":1,"currency":"X"},[1,2]])");
}

TEST(MappingTest, TypeErrorsNameTheFieldPath) {
  Value v = json::parse(kOrderJson);
  v["items"][1]["price"]["amount"] = "cheap";
  EXPECT_EQ(mappingError(v), "$.items[1].price.amount: expected number, got string");
  try {
    (void)json::to<shop::Order>(v);
  } catch (const json::MappingError& e) {
    EXPECT_EQ(e.path(), "$.items[1].price.amount");
  }
  v = json::parse(kOrderJson);
  v["items"] = json::Object{};
  EXPECT_EQ(mappingError(v), "$.items: expected array, got object");
  v = json::parse(kOrderJson);
  v["counters"]["weird key"] = true;
  EXPECT_EQ(mappingError(v), R"($.counters["weird key"]: expected integer, got boolean)");
  EXPECT_EQ(mappingError(Value(json::Array{})), "$: expected object, got array");
}

TEST(MappingTest, MissingRequiredFieldIsAnError) {
  Value v = json::parse(kOrderJson);
  v.erase("paid");
  EXPECT_EQ(mappingError(v), "$.paid: missing required field");
  v = json::parse(kOrderJson);
  v["items"][0].erase("sku");
  EXPECT_EQ(mappingError(v), "$.items[0].sku: missing required field");
}

TEST(MappingTest, OptionalAcceptsMissingAndNull) {
  Value v = json::parse(kOrderJson);
  v["items"][1]["note"] = nullptr;
  v.erase("marks");
  const auto order = json::to<shop::Order>(v);
  EXPECT_FALSE(order.items[1].note.has_value());
  EXPECT_FALSE(order.marks.has_value());
}

TEST(MappingTest, IntegersAreRangeChecked) {
  Value v = json::parse(kOrderJson);
  v["items"][0]["qty"] = 256;
  EXPECT_EQ(mappingError(v), "$.items[0].qty: expected integer in [0, 255], got 256");
  v["items"][0]["qty"] = -1;
  EXPECT_EQ(mappingError(v), "$.items[0].qty: expected integer in [0, 255], got -1");
  v["items"][0]["qty"] = 2.5;
  EXPECT_EQ(mappingError(v), "$.items[0].qty: expected integer, got 2.5");
  v["items"][0]["qty"] = 3.0;  // an integral double (1.0 in the text) is fine
  EXPECT_EQ(json::to<shop::Order>(v).items[0].qty, 3);
  v = json::parse(kOrderJson);
  v["small"] = 40000;
  EXPECT_EQ(mappingError(v), "$.small: expected integer in [-32768, 32767], got 40000");
  v = json::parse(kOrderJson);
  v["id"] = std::uint64_t{1} << 63;
  EXPECT_EQ(mappingError(v),
            "$.id: expected integer in [-9223372036854775808, 9223372036854775807], got "
            "9223372036854775808");
  v = json::parse(kOrderJson);
  v["big"] = -1;
  EXPECT_EQ(mappingError(v), "$.big: expected integer in [0, 18446744073709551615], got -1");
  v["big"] = 1e30;
  EXPECT_EQ(mappingError(v), "$.big: expected integer in [0, 18446744073709551615], got 1e+30");
}

TEST(MappingTest, UnknownFieldsAreIgnoredUnlessRejected) {
  Value v = json::parse(kOrderJson);
  v["extra"] = 1;
  v["items"][0]["color"] = "red";
  EXPECT_NO_THROW((void)json::to<shop::Order>(v));
  json::MapOptions strict;
  strict.rejectUnknownFields = true;
  EXPECT_EQ(mappingError(v, strict), "$.items[0].color: unknown field");
  v["items"][0].erase("color");
  EXPECT_EQ(mappingError(v, strict), "$.extra: unknown field");
}

TEST(MappingTest, MembersInAnyOrder) {
  const auto p = json::parse<shop::Price>(R"({"currency":"JPY","amount":3})");
  EXPECT_EQ(p.currency, "JPY");
  EXPECT_EQ(p.amount, 3.0);
}

TEST(MappingTest, ParseErrorsPassThrough) {
  EXPECT_THROW((void)json::parse<shop::Price>("{"), json::ParseError);
}

TEST(MappingTest, StandaloneContainersAndScalars) {
  EXPECT_EQ(json::stringify(std::vector<std::string>{"a", "b"}), R"(["a","b"])");
  EXPECT_EQ((json::parse<std::map<std::string, std::vector<int>>>(R"({"k":[1,2]})").at("k")),
            (std::vector<int>{1, 2}));
  EXPECT_EQ(json::stringify(std::optional<int>{}), "null");
  EXPECT_EQ(json::parse<bool>("true"), true);
}

}  // namespace
