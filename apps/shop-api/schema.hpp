// SPDX-License-Identifier: MIT
#pragma once

#include "nodexx/core/promise.hpp"
#include "nodexx/data/sqlite.hpp"

namespace shop {

/// The schema version this build expects (PRAGMA user_version).
inline constexpr int kSchemaVersion = 1;

/// Brings `db` to kSchemaVersion: a new database (user_version 0) gets schema.sql in one
/// transaction; the current version is left alone. Rejects with sqlite::Error, or with
/// SystemError ERR_SHOP_SCHEMA_VERSION when the file was written by a newer version.
nx::Promise<> migrate(nx::data::sqlite::Database& db);

}  // namespace shop
