// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "nodexx/json/errors.hpp"
#include "nodexx/json/value.hpp"

namespace nx {
class Buffer;
}

namespace nx::json {

/// Limits of parse(). Every limit is checked before the document is accepted; a breach throws
/// ParseError with code ERR_JSON_LIMIT. Trivially destructible (safe to pass to coroutines).
struct ParseOptions {
  /// Largest accepted input, in bytes (default 1 MiB). The web layer's body limit usually
  /// bites first; raise both for bigger documents.
  std::size_t maxBytes = std::size_t{1} << 20;
  /// Deepest nesting of arrays and objects (default 64; `[[1]]` has depth 2). Bounds the
  /// recursion of everything that walks a Value.
  std::size_t maxDepth = 64;
  /// Longest string (key or value), in bytes after unescaping (default 1 MiB).
  std::size_t maxStringBytes = std::size_t{1} << 20;
  /// Most elements in one array (default 1,000,000).
  std::size_t maxArrayLength = 1'000'000;
  /// Most members in one object, counting duplicates (default 100,000).
  std::size_t maxObjectMembers = 100'000;
};

/// JSON.parse: the RFC 8259 JSON text `text` as a Value.
///
/// Accepts exactly RFC 8259 (no comments, NaN, trailing commas, leading zeros, single quotes;
/// strings must be valid UTF-8; any top-level value; whitespace around it). Duplicate keys:
/// the last value wins, at the position of the first (JSON.parse). Numbers: integers that fit
/// int64/uint64 stay exact, others become double (integers beyond 64 bits too, as in JS).
/// Throws ParseError: code ERR_JSON_PARSE with a V8-style message and offset() for malformed
/// text, ERR_JSON_LIMIT when `options` are exceeded. The input is copied once into a padded
/// buffer; the std::string& overload avoids that copy.
Value parse(std::string_view text, const ParseOptions& options = {});

/// As parse(std::string_view), without copying: `text`'s capacity is grown (its contents and
/// size never change) so that the parser may read the padding it needs past the end.
Value parse(std::string& text, const ParseOptions& options = {});

/// As parse(std::string_view) over the bytes of `bytes` (an HTTP body). Copies into a padded
/// buffer, since a Buffer's spare capacity is not known.
Value parse(const Buffer& bytes, const ParseOptions& options = {});

}  // namespace nx::json
