// SPDX-License-Identifier: MIT
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace nx {

/// Character encodings of Buffer::from / toString / write, named as in Node. A std::string
/// or std::string_view passed as text stands for a JS string and holds its UTF-8 form; text
/// returned by toString() is UTF-8 too, whatever the encoding of the bytes.
enum class Encoding : std::uint8_t {
  Utf8,       ///< "utf8", "utf-8"
  Hex,        ///< "hex": lowercase on output; decoding stops at the first invalid pair
  Base64,     ///< "base64": padded on output; lenient decoding (both alphabets, skips junk)
  Base64Url,  ///< "base64url": unpadded on output; decodes like Base64
  Latin1,     ///< "latin1", "binary": one byte per UTF-16 code unit (low 8 bits)
  Ascii,      ///< "ascii": encodes like Latin1; decoding clears the high bit
  Utf16le,    ///< "utf16le", "ucs2": little-endian UTF-16 code units
  Binary = Latin1,
  Ucs2 = Utf16le,
};

/// Node's Buffer: a view (pointer + length) into reference-counted byte storage.
///
/// Copying a Buffer shares the storage, like copying a JS reference; subarray()/slice() share
/// it too; clone() deep-copies. The count is atomic, so a Buffer may be handed to another
/// thread (the bytes themselves are not synchronised). Constness is shallow, as with
/// std::span and JS `const`: a `const Buffer&` cannot be re-pointed but its bytes can change.
/// Buffer is a contiguous range of uint8_t, so it converts to std::span<uint8_t> and
/// std::span<const uint8_t>. Argument errors throw nx::RangeError / nx::SystemError with
/// Node's codes and messages.
class Buffer {
 public:
  /// Marks "up to the end" in size_t positions (Node's `undefined`).
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  /// Marks "up to the end" in signed positions (Node's `undefined`).
  static constexpr std::ptrdiff_t kEnd = PTRDIFF_MAX;
  /// buffer.constants.MAX_LENGTH of Node 20: the largest size alloc() accepts.
  static constexpr std::size_t kMaxLength = std::size_t{1} << 32;

  /// An empty buffer; allocates nothing.
  Buffer() noexcept = default;
  /// Shares `other`'s storage (one more reference).
  Buffer(const Buffer& other) noexcept;
  /// Takes `other`'s reference; `other` becomes empty.
  Buffer(Buffer&& other) noexcept : block_(other.block_), data_(other.data_), size_(other.size_) {
    other.block_ = nullptr;
    other.data_ = nullptr;
    other.size_ = 0;
  }
  /// Shares `other`'s storage and drops the previous reference.
  Buffer& operator=(const Buffer& other) noexcept;
  /// Takes `other`'s reference and drops the previous one.
  Buffer& operator=(Buffer&& other) noexcept;
  /// Drops the reference; the storage is freed with the last one.
  ~Buffer();

  /// A new zero-filled (or `fill`-filled) buffer of `size` bytes. Throws RangeError
  /// ERR_OUT_OF_RANGE if size > kMaxLength; std::bad_alloc if memory runs out.
  static Buffer alloc(std::size_t size, std::uint8_t fill = 0);
  /// A new buffer of `size` bytes filled by repeating `fill` decoded with `enc` (see fill()).
  static Buffer alloc(std::size_t size, std::string_view fill, Encoding enc = Encoding::Utf8);
  /// A new buffer of `size` bytes with unspecified contents (no zero-fill). Errors as alloc().
  static Buffer allocUnsafe(std::size_t size);
  /// The bytes of `string` decoded with `enc` (Utf8: the bytes as they are). Never throws for
  /// malformed text: decoding follows Node (see Encoding).
  static Buffer from(std::string_view string, Encoding enc = Encoding::Utf8);
  /// A copy of `bytes` (Buffer.from(arrayLike)); also copies a Buffer, as Node does.
  static Buffer from(std::span<const std::uint8_t> bytes);
  /// A buffer holding the listed byte values: `Buffer::from({0x68, 0x69})`.
  static Buffer from(std::initializer_list<std::uint8_t> bytes);
  /// A copy of `length` bytes of `view` from `offset` (clamped; empty if offset >= size).
  static Buffer copyBytesFrom(std::span<const std::uint8_t> view, std::size_t offset = 0,
                              std::size_t length = npos);
  /// The buffers of `list` joined into a new buffer. With `totalLength` the result has
  /// exactly that size: truncated, or zero-filled past the inputs.
  static Buffer concat(std::span<const Buffer> list,
                       std::optional<std::size_t> totalLength = std::nullopt);
  /// concat() for a braced list: `Buffer::concat({a, b})`.
  static Buffer concat(std::initializer_list<Buffer> list,
                       std::optional<std::size_t> totalLength = std::nullopt);
  /// -1, 0 or 1: `a` sorts before, equal to, or after `b` (bytewise, then by length).
  static int compare(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept;
  /// Node's Buffer.byteLength(string, enc): the decoded size (for Base64 an upper bound).
  static std::size_t byteLength(std::string_view string, Encoding enc = Encoding::Utf8) noexcept;
  /// True if `name` is an encoding Node knows (case-insensitive, see parseEncoding()).
  static bool isEncoding(std::string_view name) noexcept;
  /// The Encoding named `name`: "utf8", "utf-8", "hex", "base64", "base64url", "latin1",
  /// "binary", "ascii", "utf16le", "utf-16le", "ucs2", "ucs-2", in any case; nullopt otherwise.
  static std::optional<Encoding> parseEncoding(std::string_view name) noexcept;

  /// The number of bytes.
  std::size_t size() const noexcept { return size_; }
  /// The number of bytes (Node's name).
  std::size_t length() const noexcept { return size_; }
  /// True if size() == 0.
  bool empty() const noexcept { return size_ == 0; }
  /// The first byte; nullptr for a default-constructed buffer.
  std::uint8_t* data() const noexcept { return data_; }
  /// The bytes as chars, valid while any Buffer shares the storage.
  std::string_view byteView() const noexcept {
    return {reinterpret_cast<const char*>(data_), size_};
  }
  /// Byte `i`; unchecked (i < size()).
  std::uint8_t& operator[](std::size_t i) const noexcept { return data_[i]; }
  /// Range access over the bytes.
  std::uint8_t* begin() const noexcept { return data_; }
  /// Range access over the bytes.
  std::uint8_t* end() const noexcept { return data_ + size_; }
  /// The offset of data() in the shared storage (Node's byteOffset).
  std::size_t byteOffset() const noexcept;
  /// How many Buffers share this storage (0 for an empty default buffer); for tests.
  std::size_t useCount() const noexcept;

  /// Bytes [start, end) (clamped to size()) decoded as text with `enc`, returned as UTF-8.
  /// Utf8 replaces each maximal invalid subpart by U+FFFD as V8 does.
  std::string toString(Encoding enc = Encoding::Utf8, std::size_t start = 0,
                       std::size_t end = npos) const;
  /// A view of bytes [start, end) sharing this storage. Negative positions count from the
  /// end; both are clamped to [0, size()]; end <= start gives an empty view.
  Buffer subarray(std::ptrdiff_t start = 0, std::ptrdiff_t end = kEnd) const noexcept;
  /// Same as subarray() (Node's deprecated alias, kept because users know it).
  Buffer slice(std::ptrdiff_t start = 0, std::ptrdiff_t end = kEnd) const noexcept {
    return subarray(start, end);
  }
  /// A deep copy with its own storage.
  Buffer clone() const;

  /// compare() of this[sourceStart, sourceEnd) with target[targetStart, targetEnd). npos
  /// means the end. Throws RangeError ERR_OUT_OF_RANGE if targetEnd > target.size() or
  /// sourceEnd > size().
  int compare(std::span<const std::uint8_t> target, std::size_t targetStart = 0,
              std::size_t targetEnd = npos, std::size_t sourceStart = 0,
              std::size_t sourceEnd = npos) const;
  /// True if both hold the same bytes.
  bool equals(std::span<const std::uint8_t> other) const noexcept;

  /// The first position >= byteOffset where `value` (decoded with `enc`) starts, or -1.
  /// A negative byteOffset counts from the end. An empty needle matches at the clamped
  /// offset, as in Node. Utf16le only matches at even positions.
  std::ptrdiff_t indexOf(std::string_view value, std::ptrdiff_t byteOffset = 0,
                         Encoding enc = Encoding::Utf8) const;
  /// indexOf() of a byte sequence.
  std::ptrdiff_t indexOf(std::span<const std::uint8_t> value, std::ptrdiff_t byteOffset = 0) const;
  /// indexOf() of one byte value.
  std::ptrdiff_t indexOf(std::uint8_t value, std::ptrdiff_t byteOffset = 0) const noexcept;
  /// The last position <= byteOffset where `value` starts, or -1 (default: from the end).
  std::ptrdiff_t lastIndexOf(std::string_view value, std::ptrdiff_t byteOffset = kEnd,
                             Encoding enc = Encoding::Utf8) const;
  /// lastIndexOf() of a byte sequence.
  std::ptrdiff_t lastIndexOf(std::span<const std::uint8_t> value,
                             std::ptrdiff_t byteOffset = kEnd) const;
  /// lastIndexOf() of one byte value.
  std::ptrdiff_t lastIndexOf(std::uint8_t value, std::ptrdiff_t byteOffset = kEnd) const noexcept;
  /// indexOf(value, byteOffset, enc) != -1.
  bool includes(std::string_view value, std::ptrdiff_t byteOffset = 0,
                Encoding enc = Encoding::Utf8) const {
    return indexOf(value, byteOffset, enc) != -1;
  }
  /// indexOf(value, byteOffset) != -1.
  bool includes(std::span<const std::uint8_t> value, std::ptrdiff_t byteOffset = 0) const {
    return indexOf(value, byteOffset) != -1;
  }
  /// indexOf(value, byteOffset) != -1.
  bool includes(std::uint8_t value, std::ptrdiff_t byteOffset = 0) const noexcept {
    return indexOf(value, byteOffset) != -1;
  }

  /// Sets bytes [offset, end) to `value`; offset >= end does nothing. Throws RangeError
  /// ERR_OUT_OF_RANGE if end > size() (npos means size()).
  Buffer& fill(std::uint8_t value, std::size_t offset = 0, std::size_t end = npos);
  /// Fills [offset, end) by repeating `value` decoded with `enc` (cut at `end`). An empty
  /// string fills zeros; a non-empty string that decodes to nothing throws SystemError
  /// ERR_INVALID_ARG_VALUE; range errors as above.
  Buffer& fill(std::string_view value, std::size_t offset = 0, std::size_t end = npos,
               Encoding enc = Encoding::Utf8);
  /// fill(value, 0, npos, enc).
  Buffer& fill(std::string_view value, Encoding enc) { return fill(value, 0, npos, enc); }
  /// Fills [offset, end) by repeating `value`; an empty value throws ERR_INVALID_ARG_VALUE.
  Buffer& fill(std::span<const std::uint8_t> value, std::size_t offset = 0, std::size_t end = npos);

  /// Writes `string` decoded with `enc` at `offset`, at most `length` bytes (npos: up to the
  /// end), and returns the number of bytes written. Utf8 never writes part of a character.
  /// Throws RangeError ERR_OUT_OF_RANGE if offset > size() or length > size().
  std::size_t write(std::string_view string, std::size_t offset = 0, std::size_t length = npos,
                    Encoding enc = Encoding::Utf8);
  /// write(string, 0, npos, enc).
  std::size_t write(std::string_view string, Encoding enc) { return write(string, 0, npos, enc); }
  /// write(string, offset, npos, enc).
  std::size_t write(std::string_view string, std::size_t offset, Encoding enc) {
    return write(string, offset, npos, enc);
  }
  /// Copies this[sourceStart, sourceEnd) to target[targetStart...] (overlap allowed) and
  /// returns the number of bytes copied, limited by both ends. Throws RangeError
  /// ERR_OUT_OF_RANGE if sourceStart > size(); targetStart >= target.size() copies nothing.
  std::size_t copy(std::span<std::uint8_t> target, std::size_t targetStart = 0,
                   std::size_t sourceStart = 0, std::size_t sourceEnd = npos) const;

  // Fixed-width reads at `offset`. They throw RangeError ERR_BUFFER_OUT_OF_BOUNDS if the
  // buffer is shorter than the value, else ERR_OUT_OF_RANGE if offset > size() - width.

  /// Reads an unsigned byte.
  std::uint8_t readUInt8(std::size_t offset = 0) const;
  /// Reads a little-endian uint16.
  std::uint16_t readUInt16LE(std::size_t offset = 0) const;
  /// Reads a big-endian uint16.
  std::uint16_t readUInt16BE(std::size_t offset = 0) const;
  /// Reads a little-endian uint32.
  std::uint32_t readUInt32LE(std::size_t offset = 0) const;
  /// Reads a big-endian uint32.
  std::uint32_t readUInt32BE(std::size_t offset = 0) const;
  /// Reads a signed byte.
  std::int8_t readInt8(std::size_t offset = 0) const;
  /// Reads a little-endian int16.
  std::int16_t readInt16LE(std::size_t offset = 0) const;
  /// Reads a big-endian int16.
  std::int16_t readInt16BE(std::size_t offset = 0) const;
  /// Reads a little-endian int32.
  std::int32_t readInt32LE(std::size_t offset = 0) const;
  /// Reads a big-endian int32.
  std::int32_t readInt32BE(std::size_t offset = 0) const;
  /// Reads a little-endian uint64 (Node returns a BigInt).
  std::uint64_t readBigUInt64LE(std::size_t offset = 0) const;
  /// Reads a big-endian uint64.
  std::uint64_t readBigUInt64BE(std::size_t offset = 0) const;
  /// Reads a little-endian int64.
  std::int64_t readBigInt64LE(std::size_t offset = 0) const;
  /// Reads a big-endian int64.
  std::int64_t readBigInt64BE(std::size_t offset = 0) const;
  /// Reads a little-endian IEEE 754 float.
  float readFloatLE(std::size_t offset = 0) const;
  /// Reads a big-endian IEEE 754 float.
  float readFloatBE(std::size_t offset = 0) const;
  /// Reads a little-endian IEEE 754 double.
  double readDoubleLE(std::size_t offset = 0) const;
  /// Reads a big-endian IEEE 754 double.
  double readDoubleBE(std::size_t offset = 0) const;

  // Fixed-width writes at `offset`; each returns offset + width. Bounds errors as the reads;
  // an integer outside the type's range throws RangeError ERR_OUT_OF_RANGE (as Node does,
  // rather than wrapping), checked before the bounds.

  /// Writes an unsigned byte, value in [0, 255].
  std::size_t writeUInt8(std::int64_t value, std::size_t offset = 0);
  /// Writes a little-endian uint16, value in [0, 65535].
  std::size_t writeUInt16LE(std::int64_t value, std::size_t offset = 0);
  /// Writes a big-endian uint16, value in [0, 65535].
  std::size_t writeUInt16BE(std::int64_t value, std::size_t offset = 0);
  /// Writes a little-endian uint32, value in [0, 4294967295].
  std::size_t writeUInt32LE(std::int64_t value, std::size_t offset = 0);
  /// Writes a big-endian uint32, value in [0, 4294967295].
  std::size_t writeUInt32BE(std::int64_t value, std::size_t offset = 0);
  /// Writes a signed byte, value in [-128, 127].
  std::size_t writeInt8(std::int64_t value, std::size_t offset = 0);
  /// Writes a little-endian int16, value in [-32768, 32767].
  std::size_t writeInt16LE(std::int64_t value, std::size_t offset = 0);
  /// Writes a big-endian int16, value in [-32768, 32767].
  std::size_t writeInt16BE(std::int64_t value, std::size_t offset = 0);
  /// Writes a little-endian int32, value in [-2^31, 2^31 - 1].
  std::size_t writeInt32LE(std::int64_t value, std::size_t offset = 0);
  /// Writes a big-endian int32, value in [-2^31, 2^31 - 1].
  std::size_t writeInt32BE(std::int64_t value, std::size_t offset = 0);
  /// Writes a little-endian uint64.
  std::size_t writeBigUInt64LE(std::uint64_t value, std::size_t offset = 0);
  /// Writes a big-endian uint64.
  std::size_t writeBigUInt64BE(std::uint64_t value, std::size_t offset = 0);
  /// Writes a little-endian int64.
  std::size_t writeBigInt64LE(std::int64_t value, std::size_t offset = 0);
  /// Writes a big-endian int64.
  std::size_t writeBigInt64BE(std::int64_t value, std::size_t offset = 0);
  /// Writes a little-endian float (value rounded to float as Node does).
  std::size_t writeFloatLE(double value, std::size_t offset = 0);
  /// Writes a big-endian float.
  std::size_t writeFloatBE(double value, std::size_t offset = 0);
  /// Writes a little-endian double.
  std::size_t writeDoubleLE(double value, std::size_t offset = 0);
  /// Writes a big-endian double.
  std::size_t writeDoubleBE(double value, std::size_t offset = 0);

  /// Node's util.inspect form: "<Buffer 68 69>", at most 50 bytes then " ... N more bytes".
  std::string inspect() const;

  /// Bytewise equality (Node's buf.equals).
  friend bool operator==(const Buffer& a, const Buffer& b) noexcept { return a.equals(b); }
  /// Bytewise ordering, as Buffer::compare.
  friend std::strong_ordering operator<=>(const Buffer& a, const Buffer& b) noexcept {
    return compare(a, b) <=> 0;
  }

 private:
  struct Block;
  Buffer(Block* block, std::uint8_t* data, std::size_t size) noexcept
      : block_(block), data_(data), size_(size) {}

  Block* block_ = nullptr;
  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace nx
