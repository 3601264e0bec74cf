// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "nodexx/data/sqlite.hpp"
#include "nodexx/web/router.hpp"

namespace shop {

/// Limits of the products API; every one is enforced with a 400 or 413 problem.
struct ProductLimits {
  /// Page size when `limit` is absent. Default 20.
  int defaultPageSize = 20;
  /// Largest `limit` accepted (1..maxPageSize). Default 100.
  int maxPageSize = 100;
  /// Length of `name` in characters (Unicode code points). Default 200.
  std::size_t maxNameChars = 200;
  /// Number of `tags`. Default 20.
  std::size_t maxTags = 20;
  /// Length of one tag in characters. Default 50.
  std::size_t maxTagChars = 50;
  /// Largest POST body in bytes (413 `payload_too_large` above). Default 16 KiB.
  std::uint64_t maxBodyBytes = 16 * 1024;
};

/// Mounts the products resource on `router`:
///  - `GET /products?limit=&cursor=`: a page in id order, `{"items":[...],"next":<cursor|null>}`;
///  - `GET /products/:id`: one product, 404 `product_not_found`;
///  - `POST /products`: creates one from a JSON body `{name, price, tags?}`; 201 with Location.
/// `db` must hold the schema (see schema.hpp) and outlive the router.
void mountProducts(nx::web::Router& router, nx::data::sqlite::Database& db,
                   ProductLimits limits = {});

/// The opaque cursor of the page that starts after product `afterId` (base64url text).
std::string encodeCursor(std::int64_t afterId);
/// The product id a cursor from encodeCursor() continues after; nullopt for anything else.
std::optional<std::int64_t> decodeCursor(std::string_view cursor);

}  // namespace shop
