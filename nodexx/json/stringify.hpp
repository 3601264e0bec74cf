// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include "nodexx/json/value.hpp"

namespace nx::json {

/// Formatting of stringify() and Writer. Trivially destructible.
struct StringifyOptions {
  /// Spaces per nesting level (JSON.stringify's `space`): 0 (default) writes compact JSON;
  /// values above 10 are clamped to 10, as in JS.
  int indent = 0;
  /// Write U+2028 and U+2029 as `\u2028` / `\u2029` (default true), so that the output can be
  /// embedded in JavaScript source and HTML <script> blocks. JSON.stringify writes them raw;
  /// false gives its output byte for byte.
  bool escapeLineSeparators = true;
};

/// JSON.stringify of `value`.
///
/// Output is always valid UTF-8: strings escape `"`, `\` and control characters (`\b \f \n
/// \r \t`, others `\u00XX`), each maximal invalid UTF-8 subpart of a string becomes U+FFFD
/// (written raw, as TextDecoder and Buffer.toString do), and see escapeLineSeparators.
/// Integers are written exactly; doubles as JavaScript prints them (shortest round-trip
/// digits, exponent form below 1e-6 and from 1e21, -0 as 0); NaN and infinities as null.
/// Objects keep member order. Throws only std::bad_alloc.
std::string stringify(const Value& value, const StringifyOptions& options = {});

}  // namespace nx::json
