// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>

#include "nodexx/core/buffer.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/zlib/errors.hpp"

/// Node's zlib module: gzip, deflate (zlib wrapper), raw deflate and brotli, one-shot and (in
/// zlib_stream.hpp) as Transform streams. Formats, options, defaults, errors and output match
/// Node 20, with one deliberate difference: decompression output is limited by default
/// (kDefaultMaxOutputLength, 64 MiB), where Node allows up to 4 GiB.
///
/// The promise forms run the whole job on libuv's thread pool (shared with fs, DNS and crypto,
/// see nx::threadpool) and settle on the calling loop's thread; they must be called on a loop
/// thread. The `...Sync` forms run on the calling thread and block it (Node's naming), and may
/// be called from any thread.
///
/// Errors, as Node reports them (see errors.hpp):
/// - corrupt or truncated input: ZlibError ("Z_DATA_ERROR" -3 "incorrect header check",
///   "Z_BUF_ERROR" -5 "unexpected end of file", brotli "ERR__ERROR_FORMAT_..." "Decompression
///   failed");
/// - output larger than maxOutputLength: RangeError "ERR_BUFFER_TOO_LARGE" "Cannot create a
///   Buffer larger than N bytes", raised as soon as the output passes the limit (memory use
///   stays within the limit plus one chunk);
/// - an option out of range: RangeError "ERR_OUT_OF_RANGE" with Node's message.
/// Promise forms reject with these; Sync forms throw them.
namespace nx::zlib {

/// zlib flush values (zlib.constants.Z_NO_FLUSH ... Z_BLOCK), same numbers as Node's.
enum class Flush : int {
  NoFlush = 0,       ///< Z_NO_FLUSH: let the engine decide when to emit
  PartialFlush = 1,  ///< Z_PARTIAL_FLUSH
  SyncFlush = 2,     ///< Z_SYNC_FLUSH: emit everything so far, byte-aligned (SSE, chat)
  FullFlush = 3,     ///< Z_FULL_FLUSH: as SyncFlush and reset the dictionary
  Finish = 4,        ///< Z_FINISH: end the stream
  Block = 5,         ///< Z_BLOCK
};

/// zlib compression strategies (zlib.constants.Z_FILTERED ...).
enum class Strategy : int {
  Default = 0,      ///< Z_DEFAULT_STRATEGY
  Filtered = 1,     ///< Z_FILTERED
  HuffmanOnly = 2,  ///< Z_HUFFMAN_ONLY
  Rle = 3,          ///< Z_RLE
  Fixed = 4,        ///< Z_FIXED
};

/// Brotli operations (zlib.constants.BROTLI_OPERATION_PROCESS ...).
enum class BrotliOperation : int {
  Process = 0,       ///< BROTLI_OPERATION_PROCESS
  Flush = 1,         ///< BROTLI_OPERATION_FLUSH: emit everything so far
  Finish = 2,        ///< BROTLI_OPERATION_FINISH: end the stream
  EmitMetadata = 3,  ///< BROTLI_OPERATION_EMIT_METADATA
};

/// Brotli encoder modes (zlib.constants.BROTLI_MODE_GENERIC ...).
enum class BrotliMode : std::uint32_t {
  Generic = 0,  ///< BROTLI_MODE_GENERIC (the default)
  Text = 1,     ///< BROTLI_MODE_TEXT: UTF-8 text
  Font = 2,     ///< BROTLI_MODE_FONT: WOFF 2.0 fonts
};

/// zlib levels (Z_NO_COMPRESSION, Z_BEST_SPEED, Z_BEST_COMPRESSION, Z_DEFAULT_COMPRESSION).
inline constexpr int kNoCompression = 0;
inline constexpr int kBestSpeed = 1;
inline constexpr int kBestCompression = 9;
inline constexpr int kDefaultCompression = -1;  ///< zlib's default, level 6

/// Node's Z_DEFAULT_CHUNK: the size of each output chunk, in bytes.
inline constexpr std::size_t kDefaultChunk = 16 * 1024;
/// Node's Z_MIN_CHUNK: the smallest accepted chunkSize.
inline constexpr std::size_t kMinChunk = 64;
/// Node's kMaxLength (4 GiB): the largest one-shot output and the default maxOutputLength of
/// compressors.
inline constexpr std::size_t kMaxLength = Buffer::kMaxLength;
/// The default maxOutputLength of decompressors (one-shot and streams): 64 MiB. Node's is
/// kMaxLength; a finite default stops decompression bombs (a 64 KiB gzip body can inflate to
/// 64 MiB). Raise it per call for larger trusted data.
inline constexpr std::size_t kDefaultMaxOutputLength = std::size_t{64} << 20;
/// maxOutputLength value for "no limit"; accepted by the streams only (a one-shot result is one
/// Buffer, at most kMaxLength).
inline constexpr std::size_t kUnlimited = static_cast<std::size_t>(-1);

/// Node's zlib options (class Options) for gzip, deflate, deflateRaw and their inverses and
/// unzip. Trivially destructible, as every option struct of a Promise API (g++ 12 rule, see
/// core/README.md). Out-of-range values throw/reject with RangeError ERR_OUT_OF_RANGE.
struct Options {
  /// The flush applied to each write (streams). Default NoFlush.
  Flush flush = Flush::NoFlush;
  /// The flush applied to the last write (end of a stream, or the one-shot call). Default
  /// Finish; SyncFlush lets truncated input decompress without "unexpected end of file".
  Flush finishFlush = Flush::Finish;
  /// Output chunk size in bytes, >= kMinChunk. Default kDefaultChunk (16 KiB).
  std::size_t chunkSize = kDefaultChunk;
  /// log2 of the window size: 9..15 for gzip, 8..15 for the others (8 becomes 9 for
  /// deflateRaw, as in Node). Unset: 15 for compressors, and for inflate/gunzip/unzip the
  /// value in the stream's header (0 means the same).
  std::optional<int> windowBits = std::nullopt;
  /// Compression level -1..9 (kDefaultCompression, kNoCompression .. kBestCompression).
  int level = kDefaultCompression;
  /// Compressor memory use 1..9. Default 8.
  int memLevel = 8;
  /// Compression strategy. Default Strategy::Default.
  Strategy strategy = Strategy::Default;
  /// Preset dictionary for deflate/inflate and their raw forms (gzip ignores it, as Node).
  /// Copied when the call starts: it need not outlive the call.
  std::span<const std::uint8_t> dictionary = {};
  /// Output limit in bytes; exceeding it fails with RangeError ERR_BUFFER_TOO_LARGE. One-shot:
  /// 1..kMaxLength; streams also accept larger values and kUnlimited. Unset:
  /// kDefaultMaxOutputLength for decompressors, kMaxLength for compressors.
  std::optional<std::size_t> maxOutputLength = std::nullopt;
};

/// Brotli parameters (Node's `params`, keyed there by zlib.constants.BROTLI_PARAM_*). Unset
/// fields keep brotli's defaults; values outside brotli's ranges are clamped by brotli, as in
/// Node. Encoder fields are ignored by the decoder and vice versa.
struct BrotliParams {
  /// BROTLI_PARAM_MODE. Default Generic.
  std::optional<BrotliMode> mode = std::nullopt;
  /// BROTLI_PARAM_QUALITY, 0..11. Default 11 (BROTLI_DEFAULT_QUALITY), the slowest; web
  /// servers usually pick 4..6 for dynamic content.
  std::optional<std::uint32_t> quality = std::nullopt;
  /// BROTLI_PARAM_LGWIN, log2 of the window, 10..24. Default 22.
  std::optional<std::uint32_t> lgwin = std::nullopt;
  /// BROTLI_PARAM_LGBLOCK, 16..24 or 0 (automatic, the default).
  std::optional<std::uint32_t> lgblock = std::nullopt;
  /// BROTLI_PARAM_DISABLE_LITERAL_CONTEXT_MODELING.
  std::optional<bool> disableLiteralContextModeling = std::nullopt;
  /// BROTLI_PARAM_SIZE_HINT: the expected input size in bytes (0: unknown).
  std::optional<std::uint32_t> sizeHint = std::nullopt;
  /// BROTLI_PARAM_LARGE_WINDOW (encoder) and BROTLI_DECODER_PARAM_LARGE_WINDOW (decoder):
  /// non-standard windows up to 30 bits; both sides must enable it.
  std::optional<bool> largeWindow = std::nullopt;
  /// BROTLI_PARAM_NPOSTFIX, 0..3.
  std::optional<std::uint32_t> npostfix = std::nullopt;
  /// BROTLI_PARAM_NDIRECT.
  std::optional<std::uint32_t> ndirect = std::nullopt;
  /// BROTLI_DECODER_PARAM_DISABLE_RING_BUFFER_REALLOCATION (decoder).
  std::optional<bool> disableRingBufferReallocation = std::nullopt;
};

/// Node's BrotliOptions. Trivially destructible (g++ 12 rule).
struct BrotliOptions {
  /// The operation applied to each write (streams). Default Process.
  BrotliOperation flush = BrotliOperation::Process;
  /// The operation applied to the last write. Default Finish.
  BrotliOperation finishFlush = BrotliOperation::Finish;
  /// Output chunk size in bytes, >= kMinChunk. Default kDefaultChunk (16 KiB).
  std::size_t chunkSize = kDefaultChunk;
  /// Encoder/decoder parameters.
  BrotliParams params = {};
  /// As Options::maxOutputLength.
  std::optional<std::size_t> maxOutputLength = std::nullopt;
};

static_assert(std::is_trivially_destructible_v<Options>);
static_assert(std::is_trivially_destructible_v<BrotliOptions>);

/// gzip-compresses `buffer` (RFC 1952; zlib.gzip). Fulfills with the compressed bytes.
Promise<Buffer> gzip(Buffer buffer, Options options = {});
/// Decompresses gzip data (zlib.gunzip). Concatenated gzip members are decompressed one after
/// the other and joined, trailing zero bytes are ignored, other trailing bytes fail with
/// Z_DATA_ERROR "incorrect header check" (as Node).
Promise<Buffer> gunzip(Buffer buffer, Options options = {});
/// zlib-format compression (RFC 1950; zlib.deflate, HTTP's "deflate").
Promise<Buffer> deflate(Buffer buffer, Options options = {});
/// Decompresses zlib-format data (zlib.inflate); bytes after the end of the stream are ignored.
Promise<Buffer> inflate(Buffer buffer, Options options = {});
/// Raw deflate, no header or checksum (RFC 1951; zlib.deflateRaw).
Promise<Buffer> deflateRaw(Buffer buffer, Options options = {});
/// Decompresses raw deflate data (zlib.inflateRaw).
Promise<Buffer> inflateRaw(Buffer buffer, Options options = {});
/// Decompresses gzip or zlib-format data, detected from the header (zlib.unzip).
Promise<Buffer> unzip(Buffer buffer, Options options = {});
/// Brotli compression (RFC 7932; zlib.brotliCompress). Default quality 11 is slow for large
/// inputs: set options.params.quality.
Promise<Buffer> brotliCompress(Buffer buffer, BrotliOptions options = {});
/// Brotli decompression (zlib.brotliDecompress).
Promise<Buffer> brotliDecompress(Buffer buffer, BrotliOptions options = {});

/// gzip() on the calling thread (zlib.gzipSync): blocks it; throws instead of rejecting.
Buffer gzipSync(Buffer buffer, const Options& options = {});
/// gunzip() on the calling thread (zlib.gunzipSync).
Buffer gunzipSync(Buffer buffer, const Options& options = {});
/// deflate() on the calling thread (zlib.deflateSync).
Buffer deflateSync(Buffer buffer, const Options& options = {});
/// inflate() on the calling thread (zlib.inflateSync).
Buffer inflateSync(Buffer buffer, const Options& options = {});
/// deflateRaw() on the calling thread (zlib.deflateRawSync).
Buffer deflateRawSync(Buffer buffer, const Options& options = {});
/// inflateRaw() on the calling thread (zlib.inflateRawSync).
Buffer inflateRawSync(Buffer buffer, const Options& options = {});
/// unzip() on the calling thread (zlib.unzipSync).
Buffer unzipSync(Buffer buffer, const Options& options = {});
/// brotliCompress() on the calling thread (zlib.brotliCompressSync).
Buffer brotliCompressSync(Buffer buffer, const BrotliOptions& options = {});
/// brotliDecompress() on the calling thread (zlib.brotliDecompressSync).
Buffer brotliDecompressSync(Buffer buffer, const BrotliOptions& options = {});

/// The CRC-32 (as gzip's) of `data`, continuing from `value` (zlib.crc32(data, value)):
/// crc32(b, crc32(a)) == crc32(a + b). Any thread.
std::uint32_t crc32(std::span<const std::uint8_t> data, std::uint32_t value = 0) noexcept;
/// crc32() of the bytes of `data` (a JS string is hashed as its UTF-8 bytes, as Node).
std::uint32_t crc32(std::string_view data, std::uint32_t value = 0) noexcept;

}  // namespace nx::zlib
