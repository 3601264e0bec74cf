// SPDX-License-Identifier: MIT
#include "products.hpp"

#include <charconv>
#include <string>
#include <utility>
#include <vector>

#include "nodexx/core/buffer.hpp"
#include "nodexx/json/parse.hpp"
#include "nodexx/json/stringify.hpp"
#include "nodexx/web/body_parser.hpp"
#include "nodexx/web/errors.hpp"
#include "nodexx/web/request.hpp"
#include "nodexx/web/response.hpp"

namespace shop {

namespace json = nx::json;
namespace web = nx::web;
using nx::data::sqlite::Database;

namespace {

// The columns every endpoint returns, in the order of the JSON object.
#define SHOP_PRODUCT_COLUMNS "id, name, price, tags, created_at AS createdAt"

// JavaScript clients read numbers as doubles: prices above 2^53 - 1 would lose cents.
constexpr std::int64_t kMaxSafeInteger = 9007199254740991;
constexpr std::string_view kCursorPrefix = "p1:";

/// The row as the API's product: `tags` is stored as JSON text and returned as an array.
json::Value toProduct(json::Value row) {
  if (json::Value* tags = row.find("tags"); tags != nullptr && tags->isString()) {
    *tags = json::parse(tags->asString());
  }
  return row;
}

std::size_t codePoints(std::string_view s) noexcept {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

std::optional<std::int64_t> parseId(std::string_view text) noexcept {
  // Digits only: from_chars alone would accept a leading '-' and stop at junk.
  if (text.empty() || text.size() > 18) return std::nullopt;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  std::int64_t v = 0;
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

/// A validated POST body.
struct NewProduct {
  std::string name;
  std::int64_t price = 0;
  std::string tagsJson;
};

NewProduct validate(const json::Value& body, const ProductLimits& limits) {
  std::vector<web::FieldError> errors;
  NewProduct p;
  if (!body.isObject()) {
    throw web::HttpError(400, std::string(web::errc::kValidationFailed), "The product is invalid",
                         {{"$", "must be a JSON object"}});
  }
  const json::Value* name = body.find("name");
  if (name == nullptr) {
    errors.push_back({"$.name", "is required"});
  } else if (!name->isString()) {
    errors.push_back({"$.name", "must be a string"});
  } else if (std::size_t n = codePoints(name->asString()); n == 0 || n > limits.maxNameChars) {
    errors.push_back(
        {"$.name", "must be 1 to " + std::to_string(limits.maxNameChars) + " characters long"});
  } else {
    p.name = std::string(name->asString());
  }
  const json::Value* price = body.find("price");
  if (price == nullptr) {
    errors.push_back({"$.price", "is required"});
  } else if (!price->isInt64() || price->asInt64() < 0 || price->asInt64() > kMaxSafeInteger) {
    errors.push_back({"$.price", "must be an integer number of cents from 0 to 9007199254740991"});
  } else {
    p.price = price->asInt64();
  }
  json::Array tags;
  if (const json::Value* t = body.find("tags"); t != nullptr && !t->isNull()) {
    if (!t->isArray()) {
      errors.push_back({"$.tags", "must be an array of strings"});
    } else if (t->size() > limits.maxTags) {
      errors.push_back(
          {"$.tags", "must have at most " + std::to_string(limits.maxTags) + " items"});
    } else {
      for (std::size_t i = 0; i < t->size(); ++i) {
        const json::Value& tag = (*t)[i];
        std::size_t n = tag.isString() ? codePoints(tag.asString()) : 0;
        if (!tag.isString() || n == 0 || n > limits.maxTagChars) {
          errors.push_back(
              {"$.tags[" + std::to_string(i) + "]",
               "must be a string of 1 to " + std::to_string(limits.maxTagChars) + " characters"});
        } else {
          tags.push_back(tag);
        }
      }
    }
  }
  for (const auto& [key, value] : body.asObject()) {
    if (key != "name" && key != "price" && key != "tags") {
      errors.push_back({"$." + key, "is not a known field"});
    }
  }
  if (!errors.empty()) {
    throw web::HttpError(400, std::string(web::errc::kValidationFailed), "The product is invalid",
                         std::move(errors));
  }
  p.tagsJson = json::stringify(json::Value(std::move(tags)));
  return p;
}

/// `limit` and `cursor` of a list request, or a 400 naming each bad one.
std::pair<std::int64_t, std::int64_t> pageOf(web::Request& req, const ProductLimits& limits) {
  std::vector<web::FieldError> errors;
  std::int64_t limit = limits.defaultPageSize;
  if (auto text = req.query("limit")) {
    auto v = parseId(*text);
    if (!v || *v < 1 || *v > limits.maxPageSize) {
      errors.push_back(
          {"query.limit", "must be an integer from 1 to " + std::to_string(limits.maxPageSize)});
    } else {
      limit = *v;
    }
  }
  std::int64_t after = 0;
  if (auto text = req.query("cursor")) {
    auto v = decodeCursor(*text);
    if (!v) {
      errors.push_back({"query.cursor", "is not a cursor returned by this API"});
    } else {
      after = *v;
    }
  }
  if (!errors.empty()) {
    throw web::HttpError(400, std::string(web::errc::kValidationFailed), "Invalid query parameters",
                         std::move(errors));
  }
  return {limit, after};
}

}  // namespace

std::string encodeCursor(std::int64_t afterId) {
  std::string text = std::string(kCursorPrefix) + std::to_string(afterId);
  return nx::Buffer::from(text).toString(nx::Encoding::Base64Url);
}

std::optional<std::int64_t> decodeCursor(std::string_view cursor) {
  if (cursor.empty() || cursor.size() > 64) return std::nullopt;
  for (char c : cursor) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return std::nullopt;
  }
  std::string text =
      nx::Buffer::from(cursor, nx::Encoding::Base64Url).toString(nx::Encoding::Latin1);
  if (!std::string_view(text).starts_with(kCursorPrefix)) return std::nullopt;
  return parseId(std::string_view(text).substr(kCursorPrefix.size()));
}

void mountProducts(web::Router& router, Database& db, ProductLimits limits) {
  router.get("/products", [&db, limits](web::Request& req, web::Response& res) -> nx::Promise<> {
    auto [limit, after] = pageOf(req, limits);
    // One row more than the page tells whether another page follows.
    nx::data::sqlite::Rows rows = co_await db.query(
        "SELECT " SHOP_PRODUCT_COLUMNS " FROM products WHERE id > ? ORDER BY id LIMIT ?", after,
        limit + 1);
    bool more = rows.size() > static_cast<std::size_t>(limit);
    if (more) rows.pop_back();
    json::Value next =
        more ? json::Value(encodeCursor(rows.back()["id"].asInt64())) : json::Value();
    json::Array items;
    items.reserve(rows.size());
    for (auto& row : rows) items.push_back(toProduct(std::move(row)));
    json::Object page;
    page.append("items", std::move(items));
    page.append("next", std::move(next));
    res.json(json::Value(std::move(page)));
  });

  router.get("/products/:id", [&db](web::Request& req, web::Response& res) -> nx::Promise<> {
    // A malformed id can never name a product: the same 404 as a missing one.
    std::optional<std::int64_t> id = parseId(req.param("id"));
    std::optional<json::Value> row;
    if (id) {
      row = co_await db.get("SELECT " SHOP_PRODUCT_COLUMNS " FROM products WHERE id = ?", *id);
    }
    if (!row) throw web::HttpError(404, "product_not_found", "No product with this id");
    res.json(toProduct(std::move(*row)));
  });

  web::JsonOptions bodyOptions;
  bodyOptions.limit = limits.maxBodyBytes;
  router.post("/products", nx::mw::json(std::move(bodyOptions)),
              [&db, limits](web::Request& req, web::Response& res) -> nx::Promise<> {
                if (!req.hasBody()) {
                  throw web::HttpError(400, std::string(web::errc::kValidationFailed),
                                       "The product is invalid",
                                       {{"$", "a JSON body is required"}});
                }
                if (!req.is("json")) {
                  throw web::HttpError(415, "unsupported_media_type",
                                       "Send the product as application/json");
                }
                NewProduct p = validate(req.body(), limits);
                std::optional<json::Value> row = co_await db.get(
                    "INSERT INTO products(name, price, tags) VALUES (?, ?, ?) "
                    "RETURNING " SHOP_PRODUCT_COLUMNS,
                    std::move(p.name), p.price, std::move(p.tagsJson));
                json::Value product = toProduct(std::move(*row));
                res.location("/products/" + std::to_string(product["id"].asInt64()));
                res.status(201).json(product);
              });
}

}  // namespace shop
