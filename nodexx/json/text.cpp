// SPDX-License-Identifier: MIT
#include "nodexx/json/internal/text.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace nx::json::detail {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// Per byte: 0 copies as is, 1 needs an escape, 2 starts a multi-byte (or invalid) sequence.
constexpr std::array<std::uint8_t, 256> makeClasses() {
  std::array<std::uint8_t, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[static_cast<std::size_t>(c)] = 1;
  t['"'] = 1;
  t['\\'] = 1;
  for (int c = 0x80; c < 0x100; ++c) t[static_cast<std::size_t>(c)] = 2;
  return t;
}
constexpr std::array<std::uint8_t, 256> kClass = makeClasses();

// The length of the well-formed UTF-8 sequence at p (Unicode table 3-7), or 0 when it is
// ill-formed; then `skip` is the length of its maximal subpart, which becomes one U+FFFD.
std::size_t utf8Sequence(const unsigned char* p, const unsigned char* end, std::size_t& skip) {
  const unsigned char c = *p;
  std::size_t need = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    need = 1;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 2;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;  // UTF-16 surrogates are not characters
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 3;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    skip = 1;
    return 0;
  }
  for (std::size_t i = 1; i <= need; ++i) {
    if (p + i >= end || p[i] < lo || p[i] > hi) {
      skip = i;
      return 0;
    }
    lo = 0x80;
    hi = 0xBF;
  }
  return need + 1;
}

}  // namespace

void appendString(std::string& out, std::string_view s, bool escapeLineSeparators) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  out.push_back('"');
  while (p < end) {
    // Copy the longest run that needs nothing, in one append.
    const auto* run = p;
    while (p < end && kClass[*p] == 0) ++p;
    if (p != run) out.append(reinterpret_cast<const char*>(run), static_cast<std::size_t>(p - run));
    if (p == end) break;
    const unsigned char c = *p;
    if (kClass[c] == 1) {
      char esc[6] = {'\\', 0, 0, 0, 0, 0};
      std::size_t n = 2;
      switch (c) {
        case '"':
          esc[1] = '"';
          break;
        case '\\':
          esc[1] = '\\';
          break;
        case '\b':
          esc[1] = 'b';
          break;
        case '\f':
          esc[1] = 'f';
          break;
        case '\n':
          esc[1] = 'n';
          break;
        case '\r':
          esc[1] = 'r';
          break;
        case '\t':
          esc[1] = 't';
          break;
        default:
          esc[1] = 'u';
          esc[2] = '0';
          esc[3] = '0';
          esc[4] = kHex[c >> 4];
          esc[5] = kHex[c & 0xF];
          n = 6;
          break;
      }
      out.append(esc, n);
      ++p;
      continue;
    }
    std::size_t skip = 0;
    const std::size_t len = utf8Sequence(p, end, skip);
    if (len == 0) {
      out.append("\xEF\xBF\xBD");
      p += skip;
    } else if (escapeLineSeparators && len == 3 && c == 0xE2 && p[1] == 0x80 &&
               (p[2] == 0xA8 || p[2] == 0xA9)) {
      out.append(p[2] == 0xA8 ? "\\u2028" : "\\u2029");
      p += 3;
    } else {
      out.append(reinterpret_cast<const char*>(p), len);
      p += len;
    }
  }
  out.push_back('"');
}

void appendDouble(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out.append("null");
    return;
  }
  if (d == 0) {
    out.push_back('0');  // also -0, as JSON.stringify
    return;
  }
  // The shortest round-trip digits in scientific form, "-d.ddde+XX", then laid out as
  // ECMA-262 Number::toString does: k digits, decimal exponent n (value = 0.digits * 10^n).
  char sci[40];
  const auto r = std::to_chars(sci, sci + sizeof sci, d, std::chars_format::scientific);
  const char* p = sci;
  if (*p == '-') {
    out.push_back('-');
    ++p;
  }
  char digits[24];
  int k = 0;
  for (; p < r.ptr && *p != 'e'; ++p) {
    if (*p != '.') digits[k++] = *p;
  }
  int exponent = 0;
  std::from_chars(p + 1 + (p[1] == '+' ? 1 : 0), r.ptr, exponent);
  const int n = exponent + 1;
  if (k <= n && n <= 21) {
    out.append(digits, static_cast<std::size_t>(k));
    out.append(static_cast<std::size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out.append(digits, static_cast<std::size_t>(n));
    out.push_back('.');
    out.append(digits + n, static_cast<std::size_t>(k - n));
  } else if (-6 < n && n <= 0) {
    out.append("0.");
    out.append(static_cast<std::size_t>(-n), '0');
    out.append(digits, static_cast<std::size_t>(k));
  } else {
    out.push_back(digits[0]);
    if (k > 1) {
      out.push_back('.');
      out.append(digits + 1, static_cast<std::size_t>(k - 1));
    }
    out.push_back('e');
    out.push_back(n - 1 < 0 ? '-' : '+');
    char buf[8];
    const auto e = std::to_chars(buf, buf + sizeof buf, std::abs(n - 1));
    out.append(buf, e.ptr);
  }
}

}  // namespace nx::json::detail
