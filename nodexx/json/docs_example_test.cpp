// SPDX-License-Identifier: MIT
// The examples of docs/json.md, compiled and checked so that the guide cannot rot.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>

#include "nodexx/json/internal/test_print.hpp"
#include "nodexx/json/json.hpp"

namespace guide {

struct Price {
  double amount;
  std::string currency;
};
NX_JSON(Price, amount, currency)

struct Item {
  std::string sku;
  std::uint16_t qty;
  Price price;
  std::optional<std::string> note;  // missing or null -> nullopt; nullopt is omitted
};
NX_JSON(Item, sku, qty, price, note)

}  // namespace guide

namespace json = nx::json;

namespace {

TEST(DocsExampleTest, Values) {
  json::Value order = json::Object{
      {"id", 42},
      {"customer", "Ada"},
      {"items", json::Array{json::Object{{"sku", "a-1"}, {"qty", 2}}}},
      {"paid", false},
      {"note", nullptr},
  };
  order["items"].push_back(json::Object{{"sku", "b-2"}, {"qty", 1}});
  order["paid"] = true;

  const std::int64_t id = order["id"].asInt64();
  const std::string_view who = order["customer"].asString();
  int items = 0;
  for (const json::Value& item : order["items"].asArray()) items += item["qty"].asInt64() > 0;
  std::string keys;
  for (const auto& [key, value] : order.asObject()) keys += key + ",";
  EXPECT_EQ(id, 42);
  EXPECT_EQ(who, "Ada");
  EXPECT_EQ(items, 2);
  EXPECT_EQ(keys, "id,customer,items,paid,note,");
  EXPECT_EQ(json::stringify(order),
            R"({"id":42,"customer":"Ada","items":[{"sku":"a-1","qty":2},{"sku":"b-2","qty":1}],)"
            R"("paid":true,"note":null})");
}

TEST(DocsExampleTest, ParsingErrors) {
  try {
    (void)json::parse(R"({"a":1,})");
    FAIL() << "parsed";
  } catch (const json::ParseError& e) {
    EXPECT_EQ(e.code(), "ERR_JSON_PARSE");
    EXPECT_EQ(e.offset(), 7u);
    EXPECT_STREQ(e.what(), "Expected double-quoted property name in JSON at position 7");
  }
  json::ParseOptions limits;
  limits.maxBytes = 8 << 20;
  limits.maxDepth = 16;
  EXPECT_EQ(json::parse("[[1]]", limits)[0][0].asInt64(), 1);
}

TEST(DocsExampleTest, Writing) {
  const json::Value order = json::Object{{"a", json::Array{1}}};
  EXPECT_EQ(json::stringify(order, {.indent = 2}), "{\n  \"a\": [\n    1\n  ]\n}");
  std::string out;
  json::Writer w(out);
  w.beginObject();
  w.key("ok");
  w.value(true);
  w.key("items");
  w.beginArray();
  w.value(1);
  w.value("two");
  w.endArray();
  w.endObject();
  EXPECT_EQ(out, R"({"ok":true,"items":[1,"two"]})");
}

TEST(DocsExampleTest, TypedBodies) {
  const guide::Item item =
      json::parse<guide::Item>(R"({"sku":"a","qty":2,"price":{"amount":9.5,"currency":"EUR"}})");
  const std::string text = json::stringify(item);
  EXPECT_EQ(text, R"({"sku":"a","qty":2,"price":{"amount":9.5,"currency":"EUR"}})");
  const json::Value v = json::toValue(item);
  const guide::Item again = json::to<guide::Item>(v);
  EXPECT_EQ(again.sku, "a");
  EXPECT_FALSE(again.note.has_value());

  json::Value bad = v;
  bad["qty"] = 70000;
  try {
    (void)json::to<guide::Item>(bad);
    FAIL() << "mapped";
  } catch (const json::MappingError& e) {
    EXPECT_STREQ(e.what(), "$.qty: expected integer in [0, 65535], got 70000");
  }
  bad = v;
  bad["extra"] = 1;
  EXPECT_THROW((void)json::to<guide::Item>(bad, json::MapOptions{.rejectUnknownFields = true}),
               json::MappingError);
}

}  // namespace
