// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

/// The `content-type` package (2.x): parsing and formatting `Content-Type` header values
/// (RFC 9110 media types with parameters). Pure functions, any thread.
namespace nx::web::content_type {

/// A parsed media type: `type/subtype` (lower-cased) and its parameters. Copyable value.
struct ContentType {
  /// The media type, lower-cased, with surrounding whitespace removed ("text/html").
  std::string type;
  /// Parameters in header order; names lower-cased; a repeated name keeps its first value;
  /// quoted values are unquoted and their `\` escapes removed.
  std::vector<std::pair<std::string, std::string>> parameters;
  /// The offset in the input where parsing stopped (end of input, or the `,` when
  /// ParseOptions::comma is set).
  std::size_t index = 0;

  /// The value of parameter `name` (give it lower-case), or nullopt.
  std::optional<std::string_view> parameter(std::string_view name) const noexcept;
};

/// Options of parse(); only numbers and flags.
struct ParseOptions {
  /// When false, parameters are not read (only `type` is set): faster for a plain type check.
  bool parameters = true;
  /// When true, parsing stops at the first `,` outside quotes (for Accept-style lists).
  bool comma = false;
  /// The offset where parsing starts.
  std::size_t start = 0;
};

/// content-type's parse(): lenient, as the package: it never throws and never validates the
/// type (an empty or malformed type yields that text lower-cased; use isValidType() to check).
/// A parameter without `=` is skipped; an unterminated quoted value runs to the end.
ContentType parse(std::string_view header, const ParseOptions& options = {});

/// parse() that also requires `type` to be a valid `token/token`; throws nx::SystemError
/// ERR_INVALID_MEDIA_TYPE ("invalid media type") otherwise. What body parsers and
/// Request::is() use to refuse garbage.
ContentType parseStrict(std::string_view header, const ParseOptions& options = {});

/// The media type of `header` without parameters and without lower-casing: a view into
/// `header` (trimmed of spaces and tabs, cut at the first `;`). Compare it case-insensitively.
/// The allocation-free fast path for "is this JSON?" checks.
std::string_view essence(std::string_view header) noexcept;

/// True if `type` is `token/token` (RFC 9110 media-type without parameters).
bool isValidType(std::string_view type) noexcept;

/// True if `s` is a non-empty RFC 9110 token.
bool isToken(std::string_view s) noexcept;

/// content-type's format(): `type` then `; name=value` for each parameter, the value quoted
/// (with `\` before `"` and `\`) unless it is a token. Throws nx::SystemError
/// ERR_INVALID_ARG_VALUE with the package's messages: "Invalid type: <type>",
/// "Invalid parameter name: <name>", "Invalid parameter value: <value>" (a value with bytes
/// outside HTAB, 0x20-0x7E, 0x80-0xFF).
std::string format(const ContentType& contentType);

/// format() of a type and parameters given separately (no ContentType needed).
std::string format(std::string_view type,
                   const std::vector<std::pair<std::string, std::string>>& parameters = {});

}  // namespace nx::web::content_type
