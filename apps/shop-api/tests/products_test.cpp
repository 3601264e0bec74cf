// SPDX-License-Identifier: MIT
#include "products.hpp"

#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support.hpp"

namespace shop::test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class ProductsTest : public ShopFixture {};

/// The `errors` of a problem as "path: message" lines.
std::vector<std::string> fieldErrors(const nx::json::Value& problem) {
  std::vector<std::string> out;
  if (const nx::json::Value* errors = problem.find("errors")) {
    for (const auto& e : errors->asArray()) {
      out.push_back(std::string(e["path"].asString()) + ": " +
                    std::string(e["message"].asString()));
    }
  }
  return out;
}

TEST_F(ProductsTest, CreateReturns201WithLocationAndTheStoredProduct) {
  runAsync([&]() -> nx::Promise<> {
    co_await start();
    InjectResponse r =
        co_await post(R"({"name":"Fountain pen","price":1299,"tags":["pens","gift"]})");
    EXPECT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(r.header("location"), "/products/1");
    EXPECT_THAT(std::string(r.header("content-type").value_or("")), HasSubstr("application/json"));
    nx::json::Value p = r.json();
    EXPECT_EQ(p["id"].asInt64(), 1);
    EXPECT_EQ(p["name"].asString(), "Fountain pen");
    EXPECT_EQ(p["price"].asInt64(), 1299);
    EXPECT_EQ(p["tags"].size(), 2u);
    EXPECT_EQ(p["tags"][1].asString(), "gift");
    EXPECT_EQ(p["createdAt"].asString().size(), 24u);  // 2026-01-02T03:04:05.678Z
    InjectResponse again = co_await get("/products/1");
    EXPECT_EQ(again.status, 200);
    EXPECT_EQ(again.json(), p);
  });
}

TEST_F(ProductsTest, TagsAreOptional) {
  runAsync([&]() -> nx::Promise<> {
    co_await start();
    InjectResponse r = co_await post(R"({"name":"Ink","price":0})");
    EXPECT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(r.json()["tags"], nx::json::Value(nx::json::Array{}));
    r = co_await post(R"({"name":"Nib","price":5,"tags":null})");
    EXPECT_EQ(r.status, 201) << r.body;
  });
}

TEST_F(ProductsTest, InvalidBodyIs400WithEveryFieldError) {
  runAsync([&]() -> nx::Promise<> {
    co_await start();
    InjectResponse r = co_await post(R"({"price":-1,"tags":["ok","",7],"colour":"red"})");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.header("content-type"), "application/problem+json; charset=utf-8");
    nx::json::Value problem = r.json();
    EXPECT_EQ(problem["code"].asString(), "validation_failed");
    EXPECT_EQ(problem["status"].asInt64(), 400);
    EXPECT_EQ(problem["title"].asString(), "Bad Request");
    EXPECT_FALSE(problem["requestId"].asString().empty());
    EXPECT_THAT(
        fieldErrors(problem),
        ElementsAre("$.name: is required",
                    "$.price: must be an integer number of cents from 0 to 9007199254740991",
                    "$.tags[1]: must be a string of 1 to 50 characters",
                    "$.tags[2]: must be a string of 1 to 50 characters",
                    "$.colour: is not a known field"));
    // Nothing was stored.
    InjectResponse list = co_await get("/products");
    EXPECT_EQ(list.json()["items"].size(), 0u);
  });
}

TEST_F(ProductsTest, NameLengthCountsCharactersNotBytes) {
  runAsync([&]() -> nx::Promise<> {
    co_await start();
    std::string name200;
    for (int i = 0; i < 200; ++i) name200 += "é";
    InjectResponse r = co_await post(R"({"name":")" + name200 + R"(","price":1})");
    EXPECT_EQ(r.status, 201) << r.body;
    r = co_await post(R"({"name":")" + name200 + R"(x","price":1})");
    EXPECT_EQ(r.status, 400);
    EXPECT_THAT(fieldErrors(r.json()), ElementsAre("$.name: must be 1 to 200 characters long"));
    r = co_await post(R"({"name":"","price":1})");
    EXPECT_THAT(fieldErrors(r.json()), ElementsAre("$.name: must be 1 to 200 characters long"));
    r = co_await post(R"({"name":12,"price":1})");
    EXPECT_THAT(fieldErrors(r.json()), ElementsAre("$.name: must be a string"));
  });
}

TEST_F(ProductsTest, PriceMustBeANonNegativeIntegerOfCents) {
  runAsync([&]() -> nx::Promise<> {
    co_await start();
    for (std::string bad : {"12.5", "-1", "\"12\"", "9007199254740992", "1e3", "true"}) {
      InjectResponse r = co_await post(R"({"name":"x","price":)" + bad + "}");
      EXPECT_EQ(r.status, 400) << bad;
      EXPECT_THAT(
          fieldErrors(r.json()),
          ElementsAre("$.price: must be an integer number of cents from 0 to 9007199254740991"))
          << bad;
    }
    InjectResponse ok = co_await post(R"({"name":"x","price":9007199254740991})");
    EXPECT_EQ(ok.status, 201);
    EXPECT_EQ(ok.json()["price"].asInt64(), 9007199254740991);
  });
}

TEST_F(ProductsTest, TagLimitsAreEnforced) {
  runAsync([&]() -> nx::Promise<> {
    co_await start();
    std::string many = "[";
    for (int i = 0; i < 21; ++i)
      many += std::string(i ? "," : "") + "\"t" + std::to_string(i) + "\"";
    many += "]";
    InjectResponse r = co_await post(R"({"name":"x","price":1,"tags":)" + many + "}");
    EXPECT_THAT(fieldErrors(r.json()), ElementsAre("$.tags: must have at most 20 items"));
    r = co_await post(R"({"name":"x","price":1,"tags":"pens"})");
    EXPECT_THAT(fieldErrors(r.json()), ElementsAre("$.tags: must be an array of strings"));
  });
}

TEST_F(ProductsTest, BodyMustBeAJsonObject) {
  runAsync([&]() -> nx::Promise<> {
    co_await start();
    InjectResponse r = co_await post("[1,2]");
    EXPECT_EQ(r.status, 400);
    EXPECT_THAT(fieldErrors(r.json()), ElementsAre("$: must be a JSON object"));
    r = co_await post(R"({"name":)");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.json()["code"].asString(), "invalid_json");
    r = co_await post("name=x&price=1", "application/x-www-form-urlencoded");
    EXPECT_EQ(r.status, 415);
    EXPECT_EQ(r.json()["code"].asString(), "unsupported_media_type");
    r = co_await post("");
    EXPECT_EQ(r.status, 400);
    EXPECT_THAT(fieldErrors(r.json()), ElementsAre("$: a JSON body is required"));
  });
}

TEST_F(ProductsTest, OversizedBodyIs413) {
  runAsync([&]() -> nx::Promise<> {
    co_await start();
    std::string big = R"({"name":"x","price":1,"pad":")" + std::string(17 * 1024, 'a') + "\"}";
    InjectResponse r = co_await post(big);
    EXPECT_EQ(r.status, 413);
    EXPECT_EQ(r.json()["code"].asString(), "payload_too_large");
  });
}

TEST_F(ProductsTest, MissingOrMalformedIdIs404Problem) {
  runAsync([&]() -> nx::Promise<> {
    co_await start();
    for (std::string url :
         {"/products/1", "/products/abc", "/products/-1", "/products/99999999999999999999"}) {
      InjectResponse r = co_await get(url);
      EXPECT_EQ(r.status, 404) << url;
      nx::json::Value problem = r.json();
      EXPECT_EQ(problem["code"].asString(), "product_not_found") << url;
      EXPECT_EQ(problem["detail"].asString(), "No product with this id");
      EXPECT_EQ(problem["requestId"].asString(), r.header("x-request-id").value_or("?"));
    }
  });
}

TEST_F(ProductsTest, ListPagesThroughEveryProductOnceInIdOrder) {
  runAsync([&]() -> nx::Promise<> {
    co_await start();
    for (int i = 0; i < 45; ++i) {
      InjectResponse r = co_await post(R"({"name":"p)" + std::to_string(i) + R"(","price":)" +
                                       std::to_string(i) + "}");
      SHOP_CO_ASSERT(r.status == 201);
    }
    std::vector<std::int64_t> ids;
    std::vector<std::size_t> pageSizes;
    std::string url = "/products?limit=20";
    for (int guard = 0; guard < 10; ++guard) {
      InjectResponse r = co_await get(url);
      SHOP_CO_ASSERT(r.status == 200);
      nx::json::Value page = r.json();
      pageSizes.push_back(page["items"].size());
      for (const auto& item : page["items"].asArray()) ids.push_back(item["id"].asInt64());
      if (page["next"].isNull()) break;
      url = "/products?limit=20&cursor=" + std::string(page["next"].asString());
    }
    EXPECT_THAT(pageSizes, ElementsAre(20u, 20u, 5u));
    SHOP_CO_ASSERT(ids.size() == 45u);
    for (std::size_t i = 0; i < ids.size(); ++i)
      EXPECT_EQ(ids[i], static_cast<std::int64_t>(i + 1));
  });
}

TEST_F(ProductsTest, ListDefaultsTo20AndAnExactLastPageHasNoNext) {
  runAsync([&]() -> nx::Promise<> {
    co_await start();
    for (int i = 0; i < 40; ++i) {
      co_await db_.run("INSERT INTO products(name, price) VALUES (?, ?)", "p", i);
    }
    nx::json::Value first = (co_await get("/products")).json();
    EXPECT_EQ(first["items"].size(), 20u);
    SHOP_CO_ASSERT(first["next"].isString());
    nx::json::Value second =
        (co_await get("/products?cursor=" + std::string(first["next"].asString()))).json();
    EXPECT_EQ(second["items"].size(), 20u);
    EXPECT_TRUE(second["next"].isNull());  // 40 rows: no empty third page
    EXPECT_EQ(second["items"][0]["id"].asInt64(), 21);
  });
}

TEST_F(ProductsTest, BadPagingParametersAre400) {
  runAsync([&]() -> nx::Promise<> {
    co_await start();
    for (std::string q : {"limit=0", "limit=101", "limit=abc", "limit=-5", "limit=2.5"}) {
      InjectResponse r = co_await get("/products?" + q);
      EXPECT_EQ(r.status, 400) << q;
      EXPECT_THAT(fieldErrors(r.json()),
                  ElementsAre("query.limit: must be an integer from 1 to 100"))
          << q;
    }
    InjectResponse r = co_await get("/products?cursor=bm90LWEtY3Vyc29y&limit=0");
    EXPECT_THAT(fieldErrors(r.json()),
                ElementsAre("query.limit: must be an integer from 1 to 100",
                            "query.cursor: is not a cursor returned by this API"));
    EXPECT_EQ((co_await get("/products?limit=100")).status, 200);
    EXPECT_EQ((co_await get("/products?limit=1")).status, 200);
  });
}

TEST(CursorTest, RoundTripsAndRejectsForgeries) {
  for (std::int64_t id : {std::int64_t{0}, std::int64_t{1}, std::int64_t{123456789012345678}}) {
    std::string c = encodeCursor(id);
    EXPECT_EQ(
        c.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
        std::string::npos)
        << c;
    EXPECT_EQ(decodeCursor(c), id);
  }
  EXPECT_EQ(decodeCursor(""), std::nullopt);
  EXPECT_EQ(decodeCursor("42"), std::nullopt);
  EXPECT_EQ(decodeCursor("cDE6"), std::nullopt);      // "p1:" with no id
  EXPECT_EQ(decodeCursor("cDE6LTE"), std::nullopt);   // "p1:-1"
  EXPECT_EQ(decodeCursor("cDE6MXg"), std::nullopt);   // "p1:1x"
  EXPECT_EQ(decodeCursor("cDE6MQ=="), std::nullopt);  // padding is not base64url
  EXPECT_EQ(decodeCursor(std::string(100, 'A')), std::nullopt);
}

}  // namespace
}  // namespace shop::test
