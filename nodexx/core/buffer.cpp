// SPDX-License-Identifier: MIT
#include "nodexx/core/buffer.hpp"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstring>
#include <limits>
#include <new>
#include <utility>

#include "nodexx/core/errors.hpp"
#include "nodexx/core/internal/encoding.hpp"

namespace nx {

// ---------------------------------------------------------------------------------------------
// Storage

struct alignas(std::max_align_t) Buffer::Block {
  std::atomic<std::size_t> refs{1};
  std::uint8_t* bytes() noexcept { return reinterpret_cast<std::uint8_t*>(this + 1); }
};

namespace {

using Bytes = std::span<const std::uint8_t>;

// Node prints integers above 2^32 with "_" separators in ERR_OUT_OF_RANGE messages.
std::string formatReceived(long double value) {
  bool negative = value < 0;
  long double magnitude = negative ? -value : value;
  std::string digits = std::to_string(static_cast<unsigned long long>(magnitude));
  if (magnitude > 4294967296.0L) {
    std::string grouped;
    std::size_t lead = digits.size() % 3 == 0 ? 3 : digits.size() % 3;
    grouped = digits.substr(0, lead);
    for (std::size_t i = lead; i < digits.size(); i += 3) grouped += "_" + digits.substr(i, 3);
    digits = std::move(grouped);
  }
  return negative ? "-" + digits : digits;
}

[[noreturn]] void throwOutOfRange(std::string_view name, std::string_view range,
                                  long double received) {
  throw RangeError("ERR_OUT_OF_RANGE", "The value of \"" + std::string(name) +
                                           "\" is out of range. It must be " + std::string(range) +
                                           ". Received " + formatReceived(received));
}

// validateOffset(value, name, 0, max) of Node's buffer.js.
void checkOffset(std::size_t value, std::string_view name, std::size_t max) {
  if (value > max)
    throwOutOfRange(name, ">= 0 && <= " + std::to_string(max), static_cast<long double>(value));
}

// Node's checkBounds/boundsError for fixed-width reads and writes.
void checkBounds(std::size_t size, std::size_t offset, std::size_t width) {
  if (size >= width && offset <= size - width) return;
  if (size < width)
    throw RangeError("ERR_BUFFER_OUT_OF_BOUNDS", "Attempt to access memory outside buffer bounds");
  throwOutOfRange("offset", ">= 0 and <= " + std::to_string(size - width),
                  static_cast<long double>(offset));
}

void checkIntValue(std::int64_t value, std::int64_t min, std::int64_t max) {
  if (value < min || value > max)
    throwOutOfRange("value", ">= " + std::to_string(min) + " and <= " + std::to_string(max),
                    static_cast<long double>(value));
}

// Node's IndexOfOffset: a start position inside [0, length), `length` for an empty needle
// past the end, or -1 when no search is needed.
std::int64_t indexOfOffset(std::size_t length, std::int64_t offset, std::size_t needleLength,
                           bool forward) noexcept {
  auto len = static_cast<std::int64_t>(length);
  auto needle = static_cast<std::int64_t>(needleLength);
  if (offset < 0) {
    if (offset + len >= 0) return len + offset;
    return forward || needle == 0 ? 0 : -1;
  }
  if (offset <= len - needle) return offset;
  if (needle == 0) return len;
  return forward ? -1 : len - 1;
}

std::ptrdiff_t searchBytes(Bytes haystack, Bytes needle, std::ptrdiff_t byteOffset, bool forward) {
  std::int64_t start = indexOfOffset(haystack.size(), byteOffset, needle.size(), forward);
  if (needle.empty()) return static_cast<std::ptrdiff_t>(start);
  if (haystack.empty() || start < 0) return -1;
  auto pos = static_cast<std::size_t>(start);
  if ((forward && needle.size() + pos > haystack.size()) || needle.size() > haystack.size())
    return -1;
  std::string_view h(reinterpret_cast<const char*>(haystack.data()), haystack.size());
  std::string_view n(reinterpret_cast<const char*>(needle.data()), needle.size());
  std::size_t found = forward ? h.find(n, pos) : h.rfind(n, pos);
  return found == std::string_view::npos ? -1 : static_cast<std::ptrdiff_t>(found);
}

// Node searches utf16le needles unit by unit, so matches sit at even positions only.
std::ptrdiff_t searchUtf16(Bytes haystack, std::string_view value, std::ptrdiff_t byteOffset,
                           bool forward) {
  std::u16string needle;
  detail::forEachUtf16Unit(value, [&](char16_t u) { needle += u; });
  haystack = haystack.first(haystack.size() & ~std::size_t{1});  // whole units only
  std::int64_t start = indexOfOffset(haystack.size(), byteOffset, needle.size() * 2, forward);
  if (needle.empty()) return static_cast<std::ptrdiff_t>(start);
  if (haystack.empty() || start < 0) return -1;
  auto pos = static_cast<std::size_t>(start);
  if ((forward && needle.size() * 2 + pos > haystack.size()) ||
      needle.size() * 2 > haystack.size() || haystack.size() < 2)
    return -1;
  std::u16string units(haystack.size() / 2, u'\0');
  for (std::size_t i = 0; i < units.size(); ++i)
    units[i] = static_cast<char16_t>(haystack[2 * i] | (haystack[2 * i + 1] << 8));
  std::size_t found = forward ? units.find(needle, pos / 2) : units.rfind(needle, pos / 2);
  return found == std::u16string::npos ? -1 : static_cast<std::ptrdiff_t>(found * 2);
}

std::ptrdiff_t searchString(Bytes haystack, std::string_view value, std::ptrdiff_t byteOffset,
                            Encoding enc, bool forward) {
  if (enc == Encoding::Utf16le) return searchUtf16(haystack, value, byteOffset, forward);
  if (enc == Encoding::Utf8) {
    Bytes needle(reinterpret_cast<const std::uint8_t*>(value.data()), value.size());
    return searchBytes(haystack, needle, byteOffset, forward);
  }
  Buffer needle = Buffer::from(value, enc);
  return searchBytes(haystack, needle, byteOffset, forward);
}

std::ptrdiff_t searchByte(Bytes haystack, std::uint8_t value, std::ptrdiff_t byteOffset,
                          bool forward) noexcept {
  std::int64_t start = indexOfOffset(haystack.size(), byteOffset, 1, forward);
  if (start < 0 || haystack.empty()) return -1;
  auto pos = static_cast<std::size_t>(start);
  if (forward) {
    auto* p = std::memchr(haystack.data() + pos, value, haystack.size() - pos);
    return p ? static_cast<const std::uint8_t*>(p) - haystack.data() : -1;
  }
  for (std::size_t i = pos + 1; i-- > 0;)
    if (haystack[i] == value) return static_cast<std::ptrdiff_t>(i);
  return -1;
}

// Fixed-width integers, assembled byte by byte so the host's byte order does not matter.
template <class T>
T loadLE(const std::uint8_t* p) noexcept {
  std::make_unsigned_t<T> v = 0;
  for (std::size_t i = sizeof(T); i-- > 0;) v = static_cast<decltype(v)>((v << 8) | p[i]);
  return static_cast<T>(v);
}
template <class T>
T loadBE(const std::uint8_t* p) noexcept {
  std::make_unsigned_t<T> v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) v = static_cast<decltype(v)>((v << 8) | p[i]);
  return static_cast<T>(v);
}
template <class T>
void storeLE(std::uint8_t* p, T value) noexcept {
  auto v = static_cast<std::make_unsigned_t<T>>(value);
  for (std::size_t i = 0; i < sizeof(T); ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
template <class T>
void storeBE(std::uint8_t* p, T value) noexcept {
  auto v = static_cast<std::make_unsigned_t<T>>(value);
  for (std::size_t i = 0; i < sizeof(T); ++i)
    p[sizeof(T) - 1 - i] = static_cast<std::uint8_t>(v >> (8 * i));
}

template <class T, bool bigEndian>
T loadAt(const Buffer& b, std::size_t offset) {
  checkBounds(b.size(), offset, sizeof(T));
  return bigEndian ? loadBE<T>(b.data() + offset) : loadLE<T>(b.data() + offset);
}
template <class T, bool bigEndian>
std::size_t storeAt(Buffer& b, T value, std::size_t offset) {
  checkBounds(b.size(), offset, sizeof(T));
  if constexpr (bigEndian) {
    storeBE(b.data() + offset, value);
  } else {
    storeLE(b.data() + offset, value);
  }
  return offset + sizeof(T);
}
// Integer writes check the value first and the bounds second, as Node's checkInt does.
template <class T, bool bigEndian>
std::size_t storeChecked(Buffer& b, std::int64_t value, std::size_t offset) {
  checkIntValue(value, std::numeric_limits<T>::min(), std::numeric_limits<T>::max());
  return storeAt<T, bigEndian>(b, static_cast<T>(value), offset);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Buffer: lifetime

Buffer::Buffer(const Buffer& other) noexcept
    : block_(other.block_), data_(other.data_), size_(other.size_) {
  if (block_) block_->refs.fetch_add(1, std::memory_order_relaxed);
}

Buffer& Buffer::operator=(const Buffer& other) noexcept {
  Buffer copy(other);
  *this = std::move(copy);
  return *this;
}

Buffer& Buffer::operator=(Buffer&& other) noexcept {
  if (this != &other) {
    Buffer old(std::move(*this));
    block_ = std::exchange(other.block_, nullptr);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

Buffer::~Buffer() {
  if (block_ && block_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    block_->~Block();
    ::operator delete(static_cast<void*>(block_));
  }
}

std::size_t Buffer::byteOffset() const noexcept {
  return block_ ? static_cast<std::size_t>(data_ - block_->bytes()) : 0;
}

std::size_t Buffer::useCount() const noexcept {
  return block_ ? block_->refs.load(std::memory_order_relaxed) : 0;
}

Buffer Buffer::allocUnsafe(std::size_t size) {
  if (size > kMaxLength)
    throwOutOfRange("size", ">= 0 && <= " + std::to_string(kMaxLength),
                    static_cast<long double>(size));
  if (size == 0) return Buffer();
  void* memory = ::operator new(sizeof(Block) + size);
  auto* block = new (memory) Block();
  return Buffer(block, block->bytes(), size);
}

Buffer Buffer::alloc(std::size_t size, std::uint8_t fill) {
  Buffer b = allocUnsafe(size);
  if (size > 0) std::memset(b.data_, fill, size);
  return b;
}

Buffer Buffer::alloc(std::size_t size, std::string_view fill, Encoding enc) {
  Buffer b = alloc(size);
  if (size > 0) b.fill(fill, 0, npos, enc);
  return b;
}

// ---------------------------------------------------------------------------------------------
// Buffer: construction from text and bytes

Buffer Buffer::from(std::string_view string, Encoding enc) {
  if (enc == Encoding::Utf8) {
    return from(Bytes(reinterpret_cast<const std::uint8_t*>(string.data()), string.size()));
  }
  std::size_t capacity = byteLength(string, enc);
  if (capacity == 0) return Buffer();
  Buffer b = allocUnsafe(capacity);
  b.size_ = detail::encodeInto(b.data_, capacity, string, enc);
  return b;
}

Buffer Buffer::from(std::span<const std::uint8_t> bytes) {
  Buffer b = allocUnsafe(bytes.size());
  if (!bytes.empty()) std::memcpy(b.data_, bytes.data(), bytes.size());
  return b;
}

Buffer Buffer::from(std::initializer_list<std::uint8_t> bytes) {
  return from(Bytes(bytes.begin(), bytes.size()));
}

Buffer Buffer::copyBytesFrom(std::span<const std::uint8_t> view, std::size_t offset,
                             std::size_t length) {
  if (offset >= view.size()) return Buffer();
  return from(view.subspan(offset, std::min(length, view.size() - offset)));
}

Buffer Buffer::concat(std::span<const Buffer> list, std::optional<std::size_t> totalLength) {
  std::size_t total = 0;
  if (totalLength) {
    total = *totalLength;
  } else {
    for (const Buffer& b : list) total += b.size_;
  }
  Buffer out = allocUnsafe(total);
  std::size_t pos = 0;
  for (const Buffer& b : list) {
    std::size_t n = std::min(b.size_, total - pos);
    if (n > 0) std::memcpy(out.data_ + pos, b.data_, n);
    pos += n;
  }
  if (pos < total) std::memset(out.data_ + pos, 0, total - pos);
  return out;
}

Buffer Buffer::concat(std::initializer_list<Buffer> list, std::optional<std::size_t> totalLength) {
  return concat(std::span<const Buffer>(list.begin(), list.size()), totalLength);
}

Buffer Buffer::clone() const { return from(Bytes(data_, size_)); }

// ---------------------------------------------------------------------------------------------
// Buffer: encodings

std::size_t Buffer::byteLength(std::string_view string, Encoding enc) noexcept {
  return detail::byteLength(string, enc);
}

std::optional<Encoding> Buffer::parseEncoding(std::string_view name) noexcept {
  return detail::parseEncoding(name);
}

bool Buffer::isEncoding(std::string_view name) noexcept { return parseEncoding(name).has_value(); }

std::string Buffer::toString(Encoding enc, std::size_t start, std::size_t end) const {
  end = std::min(end, size_);
  if (start >= end) return {};
  return detail::bytesToString(data_ + start, end - start, enc);
}

// ---------------------------------------------------------------------------------------------
// Buffer: views, comparison and search

Buffer Buffer::subarray(std::ptrdiff_t start, std::ptrdiff_t end) const noexcept {
  auto len = static_cast<std::ptrdiff_t>(size_);
  auto adjust = [len](std::ptrdiff_t v) {
    if (v < 0) return std::max<std::ptrdiff_t>(v + len, 0);
    return std::min(v, len);
  };
  std::ptrdiff_t s = adjust(start);
  std::ptrdiff_t e = adjust(end);
  Buffer out(*this);
  out.data_ = data_ ? data_ + s : nullptr;
  out.size_ = e > s ? static_cast<std::size_t>(e - s) : 0;
  return out;
}

int Buffer::compare(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept {
  std::size_t n = std::min(a.size(), b.size());
  int c = n > 0 ? std::memcmp(a.data(), b.data(), n) : 0;
  if (c != 0) return c < 0 ? -1 : 1;
  if (a.size() == b.size()) return 0;
  return a.size() < b.size() ? -1 : 1;
}

int Buffer::compare(std::span<const std::uint8_t> target, std::size_t targetStart,
                    std::size_t targetEnd, std::size_t sourceStart, std::size_t sourceEnd) const {
  if (targetEnd == npos) {
    targetEnd = target.size();
  } else {
    checkOffset(targetEnd, "targetEnd", target.size());
  }
  if (sourceEnd == npos) {
    sourceEnd = size_;
  } else {
    checkOffset(sourceEnd, "sourceEnd", size_);
  }
  if (sourceStart >= sourceEnd) return targetStart >= targetEnd ? 0 : -1;
  if (targetStart >= targetEnd) return 1;
  return compare(Bytes(data_ + sourceStart, sourceEnd - sourceStart),
                 target.subspan(targetStart, targetEnd - targetStart));
}

bool Buffer::equals(std::span<const std::uint8_t> other) const noexcept {
  return size_ == other.size() && (size_ == 0 || std::memcmp(data_, other.data(), size_) == 0);
}

std::ptrdiff_t Buffer::indexOf(std::string_view value, std::ptrdiff_t byteOffset,
                               Encoding enc) const {
  return searchString(*this, value, byteOffset, enc, true);
}
std::ptrdiff_t Buffer::indexOf(std::span<const std::uint8_t> value,
                               std::ptrdiff_t byteOffset) const {
  return searchBytes(*this, value, byteOffset, true);
}
std::ptrdiff_t Buffer::indexOf(std::uint8_t value, std::ptrdiff_t byteOffset) const noexcept {
  return searchByte(*this, value, byteOffset, true);
}
std::ptrdiff_t Buffer::lastIndexOf(std::string_view value, std::ptrdiff_t byteOffset,
                                   Encoding enc) const {
  return searchString(*this, value, byteOffset, enc, false);
}
std::ptrdiff_t Buffer::lastIndexOf(std::span<const std::uint8_t> value,
                                   std::ptrdiff_t byteOffset) const {
  return searchBytes(*this, value, byteOffset, false);
}
std::ptrdiff_t Buffer::lastIndexOf(std::uint8_t value, std::ptrdiff_t byteOffset) const noexcept {
  return searchByte(*this, value, byteOffset, false);
}

// ---------------------------------------------------------------------------------------------
// Buffer: mutation

Buffer& Buffer::fill(std::uint8_t value, std::size_t offset, std::size_t end) {
  if (end == npos) {
    end = size_;
  } else {
    checkOffset(end, "end", size_);
  }
  if (offset < end) std::memset(data_ + offset, value, end - offset);
  return *this;
}

Buffer& Buffer::fill(std::string_view value, std::size_t offset, std::size_t end, Encoding enc) {
  if (value.empty()) return fill(std::uint8_t{0}, offset, end);
  Buffer pattern = from(value, enc);
  if (pattern.empty()) {
    throw SystemError("ERR_INVALID_ARG_VALUE",
                      "The argument 'value' is invalid. Received '" + std::string(value) + "'");
  }
  return fill(std::span<const std::uint8_t>(pattern), offset, end);
}

Buffer& Buffer::fill(std::span<const std::uint8_t> value, std::size_t offset, std::size_t end) {
  if (value.empty())
    throw SystemError("ERR_INVALID_ARG_VALUE",
                      "The argument 'value' is invalid. Received <Buffer >");
  if (end == npos) {
    end = size_;
  } else {
    checkOffset(end, "end", size_);
  }
  if (offset >= end) return *this;
  if (value.size() == 1) return fill(value[0], offset, end);
  // Copy the pattern once, then keep doubling the filled prefix.
  std::size_t n = end - offset;
  std::uint8_t* dst = data_ + offset;
  std::size_t done = std::min(n, value.size());
  std::memmove(dst, value.data(), done);
  while (done < n) {
    std::size_t chunk = std::min(done, n - done);
    std::memcpy(dst + done, dst, chunk);
    done += chunk;
  }
  return *this;
}

std::size_t Buffer::write(std::string_view string, std::size_t offset, std::size_t length,
                          Encoding enc) {
  checkOffset(offset, "offset", size_);
  std::size_t remaining = size_ - offset;
  if (length == npos) {
    length = remaining;
  } else {
    checkOffset(length, "length", size_);
    length = std::min(length, remaining);
  }
  if (length == 0) return 0;
  return detail::encodeInto(data_ + offset, length, string, enc);
}

std::size_t Buffer::copy(std::span<std::uint8_t> target, std::size_t targetStart,
                         std::size_t sourceStart, std::size_t sourceEnd) const {
  checkOffset(sourceStart, "sourceStart", size_);
  sourceEnd = std::min(sourceEnd, size_);
  if (targetStart >= target.size() || sourceStart >= sourceEnd) return 0;
  std::size_t n = std::min(sourceEnd - sourceStart, target.size() - targetStart);
  std::memmove(target.data() + targetStart, data_ + sourceStart, n);
  return n;
}

// ---------------------------------------------------------------------------------------------
// Buffer: fixed-width access

std::uint8_t Buffer::readUInt8(std::size_t offset) const {
  return loadAt<std::uint8_t, false>(*this, offset);
}
std::uint16_t Buffer::readUInt16LE(std::size_t offset) const {
  return loadAt<std::uint16_t, false>(*this, offset);
}
std::uint16_t Buffer::readUInt16BE(std::size_t offset) const {
  return loadAt<std::uint16_t, true>(*this, offset);
}
std::uint32_t Buffer::readUInt32LE(std::size_t offset) const {
  return loadAt<std::uint32_t, false>(*this, offset);
}
std::uint32_t Buffer::readUInt32BE(std::size_t offset) const {
  return loadAt<std::uint32_t, true>(*this, offset);
}
std::int8_t Buffer::readInt8(std::size_t offset) const {
  return loadAt<std::int8_t, false>(*this, offset);
}
std::int16_t Buffer::readInt16LE(std::size_t offset) const {
  return loadAt<std::int16_t, false>(*this, offset);
}
std::int16_t Buffer::readInt16BE(std::size_t offset) const {
  return loadAt<std::int16_t, true>(*this, offset);
}
std::int32_t Buffer::readInt32LE(std::size_t offset) const {
  return loadAt<std::int32_t, false>(*this, offset);
}
std::int32_t Buffer::readInt32BE(std::size_t offset) const {
  return loadAt<std::int32_t, true>(*this, offset);
}
std::uint64_t Buffer::readBigUInt64LE(std::size_t offset) const {
  return loadAt<std::uint64_t, false>(*this, offset);
}
std::uint64_t Buffer::readBigUInt64BE(std::size_t offset) const {
  return loadAt<std::uint64_t, true>(*this, offset);
}
std::int64_t Buffer::readBigInt64LE(std::size_t offset) const {
  return loadAt<std::int64_t, false>(*this, offset);
}
std::int64_t Buffer::readBigInt64BE(std::size_t offset) const {
  return loadAt<std::int64_t, true>(*this, offset);
}
float Buffer::readFloatLE(std::size_t offset) const {
  return std::bit_cast<float>(loadAt<std::uint32_t, false>(*this, offset));
}
float Buffer::readFloatBE(std::size_t offset) const {
  return std::bit_cast<float>(loadAt<std::uint32_t, true>(*this, offset));
}
double Buffer::readDoubleLE(std::size_t offset) const {
  return std::bit_cast<double>(loadAt<std::uint64_t, false>(*this, offset));
}
double Buffer::readDoubleBE(std::size_t offset) const {
  return std::bit_cast<double>(loadAt<std::uint64_t, true>(*this, offset));
}

std::size_t Buffer::writeUInt8(std::int64_t value, std::size_t offset) {
  return storeChecked<std::uint8_t, false>(*this, value, offset);
}
std::size_t Buffer::writeUInt16LE(std::int64_t value, std::size_t offset) {
  return storeChecked<std::uint16_t, false>(*this, value, offset);
}
std::size_t Buffer::writeUInt16BE(std::int64_t value, std::size_t offset) {
  return storeChecked<std::uint16_t, true>(*this, value, offset);
}
std::size_t Buffer::writeUInt32LE(std::int64_t value, std::size_t offset) {
  return storeChecked<std::uint32_t, false>(*this, value, offset);
}
std::size_t Buffer::writeUInt32BE(std::int64_t value, std::size_t offset) {
  return storeChecked<std::uint32_t, true>(*this, value, offset);
}
std::size_t Buffer::writeInt8(std::int64_t value, std::size_t offset) {
  return storeChecked<std::int8_t, false>(*this, value, offset);
}
std::size_t Buffer::writeInt16LE(std::int64_t value, std::size_t offset) {
  return storeChecked<std::int16_t, false>(*this, value, offset);
}
std::size_t Buffer::writeInt16BE(std::int64_t value, std::size_t offset) {
  return storeChecked<std::int16_t, true>(*this, value, offset);
}
std::size_t Buffer::writeInt32LE(std::int64_t value, std::size_t offset) {
  return storeChecked<std::int32_t, false>(*this, value, offset);
}
std::size_t Buffer::writeInt32BE(std::int64_t value, std::size_t offset) {
  return storeChecked<std::int32_t, true>(*this, value, offset);
}
std::size_t Buffer::writeBigUInt64LE(std::uint64_t value, std::size_t offset) {
  return storeAt<std::uint64_t, false>(*this, value, offset);
}
std::size_t Buffer::writeBigUInt64BE(std::uint64_t value, std::size_t offset) {
  return storeAt<std::uint64_t, true>(*this, value, offset);
}
std::size_t Buffer::writeBigInt64LE(std::int64_t value, std::size_t offset) {
  return storeAt<std::int64_t, false>(*this, value, offset);
}
std::size_t Buffer::writeBigInt64BE(std::int64_t value, std::size_t offset) {
  return storeAt<std::int64_t, true>(*this, value, offset);
}
std::size_t Buffer::writeFloatLE(double value, std::size_t offset) {
  return storeAt<std::uint32_t, false>(
      *this, std::bit_cast<std::uint32_t>(static_cast<float>(value)), offset);
}
std::size_t Buffer::writeFloatBE(double value, std::size_t offset) {
  return storeAt<std::uint32_t, true>(
      *this, std::bit_cast<std::uint32_t>(static_cast<float>(value)), offset);
}
std::size_t Buffer::writeDoubleLE(double value, std::size_t offset) {
  return storeAt<std::uint64_t, false>(*this, std::bit_cast<std::uint64_t>(value), offset);
}
std::size_t Buffer::writeDoubleBE(double value, std::size_t offset) {
  return storeAt<std::uint64_t, true>(*this, std::bit_cast<std::uint64_t>(value), offset);
}

std::string Buffer::inspect() const {
  constexpr std::size_t kMaxBytes = 50;  // buffer.INSPECT_MAX_BYTES
  std::string out = "<Buffer";
  std::size_t shown = std::min(size_, kMaxBytes);
  for (std::size_t i = 0; i < shown; ++i) {
    out += ' ';
    out.append(&detail::kHexPairs[2 * data_[i]], 2);
  }
  if (shown == 0) out += ' ';
  if (size_ > shown) {
    std::size_t more = size_ - shown;
    out += " ... " + std::to_string(more) + (more > 1 ? " more bytes" : " more byte");
  }
  return out + ">";
}

}  // namespace nx
