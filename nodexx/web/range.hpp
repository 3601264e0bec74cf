// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nx::web {

/// One byte range, both ends inclusive (as `range-parser` and `Content-Range`).
struct ByteRange {
  std::uint64_t start = 0;
  std::uint64_t end = 0;  ///< inclusive; `end - start + 1` bytes
  friend bool operator==(const ByteRange&, const ByteRange&) = default;
};

/// Options of parseRange().
struct RangeParserOptions {
  /// Merge overlapping and adjacent ranges (range-parser's `combine`); the merged ranges keep
  /// the order in which their first member appeared. Default false, as the package.
  bool combine = false;
  /// Most comma-separated items read; a header with more is Malformed. range-parser has no
  /// limit (the header size limit bounds it); this bounds the work and the result's memory.
  /// Default 100.
  std::size_t maxRanges = 100;
};

/// The result of parseRange(): ranges, or -1 / -2 as range-parser returns them.
struct RangeResult {
  enum class Status : int {
    Ok = 0,
    Unsatisfiable = -1,  ///< well formed, but no range lies within the entity (416)
    Malformed = -2,      ///< not a range header this parser understands (ignore it: 200)
  };
  Status status = Status::Malformed;
  /// The unit before `=`, e.g. "bytes" (a view into the header; empty unless Ok).
  std::string_view type;
  /// The satisfiable ranges, clamped to the entity (empty unless Ok).
  std::vector<ByteRange> ranges;

  bool ok() const noexcept { return status == Status::Ok; }
  /// range-parser's numeric form: -1, -2, or the number of ranges.
  int code() const noexcept {
    return status == Status::Ok ? static_cast<int>(ranges.size()) : static_cast<int>(status);
  }
};

/// Parses a `Range` header for an entity of `size` bytes, exactly as the `range-parser` 1.3
/// npm package (which Express's req.range() and `send` use):
/// - no `=`: Malformed; the unit is whatever precedes the first `=` (not checked here);
/// - each comma-separated item is `first-last`, `first-` (to the end) or `-suffix` (the last
///   `suffix` bytes); positions are runs of ASCII digits after trimming whitespace (JavaScript's
///   trim, including U+00A0 read as the latin-1 byte 0xA0); an item without `-`, or with a
///   non-numeric position, or `-` alone, makes the whole header Malformed;
/// - `last` beyond the entity is clamped to `size - 1`; items with first > last (after
///   clamping) or starting beyond the entity are skipped;
/// - no item left: Unsatisfiable.
/// Positions beyond 2^53 behave as JavaScript numbers do (rounded). More than
/// `options.maxRanges` items: Malformed. Never throws (except std::bad_alloc).
RangeResult parseRange(std::uint64_t size, std::string_view header,
                       RangeParserOptions options = {});

/// A `Content-Range` value: `bytes <start>-<end>/<size>`.
std::string contentRange(std::uint64_t size, ByteRange range);
/// The unsatisfiable form for a 416: `bytes */<size>`.
std::string contentRangeUnsatisfied(std::uint64_t size);

}  // namespace nx::web
