// SPDX-License-Identifier: MIT
// The codec engine behind the one-shot functions and the streams: one zlib or brotli state
// driven the way Node's ZlibContext / BrotliContext drive theirs. Not thread-safe: one thread
// at a time (the streams hand it to one pool job at a time).
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "nodexx/core/buffer.hpp"
#include "nodexx/zlib/zlib.hpp"

namespace nx::zlib::detail {

/// Node's zlib modes.
enum class Mode : std::uint8_t {
  Deflate,
  Inflate,
  Gzip,
  Gunzip,
  DeflateRaw,
  InflateRaw,
  Unzip,
  BrotliEncode,
  BrotliDecode,
};

/// True for the modes that decompress.
bool isDecompressor(Mode mode) noexcept;

/// Which API validates the options: one-shot results are one Buffer (limit <= kMaxLength),
/// streams accept any limit.
enum class Api : std::uint8_t { OneShot, Stream };

class Codec {
 public:
  virtual ~Codec() = default;
  Codec(const Codec&) = delete;
  Codec& operator=(const Codec&) = delete;

  /// A validated engine for `mode`; throws RangeError ERR_OUT_OF_RANGE for a bad option and
  /// SystemError ERR_ZLIB_INITIALIZATION_FAILED if the library refuses.
  static std::unique_ptr<Codec> create(Mode mode, const Options& options, Api api);
  static std::unique_ptr<Codec> create(Mode mode, const BrotliOptions& options, Api api);

  /// Sets the next input and the flush (a zlib flush value, or a brotli operation) for the
  /// following step() calls. `input` must stay valid until it is consumed or replaced.
  void setInput(std::span<const std::uint8_t> input, int flush) noexcept;

  /// One engine call into the current output chunk (Node's handle.write). Returns the bytes
  /// produced, a slice of the chunk (possibly empty). Afterwards outputFull() says whether the
  /// chunk filled up, in which case the engine may have more and step() must be called again.
  /// Throws ZlibError or RangeError ERR_BUFFER_TOO_LARGE; after a throw every step rethrows
  /// the same error.
  Buffer step();

  /// Runs step() until the output chunk is not full (Node's processChunkSync), appending the
  /// output to `out`.
  void writeAll(std::span<const std::uint8_t> input, int flush, std::vector<Buffer>& out);

  bool outputFull() const noexcept { return outputFull_; }
  /// Input bytes not consumed yet.
  std::size_t availIn() const noexcept { return availIn_; }
  /// Output bytes produced so far.
  std::size_t totalOut() const noexcept { return totalOut_; }
  /// The flush of ordinary writes and of the last write, as given in the options.
  int defaultFlush() const noexcept { return defaultFlush_; }
  int finishFlush() const noexcept { return finishFlush_; }
  /// The flush that flush() uses by default: Z_FULL_FLUSH, or BROTLI_OPERATION_FLUSH.
  int fullFlush() const noexcept { return fullFlush_; }
  /// The flush of the first flush value that is at least as strong as both (Node's maxFlush).
  int maxFlush(int a, int b) const noexcept;
  Mode mode() const noexcept { return mode_; }

 protected:
  Codec(Mode mode, std::size_t chunkSize, std::size_t maxOutputLength, int defaultFlush,
        int finishFlush, int fullFlush) noexcept;
  /// One library call: consume from in_/availIn_ with flush_, write at most `room` bytes at
  /// `out`, return how many were written. Throws ZlibError for a library error.
  virtual std::size_t run(std::uint8_t* out, std::size_t room) = 0;

  Mode mode_;
  const std::uint8_t* in_ = nullptr;
  std::size_t availIn_ = 0;
  int flush_ = 0;
  /// Set by run() when the library took only part of the input for its own reasons (a size
  /// cap) although it could take more: step() then reports outputFull().
  bool moreToDo_ = false;

 private:
  std::size_t chunkSize_;
  std::size_t maxOutputLength_;
  int defaultFlush_;
  int finishFlush_;
  int fullFlush_;
  Buffer chunk_;
  std::size_t chunkOffset_ = 0;
  std::size_t totalOut_ = 0;
  bool outputFull_ = false;
  std::exception_ptr failed_;
};

/// The one-shot operation: the whole input with the finish flush, output joined.
Buffer processAll(Codec& codec, const Buffer& input);

/// Throws Node's RangeError ERR_OUT_OF_RANGE for option `name`: "The value of "<name>" is
/// out of range. It must be <range>. Received <value>" (integers above 2^32 printed with "_"
/// separators, as Node).
[[noreturn]] void throwOutOfRange(std::string_view name, std::string_view range,
                                  std::int64_t value);

/// The output limit from the options: the default for `mode` when unset; RangeError
/// ERR_OUT_OF_RANGE when outside 1..kMaxLength (one-shot) or 0 (streams).
std::size_t resolveOutputLimit(const std::optional<std::size_t>& requested, Mode mode, Api api);
/// RangeError ERR_OUT_OF_RANGE unless chunkSize >= kMinChunk.
void checkOutputChunkSize(std::size_t chunkSize);
/// RangeError ERR_OUT_OF_RANGE unless lo <= value <= hi.
void checkOptionRange(std::string_view name, int value, int lo, int hi);

}  // namespace nx::zlib::detail
