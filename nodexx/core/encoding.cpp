// SPDX-License-Identifier: MIT
#include "nodexx/core/internal/encoding.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

namespace nx::detail {

// ---------------------------------------------------------------------------------------------
// UTF-8 decoding (WHATWG, "maximal subpart" replacement as in V8)

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

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

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

bool equalsIgnoreCase(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != b[i]) return false;
  }
  return true;
}

}  // namespace

constexpr std::array<char, 512> kHexPairs = makeHexPairs();

// ---------------------------------------------------------------------------------------------
// Encoding dispatch

std::size_t byteLength(std::string_view string, Encoding enc) noexcept {
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

std::string bytesToString(const std::uint8_t* s, std::size_t n, Encoding enc) {
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

std::optional<Encoding> parseEncoding(std::string_view name) noexcept {
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

}  // namespace nx::detail
