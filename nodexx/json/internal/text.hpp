// SPDX-License-Identifier: MIT
// JSON text output shared by the writer and stringify: strings and numbers appended to a
// std::string exactly as JSON.stringify writes them.
#pragma once

#include <string>
#include <string_view>

namespace nx::json::detail {

/// `s` as a quoted JSON string: escapes `"`, `\` and controls (short forms where JSON has
/// them, else \u00xx), U+2028/U+2029 as \u2028/\u2029 when `escapeLineSeparators`, and
/// replaces each maximal invalid UTF-8 subpart by U+FFFD (raw bytes EF BF BD).
void appendString(std::string& out, std::string_view s, bool escapeLineSeparators);

/// `d` as JavaScript's Number::toString writes it; NaN and infinities as null, -0 as 0.
void appendDouble(std::string& out, double d);

}  // namespace nx::json::detail
