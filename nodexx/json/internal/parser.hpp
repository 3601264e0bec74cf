// SPDX-License-Identifier: MIT
// Shared by parse.cpp (the simdjson fast path) and reader.cpp (the exact reader that decides
// whatever the fast path rejects, and locates errors).
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "nodexx/json/parse.hpp"
#include "nodexx/json/value.hpp"

namespace nx::json::detail {

/// The deepest nesting honoured whatever ParseOptions::maxDepth says: parsing, copying,
/// comparing and destroying a Value recurse once per level, and this keeps that well inside
/// the smallest thread stack nodexx runs on.
inline constexpr std::size_t kMaxDepthCap = 1024;

/// Builder access to an Object's members.
struct ObjectAccess {
  static std::vector<Object::Member>& members(Object& o) noexcept { return o.members_; }
  /// Makes keys unique as JSON.parse does: a repeated key keeps the position of its first
  /// occurrence and the value of its last. O(n) without duplicates for small objects,
  /// O(n log n) for large ones; allocates only when a duplicate exists or n > 16.
  static void dedupe(Object& o);
};

/// The reference parser: RFC 8259 exactly, with JavaScript's number semantics (integers beyond
/// 64 bits become doubles, 1e400 becomes Infinity) and lone surrogate escapes read as U+FFFD.
/// Throws ParseError with the precise offset and a V8-style message. Slower than simdjson; used
/// when the fast path fails, so errors and edge cases are decided here.
Value readJson(std::string_view text, const ParseOptions& options);

/// The ParseError for input larger than options.maxBytes.
[[noreturn]] void throwTooLarge(std::size_t size, const ParseOptions& options);

}  // namespace nx::json::detail
