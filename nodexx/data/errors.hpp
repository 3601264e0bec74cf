// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <string_view>

#include "nodexx/core/errors.hpp"

namespace nx::data::sqlite {

/// The error of every failed SQLite call. code() is SQLite's name of the extended result code
/// ("SQLITE_CONSTRAINT_UNIQUE", "SQLITE_BUSY", "SQLITE_CANTOPEN"), or one of the codes below for
/// misuse that SQLite itself does not report; errcode() is the numeric extended result code
/// (0 for the nodexx codes). what() is "<code>: <SQLite's message>", e.g.
/// "SQLITE_CONSTRAINT_UNIQUE: UNIQUE constraint failed: products.sku" (node-sqlite3's form).
class Error : public SystemError {
 public:
  /// `errcode` is an extended result code; `message` is sqlite3_errmsg() or our own text.
  Error(int errcode, const std::string& message);
  /// A nodexx code (see the constants below) with errcode() 0.
  Error(std::string code, const std::string& message);

  std::string_view name() const noexcept override { return "SqliteError"; }
  /// SQLite's extended result code; primary code is `errcode() & 0xff`.
  int errcode() const noexcept { return errcode_; }

 private:
  int errcode_ = 0;
};

/// A call on a Database after close() (or on a transaction handle after its transaction
/// ended): node-sqlite3 reports this as SQLITE_MISUSE "Database is closed" too.
inline constexpr std::string_view kErrClosed = "SQLITE_MISUSE";
/// run/query/get were given more than one SQL statement (use exec() for scripts).
inline constexpr std::string_view kErrMultipleStatements = "ERR_SQLITE_MULTIPLE_STATEMENTS";
/// The number of parameters does not match the `?` placeholders of the statement.
inline constexpr std::string_view kErrParameterCount = "ERR_SQLITE_PARAMETER_COUNT";
/// A text or blob parameter or value exceeds SQLite's size limits (2^31 - 1 bytes).
inline constexpr std::string_view kErrTooBig = "SQLITE_TOOBIG";

/// SQLite's symbolic name of a (primary or extended) result code, "SQLITE_UNKNOWN" if the
/// number is not one that SQLite 3.40 defines.
std::string_view codeName(int errcode) noexcept;

}  // namespace nx::data::sqlite
