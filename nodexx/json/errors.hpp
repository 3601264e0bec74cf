// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "nodexx/core/errors.hpp"

namespace nx::json {

/// The stable error codes of the json module. Every error the module throws is an
/// nx::SystemError subclass whose code() is one of these.
namespace errc {
/// A Value was used as a type it does not hold (asString() on a number, operator[] on a bool).
inline constexpr std::string_view kType = "ERR_JSON_TYPE";
/// An index or a number outside the representable range (at(7) on 3 elements, asInt64() of
/// 1e300, a string longer than 4 GiB).
inline constexpr std::string_view kRange = "ERR_JSON_RANGE";
/// The text is not RFC 8259 JSON.
inline constexpr std::string_view kParse = "ERR_JSON_PARSE";
/// The text is JSON but exceeds a ParseOptions limit (size, depth, string, members).
inline constexpr std::string_view kLimit = "ERR_JSON_LIMIT";
/// A Value does not fit the C++ type it is mapped to (missing field, wrong type, out of range).
inline constexpr std::string_view kMapping = "ERR_JSON_MAPPING";
}  // namespace errc

/// Wrong-type access to a Value (code ERR_JSON_TYPE) or an out-of-range index or number
/// (code ERR_JSON_RANGE). name() is "TypeError" or "RangeError" accordingly.
class TypeError : public SystemError {
 public:
  using SystemError::SystemError;
  std::string_view name() const noexcept override {
    return code() == errc::kRange ? "RangeError" : "TypeError";
  }
};

/// Text that is not JSON (code ERR_JSON_PARSE) or breaks a limit (code ERR_JSON_LIMIT).
/// what() is V8-style: "Unexpected token } in JSON at position 12",
/// "Unexpected end of JSON input", "Maximum nesting depth 64 exceeded at position 130".
class ParseError : public SystemError {
 public:
  /// `offset` is the byte offset of the offending input byte (the input size at its end).
  ParseError(std::string code, const std::string& message, std::size_t offset);
  /// Byte offset into the input where the error was detected.
  std::size_t offset() const noexcept { return offset_; }
  std::string_view name() const noexcept override { return "SyntaxError"; }

 private:
  std::size_t offset_;
};

/// A Value that does not fit a mapped C++ type (code ERR_JSON_MAPPING). what() is
/// "<path>: <reason>", e.g. "$.items[2].price: expected number, got string"; path() is the
/// JSONPath-like location alone ("$" is the root, `.name` a member, `[i]` an element).
class MappingError : public SystemError {
 public:
  MappingError(std::string path, std::string_view reason);
  /// Where in the document the error is ("$.items[2].price").
  std::string_view path() const noexcept { return path_; }
  std::string_view name() const noexcept override { return "TypeError"; }

 private:
  std::string path_;
};

}  // namespace nx::json
