// SPDX-License-Identifier: MIT
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace nx::data {

/// The bytes of a BLOB parameter or column. A distinct type so that text and binary data
/// are never confused (a std::string parameter is always TEXT).
class Blob {
 public:
  Blob() noexcept = default;
  explicit Blob(std::vector<std::uint8_t> bytes) noexcept : bytes_(std::move(bytes)) {}
  /// Copies `bytes` (any byte string, e.g. a std::string holding binary data).
  explicit Blob(std::string_view bytes) : bytes_(bytes.begin(), bytes.end()) {}

  const std::vector<std::uint8_t>& bytes() const noexcept { return bytes_; }
  const std::uint8_t* data() const noexcept { return bytes_.data(); }
  std::size_t size() const noexcept { return bytes_.size(); }
  friend bool operator==(const Blob&, const Blob&) = default;

 private:
  std::vector<std::uint8_t> bytes_;
};

/// One SQL parameter value: NULL, INTEGER (int64), REAL (double), TEXT (UTF-8) or BLOB, the
/// five storage classes of SQLite. Built implicitly from the C++ value, so a parameter list
/// reads like JS: `{42, "name", 9.5, nullptr, std::optional<int>{}}`.
class SqlValue {
 public:
  /// The storage class, SQLite's names.
  enum class Type : std::uint8_t { Null, Integer, Real, Text, Blob };

  /// NULL.
  SqlValue() noexcept = default;
  SqlValue(std::nullptr_t) noexcept {}
  SqlValue(std::nullopt_t) noexcept {}
  /// INTEGER. bool is 0 or 1 (SQLite has no boolean). An unsigned value above INT64_MAX
  /// throws nx::RangeError ERR_OUT_OF_RANGE: SQLite integers are signed 64-bit.
  template <std::integral I>
  SqlValue(I i) : v_(checkedInt(i)) {}
  /// REAL.
  template <std::floating_point F>
  SqlValue(F d) noexcept : v_(static_cast<double>(d)) {}
  /// TEXT (expected to be UTF-8; SQLite stores the bytes as given).
  SqlValue(const char* s) : v_(std::string(s)) {}
  SqlValue(std::string_view s) : v_(std::string(s)) {}
  SqlValue(std::string s) noexcept : v_(std::move(s)) {}
  /// BLOB.
  SqlValue(Blob b) noexcept : v_(std::move(b)) {}
  /// NULL when empty, else the contained value.
  template <class T>
  requires std::is_constructible_v<SqlValue, const T&> SqlValue(const std::optional<T>& o)
      : SqlValue(o ? SqlValue(*o) : SqlValue()) {}

  Type type() const noexcept { return static_cast<Type>(v_.index()); }
  bool isNull() const noexcept { return type() == Type::Null; }
  /// The value; each throws nx::SystemError ERR_INVALID_ARG_TYPE if the type differs.
  std::int64_t asInt64() const;
  double asDouble() const;
  const std::string& asText() const;
  const Blob& asBlob() const;

  friend bool operator==(const SqlValue&, const SqlValue&) = default;

 private:
  template <class I>
  static std::int64_t checkedInt(I i) {
    if constexpr (std::is_unsigned_v<I> && sizeof(I) >= sizeof(std::int64_t)) {
      if (i > static_cast<I>(INT64_MAX)) throwOutOfRange();
    }
    return static_cast<std::int64_t>(i);
  }
  [[noreturn]] static void throwOutOfRange();

  std::variant<std::monostate, std::int64_t, double, std::string, Blob> v_;
};

/// Positional parameters, bound in order to the `?` placeholders of a statement.
using Params = std::vector<SqlValue>;

}  // namespace nx::data
