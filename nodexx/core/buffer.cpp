// SPDX-License-Identifier: MIT
#include "nodexx/core/buffer.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cstring>
#include <limits>
#include <new>
#include <utility>

#include "nodexx/core/errors.hpp"

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

// ---------------------------------------------------------------------------------------------
// UTF-8 decoding (WHATWG, "maximal subpart" replacement as in V8)

constexpr char32_t kBad = 0xFFFFFFFF;
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

// Decodes the sequence at s[0..n) (n > 0); `len` receives the bytes consumed. An invalid
// sequence consumes its maximal subpart (at least one byte) and yields kBad.
char32_t decodeUtf8(const std::uint8_t* s, std::size_t n, std::size_t& len) noexcept {
  std::uint8_t b = s[0];
  if (b < 0x80) {
    len = 1;
    return b;
  }
  std::size_t need;
  char32_t cp;
  std::uint8_t lo = 0x80;
  std::uint8_t hi = 0xBF;
  if (b >= 0xC2 && b <= 0xDF) {
    need = 1;
    cp = b & 0x1F;
  } else if (b >= 0xE0 && b <= 0xEF) {
    need = 2;
    cp = b & 0x0F;
    if (b == 0xE0) lo = 0xA0;
    if (b == 0xED) hi = 0x9F;  // no surrogates
  } else if (b >= 0xF0 && b <= 0xF4) {
    need = 3;
    cp = b & 0x07;
    if (b == 0xF0) lo = 0x90;
    if (b == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    len = 1;
    return kBad;
  }
  for (std::size_t j = 1; j <= need; ++j) {
    if (j >= n || s[j] < lo || s[j] > hi) {
      len = j;
      return kBad;
    }
    cp = (cp << 6) | (s[j] & 0x3F);
    lo = 0x80;
    hi = 0xBF;
  }
  len = need + 1;
  return cp;
}

// Length of the leading run of ASCII bytes, eight at a time.
std::size_t asciiPrefix(const std::uint8_t* s, std::size_t n) noexcept {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, s + i, 8);
    if (word & 0x8080808080808080ULL) break;
  }
  while (i < n && s[i] < 0x80) ++i;
  return i;
}

void appendUtf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string decodeUtf8Text(const std::uint8_t* s, std::size_t n) {
  std::size_t i = asciiPrefix(s, n);
  if (i == n) return std::string(reinterpret_cast<const char*>(s), n);
  std::string out;
  out.reserve(n + n / 2);
  std::size_t runStart = 0;  // start of the pending run of valid bytes
  while (i < n) {
    if (s[i] < 0x80) {
      i += asciiPrefix(s + i, n - i);
      continue;
    }
    std::size_t len;
    if (decodeUtf8(s + i, n - i, len) == kBad) {
      out.append(reinterpret_cast<const char*>(s + runStart), i - runStart);
      out += kReplacement;
      runStart = i + len;
    }
    i += len;
  }
  out.append(reinterpret_cast<const char*>(s + runStart), n - runStart);
  return out;
}

// Calls fn(unit) for each UTF-16 code unit of the JS string whose UTF-8 form is `s`.
template <class F>
void forEachUtf16Unit(std::string_view text, F&& fn) {
  auto* s = reinterpret_cast<const std::uint8_t*>(text.data());
  std::size_t n = text.size();
  for (std::size_t i = 0; i < n;) {
    std::size_t len;
    char32_t cp = decodeUtf8(s + i, n - i, len);
    i += len;
    if (cp == kBad) cp = 0xFFFD;
    if (cp >= 0x10000) {
      fn(static_cast<char16_t>(0xD800 + ((cp - 0x10000) >> 10)));
      fn(static_cast<char16_t>(0xDC00 + ((cp - 0x10000) & 0x3FF)));
    } else {
      fn(static_cast<char16_t>(cp));
    }
  }
}

// The JS string's length (UTF-16 code units).
std::size_t utf16Length(std::string_view s) noexcept {
  auto* p = reinterpret_cast<const std::uint8_t*>(s.data());
  if (asciiPrefix(p, s.size()) == s.size()) return s.size();
  std::size_t count = 0;
  forEachUtf16Unit(s, [&](char16_t) { ++count; });
  return count;
}

// Node reads each UTF-16 code unit's low byte for latin1, ascii, hex and base64 input. For
// ASCII text that is the text itself; otherwise the units are narrowed into `storage`.
std::string_view narrowUnits(std::string_view s, std::string& storage) {
  auto* p = reinterpret_cast<const std::uint8_t*>(s.data());
  if (asciiPrefix(p, s.size()) == s.size()) return s;
  storage.clear();
  forEachUtf16Unit(s, [&](char16_t u) { storage += static_cast<char>(u & 0xFF); });
  return storage;
}

// ---------------------------------------------------------------------------------------------
// Hex and base64

constexpr std::array<std::int8_t, 256> makeUnhex() {
  std::array<std::int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int c = 0; c < 10; ++c) t['0' + c] = static_cast<std::int8_t>(c);
  for (int c = 0; c < 6; ++c) {
    t['a' + c] = static_cast<std::int8_t>(10 + c);
    t['A' + c] = static_cast<std::int8_t>(10 + c);
  }
  return t;
}
constexpr auto kUnhex = makeUnhex();

constexpr std::array<char, 512> makeHexPairs() {
  std::array<char, 512> t{};
  constexpr char digits[] = "0123456789abcdef";
  for (int b = 0; b < 256; ++b) {
    t[2 * b] = digits[b >> 4];
    t[2 * b + 1] = digits[b & 15];
  }
  return t;
}
constexpr auto kHexPairs = makeHexPairs();

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kBase64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// Both alphabets decode; everything else maps to 0xFF (the high bit marks "not base64").
constexpr std::array<std::uint8_t, 256> makeUnbase64() {
  std::array<std::uint8_t, 256> t{};
  for (auto& v : t) v = 0xFF;
  for (std::uint8_t i = 0; i < 64; ++i) {
    t[static_cast<std::uint8_t>(kBase64[i])] = i;
    t[static_cast<std::uint8_t>(kBase64Url[i])] = i;
  }
  return t;
}
constexpr auto kUnbase64 = makeUnbase64();

// Node's hex_decode: whole pairs only, stopping at the first invalid one.
std::size_t hexDecode(std::uint8_t* dst, std::size_t dstLen, std::string_view src) noexcept {
  std::size_t i = 0;
  for (; i < dstLen && i * 2 + 1 < src.size(); ++i) {
    int a = kUnhex[static_cast<std::uint8_t>(src[2 * i])];
    int b = kUnhex[static_cast<std::uint8_t>(src[2 * i + 1])];
    if (a < 0 || b < 0) break;
    dst[i] = static_cast<std::uint8_t>((a << 4) | b);
  }
  return i;
}

// One group of Node's base64_decode_group_slow: skips characters outside the alphabet and
// returns false once '=' or the end of input (or of dst) is reached.
bool base64DecodeGroup(std::uint8_t* dst, std::size_t dstLen, std::string_view src, std::size_t& i,
                       std::size_t& k) noexcept {
  std::uint8_t values[4];
  for (int slot = 0; slot < 4; ++slot) {
    for (;;) {
      auto c = static_cast<std::uint8_t>(src[i++]);
      values[slot] = kUnbase64[c];
      if (values[slot] < 64) break;
      if (c == '=' || i >= src.size()) return false;
    }
    if (slot == 1) dst[k++] = static_cast<std::uint8_t>((values[0] << 2) | (values[1] >> 4));
    if (slot == 2) dst[k++] = static_cast<std::uint8_t>((values[1] << 4) | (values[2] >> 2));
    if (slot == 3) dst[k++] = static_cast<std::uint8_t>((values[2] << 6) | values[3]);
    if (i >= src.size() || k >= dstLen) return false;
  }
  return true;
}

// Node's base64_decode: whole groups of four through a fast path, the rest group by group.
std::size_t base64Decode(std::uint8_t* dst, std::size_t dstLen, std::string_view src) noexcept {
  std::size_t i = 0;
  std::size_t k = 0;
  while (i + 4 <= src.size() && k + 3 <= dstLen) {
    std::uint8_t a = kUnbase64[static_cast<std::uint8_t>(src[i])];
    std::uint8_t b = kUnbase64[static_cast<std::uint8_t>(src[i + 1])];
    std::uint8_t c = kUnbase64[static_cast<std::uint8_t>(src[i + 2])];
    std::uint8_t d = kUnbase64[static_cast<std::uint8_t>(src[i + 3])];
    if ((a | b | c | d) & 0x80) {
      if (!base64DecodeGroup(dst, dstLen, src, i, k)) return k;
      continue;
    }
    dst[k] = static_cast<std::uint8_t>((a << 2) | (b >> 4));
    dst[k + 1] = static_cast<std::uint8_t>((b << 4) | (c >> 2));
    dst[k + 2] = static_cast<std::uint8_t>((c << 6) | d);
    i += 4;
    k += 3;
  }
  if (i < src.size() && k < dstLen) base64DecodeGroup(dst, dstLen, src, i, k);
  return k;
}

std::string base64Encode(const std::uint8_t* s, std::size_t n, bool url) {
  const char* table = url ? kBase64Url : kBase64;
  std::string out;
  out.resize(url ? (n * 4 + 2) / 3 : (n + 2) / 3 * 4);
  char* o = out.data();
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    std::uint32_t v = (std::uint32_t{s[i]} << 16) | (std::uint32_t{s[i + 1]} << 8) | s[i + 2];
    *o++ = table[v >> 18];
    *o++ = table[(v >> 12) & 63];
    *o++ = table[(v >> 6) & 63];
    *o++ = table[v & 63];
  }
  if (n - i == 1) {
    *o++ = table[s[i] >> 2];
    *o++ = table[(s[i] & 3) << 4];
    if (!url) *o++ = '=', *o++ = '=';
  } else if (n - i == 2) {
    *o++ = table[s[i] >> 2];
    *o++ = table[((s[i] & 3) << 4) | (s[i + 1] >> 4)];
    *o++ = table[(s[i + 1] & 15) << 2];
    if (!url) *o++ = '=';
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Encoding dispatch

// Decodes `string` with `enc` into dst[0..dstLen) and returns the bytes written, as Node's
// StringBytes::Write. Utf8 never splits a character.
std::size_t encodeInto(std::uint8_t* dst, std::size_t dstLen, std::string_view string,
                       Encoding enc) {
  std::string storage;
  switch (enc) {
    case Encoding::Utf8: {
      std::size_t n = std::min(dstLen, string.size());
      if (n < string.size() && n > 0 && (static_cast<std::uint8_t>(string[n]) & 0xC0) == 0x80) {
        // The cut falls inside a sequence: back off to its lead byte if it starts a complete
        // character that does not fit.
        std::size_t lead = n;
        while (lead > 0 && n - lead < 3 && (static_cast<std::uint8_t>(string[lead]) & 0xC0) == 0x80)
          --lead;
        std::size_t len;
        auto* p = reinterpret_cast<const std::uint8_t*>(string.data());
        if (decodeUtf8(p + lead, string.size() - lead, len) != kBad && lead + len > n) n = lead;
      }
      if (n > 0) std::memcpy(dst, string.data(), n);
      return n;
    }
    case Encoding::Latin1:
    case Encoding::Ascii: {
      std::string_view units = narrowUnits(string, storage);
      std::size_t n = std::min(dstLen, units.size());
      if (n > 0) std::memcpy(dst, units.data(), n);
      return n;
    }
    case Encoding::Utf16le: {
      std::size_t k = 0;
      forEachUtf16Unit(string, [&](char16_t u) {
        if (k + 2 > dstLen) return;
        dst[k++] = static_cast<std::uint8_t>(u & 0xFF);
        dst[k++] = static_cast<std::uint8_t>(u >> 8);
      });
      return k;
    }
    case Encoding::Hex:
      return hexDecode(dst, dstLen, narrowUnits(string, storage));
    case Encoding::Base64:
    case Encoding::Base64Url:
      return base64Decode(dst, dstLen, narrowUnits(string, storage));
  }
  return 0;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != b[i]) return false;
  }
  return true;
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
  forEachUtf16Unit(value, [&](char16_t u) { needle += u; });
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
  b.size_ = encodeInto(b.data_, capacity, string, enc);
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
  switch (enc) {
    case Encoding::Utf8:
      return string.size();
    case Encoding::Latin1:
    case Encoding::Ascii:
      return utf16Length(string);
    case Encoding::Utf16le:
      return utf16Length(string) * 2;
    case Encoding::Hex:
      return utf16Length(string) >> 1;
    case Encoding::Base64:
    case Encoding::Base64Url: {
      // Node's base64ByteLength. Only trailing '=' matter, and they are ASCII in both forms
      // of the string.
      std::size_t units = utf16Length(string);
      std::size_t pad = 0;
      if (!string.empty() && string.back() == '=') {
        ++pad;
        if (string.size() > 1 && string[string.size() - 2] == '=') ++pad;
      }
      return ((units - std::min(pad, units)) * 3) >> 2;
    }
  }
  return 0;
}

std::optional<Encoding> Buffer::parseEncoding(std::string_view name) noexcept {
  static constexpr std::pair<std::string_view, Encoding> kNames[] = {
      {"utf8", Encoding::Utf8},
      {"utf-8", Encoding::Utf8},
      {"hex", Encoding::Hex},
      {"base64", Encoding::Base64},
      {"base64url", Encoding::Base64Url},
      {"latin1", Encoding::Latin1},
      {"binary", Encoding::Latin1},
      {"ascii", Encoding::Ascii},
      {"utf16le", Encoding::Utf16le},
      {"utf-16le", Encoding::Utf16le},
      {"ucs2", Encoding::Utf16le},
      {"ucs-2", Encoding::Utf16le},
  };
  for (const auto& [text, enc] : kNames)
    if (equalsIgnoreCase(name, text)) return enc;
  return std::nullopt;
}

bool Buffer::isEncoding(std::string_view name) noexcept { return parseEncoding(name).has_value(); }

std::string Buffer::toString(Encoding enc, std::size_t start, std::size_t end) const {
  end = std::min(end, size_);
  if (start >= end) return {};
  const std::uint8_t* s = data_ + start;
  std::size_t n = end - start;
  switch (enc) {
    case Encoding::Utf8:
      return decodeUtf8Text(s, n);
    case Encoding::Hex: {
      std::string out(2 * n, '\0');
      for (std::size_t i = 0; i < n; ++i) std::memcpy(&out[2 * i], &kHexPairs[2 * s[i]], 2);
      return out;
    }
    case Encoding::Base64:
      return base64Encode(s, n, false);
    case Encoding::Base64Url:
      return base64Encode(s, n, true);
    case Encoding::Latin1:
    case Encoding::Ascii: {
      std::string out;
      out.reserve(n + n / 4);
      std::uint8_t mask = enc == Encoding::Ascii ? 0x7F : 0xFF;
      for (std::size_t i = 0; i < n; ++i) appendUtf8(out, s[i] & mask);
      return out;
    }
    case Encoding::Utf16le: {
      std::string out;
      out.reserve(n);
      for (std::size_t i = 0; i + 1 < n; i += 2) {
        char32_t u = s[i] | (s[i + 1] << 8);
        if (u >= 0xD800 && u <= 0xDBFF && i + 3 < n) {
          char32_t low = s[i + 2] | (s[i + 3] << 8);
          if (low >= 0xDC00 && low <= 0xDFFF) {
            appendUtf8(out, 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00));
            i += 2;
            continue;
          }
        }
        // A lone surrogate has no UTF-8 form; it prints as U+FFFD, as Node writes it.
        appendUtf8(out, (u >= 0xD800 && u <= 0xDFFF) ? 0xFFFD : u);
      }
      return out;
    }
  }
  return {};
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
  return encodeInto(data_ + offset, length, string, enc);
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
    out.append(&kHexPairs[2 * data_[i]], 2);
  }
  if (shown == 0) out += ' ';
  if (size_ > shown) {
    std::size_t more = size_ - shown;
    out += " ... " + std::to_string(more) + (more > 1 ? " more bytes" : " more byte");
  }
  return out + ">";
}

}  // namespace nx
