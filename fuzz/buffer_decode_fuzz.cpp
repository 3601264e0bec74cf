// SPDX-License-Identifier: MIT
// libFuzzer target for the text codecs of nx::Buffer: Buffer::from(string, enc), toString(enc),
// byteLength, write and indexOf. Byte 0 of the input picks the encoding (low 3 bits: the
// Encoding value, 7 for all seven); the rest is the text. Sizes and offsets for write() and
// indexOf() come from a hash of the input. Each decode is compared with a small reference
// written here from Node 20's rules, then the result goes through every encoder and back. A
// broken invariant prints what failed and traps, so libFuzzer saves the input. fuzz/README.md
// lists the checks.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nodexx/core/buffer.hpp"

namespace {

using nx::Buffer;
using nx::Encoding;
using Bytes = std::vector<std::uint8_t>;

constexpr std::array<Encoding, 7> kEncodings = {
    Encoding::Utf8,   Encoding::Hex,   Encoding::Base64,  Encoding::Base64Url,
    Encoding::Latin1, Encoding::Ascii, Encoding::Utf16le,
};

constexpr const char* kEncodingNames[] = {"utf8",   "hex",   "base64", "base64url",
                                          "latin1", "ascii", "utf16le"};

// Set per input so that a failure names the encoding under test.
const char* currentEncoding = "";

void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "buffer_decode_fuzz: invariant broken (%s): %s\n", currentEncoding, what);
  __builtin_trap();
}

bool sameBytes(const Buffer& b, std::span<const std::uint8_t> expected) {
  return b.size() == expected.size() &&
         (expected.empty() || std::memcmp(b.data(), expected.data(), expected.size()) == 0);
}

// splitmix64: the positions and sizes picked for write() and indexOf().
struct Rng {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // A value in [0, bound]; 0 when bound is 0.
  std::size_t upTo(std::size_t bound) { return static_cast<std::size_t>(next() % (bound + 1)); }
};

// ---------------------------------------------------------------------------------------------
// Reference UTF-8 decoding, written differently from buffer.cpp on purpose: a byte prefix is
// kept while some completion of it is a well-formed sequence, which is exactly the "maximal
// subpart" that the WHATWG decoder (and V8) replaces by one U+FFFD.

constexpr char32_t kReplacementChar = 0xFFFD;

// The length of a sequence announced by lead byte `b`, 0 if `b` cannot start one.
std::size_t sequenceLength(std::uint8_t b) {
  if (b < 0x80) return 1;
  if ((b & 0xE0) == 0xC0) return 2;
  if ((b & 0xF0) == 0xE0) return 3;
  if ((b & 0xF8) == 0xF0) return 4;
  return 0;
}

// True if the first k bytes of a `len`-byte sequence at s can still be completed into a scalar
// value that needs exactly `len` bytes (no overlong form, no surrogate, nothing past U+10FFFF).
bool isViablePrefix(const std::uint8_t* s, std::size_t k, std::size_t len) {
  char32_t lo = s[0] & (0x7F >> len);
  for (std::size_t j = 1; j < k; ++j) lo = (lo << 6) | (s[j] & 0x3F);
  std::size_t missingBits = 6 * (len - k);
  char32_t hi = (lo << missingBits) | ((char32_t{1} << missingBits) - 1);
  lo <<= missingBits;
  auto overlaps = [&](char32_t from, char32_t to) { return lo <= to && hi >= from; };
  switch (len) {
    case 2:
      return overlaps(0x80, 0x7FF);
    case 3:
      return overlaps(0x800, 0xD7FF) || overlaps(0xE000, 0xFFFF);
    default:
      return overlaps(0x10000, 0x10FFFF);
  }
}

// One character, or one maximal ill-formed subpart, of UTF-8 text.
struct Utf8Unit {
  std::size_t length;  // bytes consumed, >= 1
  char32_t codePoint;  // U+FFFD when !valid
  bool valid;
};

// The unit starting at s[0] (n > 0).
Utf8Unit nextUtf8Unit(const std::uint8_t* s, std::size_t n) {
  std::size_t len = sequenceLength(s[0]);
  if (len == 1) return {1, s[0], true};
  std::size_t k = 1;  // bytes of the longest viable prefix
  if (len > 0 && isViablePrefix(s, 1, len)) {
    while (k < len && k < n && (s[k] & 0xC0) == 0x80 && isViablePrefix(s, k + 1, len)) ++k;
  }
  if (len == 0 || k < len) return {k, kReplacementChar, false};
  char32_t cp = s[0] & (0x7F >> len);
  for (std::size_t j = 1; j < len; ++j) cp = (cp << 6) | (s[j] & 0x3F);
  return {len, cp, true};
}

// The unit of `text` that covers byte `pos`, with the position where it starts.
std::pair<std::size_t, Utf8Unit> utf8UnitAt(std::string_view text, std::size_t pos) {
  auto* s = reinterpret_cast<const std::uint8_t*>(text.data());
  std::size_t start = 0;
  for (;;) {
    Utf8Unit unit = nextUtf8Unit(s + start, text.size() - start);
    if (start + unit.length > pos) return {start, unit};
    start += unit.length;
  }
}

// Decodes `text` into scalar values, one U+FFFD per maximal ill-formed subpart. `valid` (if
// given) tells whether no replacement happened.
std::u32string decodeUtf8Reference(std::string_view text, bool* valid = nullptr) {
  auto* s = reinterpret_cast<const std::uint8_t*>(text.data());
  std::u32string out;
  if (valid) *valid = true;
  for (std::size_t i = 0; i < text.size();) {
    Utf8Unit unit = nextUtf8Unit(s + i, text.size() - i);
    out += unit.codePoint;
    if (!unit.valid && valid) *valid = false;
    i += unit.length;
  }
  return out;
}

std::string encodeUtf8(std::u32string_view codePoints) {
  std::string out;
  for (char32_t cp : codePoints) {
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
  return out;
}

bool isValidUtf8(std::string_view text) {
  bool valid = false;
  decodeUtf8Reference(text, &valid);
  return valid;
}

// The UTF-16 code units of the JS string that `text` (UTF-8) stands for.
std::u16string utf16Units(std::string_view text) {
  std::u16string units;
  for (char32_t cp : decodeUtf8Reference(text)) {
    if (cp >= 0x10000) {
      units += static_cast<char16_t>(0xD800 + ((cp - 0x10000) >> 10));
      units += static_cast<char16_t>(0xDC00 + ((cp - 0x10000) & 0x3FF));
    } else {
      units += static_cast<char16_t>(cp);
    }
  }
  return units;
}

// ---------------------------------------------------------------------------------------------
// Reference decoders from Node 20's string_bytes.cc / base64-inl.h semantics. Node reads the
// low byte of each UTF-16 unit for latin1, ascii, hex and base64.

Bytes lowBytes(std::u16string_view units) {
  Bytes out;
  for (char16_t u : units) out.push_back(static_cast<std::uint8_t>(u & 0xFF));
  return out;
}

int hexValue(std::uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Whole pairs, up to the first pair with a non-hex character.
Bytes hexReference(const Bytes& chars) {
  Bytes out;
  for (std::size_t i = 0; i + 1 < chars.size(); i += 2) {
    int a = hexValue(chars[i]);
    int b = hexValue(chars[i + 1]);
    if (a < 0 || b < 0) break;
    out.push_back(static_cast<std::uint8_t>(a << 4 | b));
  }
  return out;
}

int base64Value(std::uint8_t c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

// Both alphabets; characters outside them are skipped; decoding ends at the first '='. A
// trailing group of 2 or 3 characters gives 1 or 2 bytes, a lone character nothing.
Bytes base64Reference(const Bytes& chars) {
  Bytes out;
  std::uint32_t acc = 0;
  int have = 0;
  for (std::uint8_t c : chars) {
    if (c == '=') break;
    int v = base64Value(c);
    if (v < 0) continue;
    acc = acc << 6 | static_cast<std::uint32_t>(v);
    if (++have == 4) {
      out.push_back(static_cast<std::uint8_t>(acc >> 16));
      out.push_back(static_cast<std::uint8_t>(acc >> 8));
      out.push_back(static_cast<std::uint8_t>(acc));
      acc = 0;
      have = 0;
    }
  }
  if (have >= 2) out.push_back(static_cast<std::uint8_t>(acc >> (6 * have - 8)));
  if (have == 3) out.push_back(static_cast<std::uint8_t>(acc >> 2));
  return out;
}

Bytes decodeReference(std::string_view text, Encoding enc) {
  switch (enc) {
    case Encoding::Utf8:
      return Bytes(reinterpret_cast<const std::uint8_t*>(text.data()),
                   reinterpret_cast<const std::uint8_t*>(text.data()) + text.size());
    case Encoding::Latin1:
    case Encoding::Ascii:
      return lowBytes(utf16Units(text));
    case Encoding::Utf16le: {
      Bytes out;
      for (char16_t u : utf16Units(text)) {
        out.push_back(static_cast<std::uint8_t>(u & 0xFF));
        out.push_back(static_cast<std::uint8_t>(u >> 8));
      }
      return out;
    }
    case Encoding::Hex:
      return hexReference(lowBytes(utf16Units(text)));
    case Encoding::Base64:
    case Encoding::Base64Url:
      return base64Reference(lowBytes(utf16Units(text)));
  }
  return {};
}

// ---------------------------------------------------------------------------------------------
// Checks

// Buffer::from and byteLength against the reference.
void checkDecode(std::string_view text, Encoding enc, const Buffer& decoded) {
  Bytes expected = decodeReference(text, enc);
  require(sameBytes(decoded, expected), "Buffer::from differs from the reference decoder");

  std::size_t units = utf16Units(text).size();
  std::size_t length = Buffer::byteLength(text, enc);
  switch (enc) {
    case Encoding::Utf8:
      require(length == text.size(), "byteLength(utf8) != the text's size");
      break;
    case Encoding::Latin1:
    case Encoding::Ascii:
      require(length == units, "byteLength != the string's length");
      break;
    case Encoding::Utf16le:
      require(length == 2 * units, "byteLength(utf16le) != 2 * the string's length");
      break;
    case Encoding::Hex:
      require(length == units / 2, "byteLength(hex) != length / 2");
      require(decoded.size() <= text.size() / 2, "hex decoded to more than input / 2 bytes");
      break;
    case Encoding::Base64:
    case Encoding::Base64Url:
      // byteLength promises an upper bound only; junk characters make it larger.
      require(length >= decoded.size(), "byteLength(base64) < the decoded size");
      break;
  }
}

// Every encoder applied to `b`, then decoded back.
void checkRoundTrips(const Buffer& b) {
  const std::size_t n = b.size();
  std::span<const std::uint8_t> bytes(b.data(), n);

  std::string hex = b.toString(Encoding::Hex);
  require(hex.size() == 2 * n, "toString(hex) size != 2 * size");
  require(std::all_of(hex.begin(), hex.end(),
                      [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }),
          "toString(hex) is not lowercase hex");
  require(sameBytes(Buffer::from(hex, Encoding::Hex), bytes), "hex round trip changed the bytes");
  require(Buffer::byteLength(hex, Encoding::Hex) == n, "byteLength(toString(hex)) != size");

  std::string b64 = b.toString(Encoding::Base64);
  require(b64.size() == (n + 2) / 3 * 4, "toString(base64) is not padded to 4");
  require(sameBytes(Buffer::from(b64, Encoding::Base64), bytes),
          "base64 round trip changed the bytes");
  require(sameBytes(Buffer::from(b64, Encoding::Base64Url), bytes),
          "base64 text decoded as base64url changed the bytes");
  require(Buffer::byteLength(b64, Encoding::Base64) == n, "byteLength(toString(base64)) != size");

  std::string url = b.toString(Encoding::Base64Url);
  require(url.size() == (4 * n + 2) / 3, "toString(base64url) has the wrong unpadded size");
  require(url.find_first_of("+/=") == std::string::npos, "toString(base64url) uses + / or =");
  require(sameBytes(Buffer::from(url, Encoding::Base64Url), bytes),
          "base64url round trip changed the bytes");
  require(sameBytes(Buffer::from(url, Encoding::Base64), bytes),
          "base64url text decoded as base64 changed the bytes");
  require(Buffer::byteLength(url, Encoding::Base64Url) == n,
          "byteLength(toString(base64url)) != size");

  std::string latin1 = b.toString(Encoding::Latin1);
  require(isValidUtf8(latin1), "toString(latin1) is not valid UTF-8");
  require(Buffer::byteLength(latin1, Encoding::Latin1) == n,
          "toString(latin1) has a different length");
  require(sameBytes(Buffer::from(latin1, Encoding::Latin1), bytes),
          "latin1 round trip changed the bytes");

  std::string ascii = b.toString(Encoding::Ascii);
  require(ascii.size() == n, "toString(ascii) size != size");
  Buffer asciiBack = Buffer::from(ascii, Encoding::Ascii);
  require(asciiBack.size() == n, "ascii round trip changed the size");
  for (std::size_t i = 0; i < n; ++i)
    require(asciiBack[i] == (b[i] & 0x7F), "ascii round trip did not clear only the high bit");

  std::string utf8 = b.toString(Encoding::Utf8);
  std::string expected = encodeUtf8(decodeUtf8Reference(b.byteView()));
  require(utf8 == expected, "toString(utf8) differs from the reference (maximal subparts)");
  require(isValidUtf8(utf8), "toString(utf8) is not valid UTF-8");
  if (isValidUtf8(b.byteView())) require(utf8 == b.byteView(), "valid UTF-8 was changed");
  require(Buffer::from(utf8).toString() == utf8, "utf8 decode is not a fixpoint after one pass");

  std::string utf16 = b.toString(Encoding::Utf16le);
  require(isValidUtf8(utf16), "toString(utf16le) is not valid UTF-8");
  Buffer utf16Back = Buffer::from(utf16, Encoding::Utf16le);
  require(utf16Back.size() == (n & ~std::size_t{1}), "utf16le round trip changed the unit count");
  require(utf16Back.toString(Encoding::Utf16le) == utf16,
          "utf16le decode is not a fixpoint after one pass");
}

// write() of `text` at a picked offset with a picked room: never past the room, never a
// different prefix from Buffer::from, and as much as fits.
void checkWrite(std::string_view text, Encoding enc, const Buffer& full, Rng& rng) {
  constexpr std::uint8_t kSentinel = 0xA5;
  std::size_t offset = rng.upTo(4);
  std::size_t room = rng.upTo(full.size() + 4);
  std::size_t slack = rng.upTo(3);
  Buffer dst = Buffer::alloc(offset + room + slack, kSentinel);
  bool passLength = (rng.next() & 1) != 0;
  // Limit the room by `length`, or by the end of a view that stops at offset + room.
  std::size_t written = 0;
  if (passLength) {
    written = dst.write(text, offset, room, enc);
  } else {
    Buffer view = dst.subarray(0, static_cast<std::ptrdiff_t>(offset + room));
    written = view.write(text, offset, enc);
  }
  require(written <= room, "write() wrote more than the room it had");
  for (std::size_t i = 0; i < dst.size(); ++i) {
    if (i < offset || i >= offset + written)
      require(dst[i] == kSentinel, "write() touched bytes outside [offset, offset + written)");
  }
  require(written <= full.size(), "write() wrote more than Buffer::from decodes");
  // memcmp's pointers must be non-null even for zero bytes (an empty Buffer has none).
  require(written == 0 || std::memcmp(dst.data() + offset, full.data(), written) == 0,
          "write() bytes are not a prefix of Buffer::from");

  std::size_t fits = std::min(room, full.size());
  switch (enc) {
    case Encoding::Utf16le:
      require(written == (fits & ~std::size_t{1}), "write(utf16le) stopped early or split a unit");
      break;
    case Encoding::Utf8: {
      // Never part of a character: the cut may fall only between units or inside an
      // ill-formed subpart (whose bytes are copied as they are).
      if (written > 0 && written < text.size()) {
        auto [start, unit] = utf8UnitAt(text, written);
        require(start == written || !unit.valid, "write(utf8) split a character");
      }
      // Only a whole character that does not fit may be held back.
      if (written < fits) {
        auto [start, unit] = utf8UnitAt(text, written);
        require(start == written && unit.valid && written + unit.length > room,
                "write(utf8) stopped before a character that fits");
      }
      break;
    }
    default:
      require(written == fits, "write() stopped before the room or the input ran out");
      break;
  }
}

// The first position >= from where `needle` occurs in `hay` at a multiple of `step`, or -1.
std::ptrdiff_t naiveIndexOf(std::span<const std::uint8_t> hay, std::span<const std::uint8_t> needle,
                            std::size_t from, std::size_t step) {
  for (std::size_t p = from; p + needle.size() <= hay.size(); p += step) {
    if (needle.empty() || std::memcmp(hay.data() + p, needle.data(), needle.size()) == 0)
      return static_cast<std::ptrdiff_t>(p);
  }
  return -1;
}

// indexOf/lastIndexOf of a slice of `b` within `b`, as bytes and as text of each encoding.
void checkIndexOf(const Buffer& b, Rng& rng) {
  const std::size_t n = b.size();
  std::span<const std::uint8_t> hay(b.data(), n);
  std::size_t offset = rng.upTo(n + 2);
  require(b.indexOf(std::span<const std::uint8_t>(), static_cast<std::ptrdiff_t>(offset)) ==
              static_cast<std::ptrdiff_t>(std::min(offset, n)),
          "indexOf(empty, offset) != min(offset, size)");
  if (n == 0) return;

  std::size_t at = rng.upTo(n - 1);
  std::size_t len = 1 + rng.upTo(std::min<std::size_t>(n - at, 16) - 1);
  Buffer needle = (rng.next() & 1) ? b.subarray(static_cast<std::ptrdiff_t>(at),
                                                static_cast<std::ptrdiff_t>(at + len))
                                   : Buffer::from(hay.subspan(at, len));
  std::span<const std::uint8_t> bytes(needle.data(), needle.size());
  auto pos = static_cast<std::ptrdiff_t>(at);
  std::ptrdiff_t first = naiveIndexOf(hay, bytes, 0, 1);
  require(first >= 0 && first <= pos, "reference search is broken");

  require(b.indexOf(bytes) == first, "indexOf(slice) is not the first occurrence");
  require(b.includes(bytes), "includes(slice) is false");
  require(b.indexOf(bytes, pos) == pos, "indexOf(slice, its offset) != its offset");
  require(b.indexOf(bytes, pos - static_cast<std::ptrdiff_t>(n)) == pos,
          "indexOf(slice, its offset - size) != its offset");
  require(b.lastIndexOf(bytes, pos) == pos, "lastIndexOf(slice, its offset) != its offset");
  std::ptrdiff_t last = b.lastIndexOf(bytes);
  require(last >= pos && last >= 0 && static_cast<std::size_t>(last) + len <= n &&
              std::memcmp(b.data() + last, bytes.data(), len) == 0,
          "lastIndexOf(slice) is not an occurrence at or after the slice");
  require(b.indexOf(bytes[0]) == naiveIndexOf(hay, bytes.first(1), 0, 1),
          "indexOf(byte) is not the first occurrence");
  require(b.lastIndexOf(bytes[0], pos) == pos, "lastIndexOf(byte, its offset) != its offset");

  // The same needle given as text in each encoding finds the same first position.
  require(b.indexOf(needle.byteView(), 0, Encoding::Utf8) == first, "indexOf(utf8 text)");
  require(b.indexOf(needle.toString(Encoding::Hex), 0, Encoding::Hex) == first,
          "indexOf(hex text)");
  require(b.indexOf(needle.toString(Encoding::Base64), 0, Encoding::Base64) == first,
          "indexOf(base64 text)");
  require(b.indexOf(needle.toString(Encoding::Base64Url), 0, Encoding::Base64Url) == first,
          "indexOf(base64url text)");
  require(b.indexOf(needle.toString(Encoding::Latin1), 0, Encoding::Latin1) == first,
          "indexOf(latin1 text)");
  require(b.lastIndexOf(needle.toString(Encoding::Hex), pos, Encoding::Hex) == pos,
          "lastIndexOf(hex text, its offset) != its offset");

  // utf16le needles match at even positions only; use needles that survive the text form.
  std::string units = needle.toString(Encoding::Utf16le);
  if (len % 2 == 0 && sameBytes(Buffer::from(units, Encoding::Utf16le), bytes)) {
    std::span<const std::uint8_t> evenHay = hay.first(n & ~std::size_t{1});
    require(b.indexOf(units, 0, Encoding::Utf16le) == naiveIndexOf(evenHay, bytes, 0, 2),
            "indexOf(utf16le text) is not the first even occurrence");
  }
}

void checkOne(std::string_view text, Encoding enc, Rng& rng) {
  currentEncoding = kEncodingNames[static_cast<std::size_t>(enc)];
  Buffer decoded = Buffer::from(text, enc);
  checkDecode(text, enc, decoded);
  checkRoundTrips(decoded);
  checkWrite(text, enc, decoded, rng);
  checkIndexOf(decoded, rng);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  // FNV-1a of the whole input seeds the positions, so they follow the input deterministically.
  std::uint64_t seed = 0xCBF29CE484222325ULL;
  for (std::size_t i = 0; i < size; ++i) seed = (seed ^ data[i]) * 0x100000001B3ULL;
  Rng rng{seed};
  std::size_t pick = data[0] & 7u;
  if (pick < kEncodings.size()) {
    checkOne(text, kEncodings[pick], rng);
  } else {
    for (Encoding enc : kEncodings) checkOne(text, enc, rng);
  }
  return 0;
}
