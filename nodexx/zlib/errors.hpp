// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <string_view>

#include "nodexx/core/errors.hpp"

/// The error catalogue of nx::zlib. Codes and messages are Node 20's, checked against `node`
/// (tests/node_oracle/scenarios/zlib_errors.js).
namespace nx::zlib {

/// A failure reported by zlib or brotli while (de)compressing, as Node's zlib errors: name
/// "Error", code() the zlib status name or brotli error name, errnum() Node's `errno`
/// property, what() the library's message. Examples:
/// - corrupt zlib/gzip header: code "Z_DATA_ERROR", errnum -3, "incorrect header check";
/// - truncated input (finished without the end of the stream): "Z_BUF_ERROR", -5,
///   "unexpected end of file" (also for brotli);
/// - corrupt brotli: "ERR__ERROR_FORMAT_PADDING_1" (brotli's error name with "ERR_"), errnum
///   the brotli error code (negative), "Decompression failed";
/// - a stream made with a preset dictionary, none given: "Z_NEED_DICT", 2, "Missing
///   dictionary" ("Bad dictionary" when the given one does not match).
class ZlibError : public SystemError {
 public:
  ZlibError(std::string code, const std::string& message, int errnum);
  /// Node's `err.errno` (a zlib status such as Z_DATA_ERROR = -3, or a brotli error code).
  /// Not named errno(): `errno` is a macro.
  int errnum() const noexcept { return errnum_; }

 private:
  int errnum_;
};

/// Stable codes thrown by this module (besides the zlib/brotli ones carried by ZlibError).
namespace codes {
/// RangeError: output would exceed maxOutputLength ("Cannot create a Buffer larger than N
/// bytes").
inline constexpr std::string_view kErrBufferTooLarge = "ERR_BUFFER_TOO_LARGE";
/// RangeError: an option is outside its range (Node's message, e.g. `The value of
/// "options.level" is out of range. It must be >= -1 and <= 9. Received 10`).
inline constexpr std::string_view kErrOutOfRange = "ERR_OUT_OF_RANGE";
/// SystemError: the engine rejected its parameters or memory ran out ("Initialization
/// failed").
inline constexpr std::string_view kErrZlibInitializationFailed = "ERR_ZLIB_INITIALIZATION_FAILED";
/// ZlibError (errnum -1): brotli's encoder failed ("Compression failed").
inline constexpr std::string_view kErrBrotliCompressionFailed = "ERR_BROTLI_COMPRESSION_FAILED";
}  // namespace codes

}  // namespace nx::zlib
