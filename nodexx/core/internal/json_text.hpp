// SPDX-License-Identifier: MIT
// JSON text as JSON.stringify writes it: strings, integers and numbers appended to a std::string.
// Shared by the core's .cpp files; never included by public headers.
#pragma once

#include <charconv>
#include <string>
#include <string_view>

namespace nx::detail {

/// A JSON string as JSON.stringify writes it, with invalid UTF-8 replaced by U+FFFD.
void appendJsonString(std::string& out, std::string_view s);

/// An integer in decimal.
template <class I>
void appendJsonInt(std::string& out, I v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

/// A double as JavaScript's Number.prototype.toString prints it (ECMA-262 Number::toString):
/// the shortest round-trip digits, positional for exponents in [-7, 21), else `de+n`. NaN and
/// the infinities become null, and -0 becomes 0, as in JSON.stringify.
void appendJsonNumber(std::string& out, double v);

}  // namespace nx::detail
