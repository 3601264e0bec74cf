// SPDX-License-Identifier: MIT
#include "schema.hpp"

#include <string>

#include "generated/schema_sql.hpp"
#include "nodexx/core/errors.hpp"

namespace shop {

nx::Promise<> migrate(nx::data::sqlite::Database& db) {
  std::optional<nx::json::Value> row = co_await db.get("PRAGMA user_version");
  std::int64_t version = (*row)["user_version"].asInt64();
  if (version == kSchemaVersion) co_return;
  if (version > kSchemaVersion) {
    throw nx::SystemError("ERR_SHOP_SCHEMA_VERSION",
                          "The database has schema version " + std::to_string(version) +
                              "; this build knows version " + std::to_string(kSchemaVersion));
  }
  // exec() runs the whole script; the transaction makes a half-applied schema impossible.
  co_await db.transaction([](nx::data::sqlite::Database& tx) -> nx::Promise<> {
    co_await tx.exec(detail::kSchemaSql);
  });
}

}  // namespace shop
