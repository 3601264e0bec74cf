// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "nodexx/core/buffer.hpp"
#include "nodexx/stream/duplex.hpp"

namespace nx::stream {

/// LineSplitter's default maxLineLength: 64 KiB, well above any sane CSV/NDJSON record and
/// small enough that a file without newlines cannot exhaust memory.
inline constexpr std::size_t kDefaultMaxLineLength = 64 * 1024;

/// Options of LineSplitter.
struct LineSplitterOptions {
  /// Longest accepted line in bytes, without its "\n" / "\r\n". Longer lines fail with
  /// ERR_STREAM_LINE_TOO_LONG instead of being buffered without bound.
  std::size_t maxLineLength = kDefaultMaxLineLength;
  /// The readable side's high water mark, in lines (default 16).
  std::size_t readableHighWaterMark = kDefaultHighWaterMark;
  /// The writable side's high water mark, in bytes (default 16 KiB).
  std::size_t writableHighWaterMark = kDefaultHighWaterMark;
};

/// The splitting logic of LineSplitter on its own, for parsers that do not need a stream.
/// Lines end at "\n"; a "\r" right before it is removed; bytes are not decoded (UTF-8 passes
/// through unchanged, as does a lone "\r" elsewhere).
class LineDecoder {
 public:
  explicit LineDecoder(std::size_t maxLineLength = kDefaultMaxLineLength) noexcept
      : max_(maxLineLength) {}

  /// Appends every complete line in `bytes` (with what was held from earlier calls) to `out`.
  /// Returns false if a line exceeded maxLineLength; the decoder is then unusable.
  bool write(std::span<const std::uint8_t> bytes, std::vector<std::string>& out);
  /// The last line when the input did not end with "\n" (nullopt when nothing is held).
  std::optional<std::string> end();
  /// Bytes held for the current, unfinished line.
  std::size_t pending() const noexcept { return partial_.size(); }
  std::size_t maxLineLength() const noexcept { return max_; }

 private:
  bool append(const char* data, std::size_t n);
  std::string partial_;
  std::size_t max_;
  bool failed_ = false;
};

/// A Transform from bytes to lines (std::string, object mode) for large CSV/NDJSON input:
/// splits on "\n", strips a "\r" before it, emits the last line even without a trailing
/// newline, and works with lines spread across any chunking. A line longer than
/// maxLineLength destroys the stream with ERR_STREAM_LINE_TOO_LONG.
/// ```
/// co_await stream::pipeline(fs::createReadStream("big.ndjson"),
///                           std::make_shared<stream::LineSplitter>(), sink);
/// ```
class LineSplitter final : public Transform<Buffer, std::string> {
 public:
  explicit LineSplitter(LineSplitterOptions options = {});

 protected:
  void _transform(Buffer chunk, Callback callback) override;
  void _flush(Callback callback) override;

 private:
  LineDecoder decoder_;
  std::vector<std::string> lines_;
};

}  // namespace nx::stream
