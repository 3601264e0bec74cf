// SPDX-License-Identifier: MIT
#include "nodexx/web/encode_url.hpp"

#include <array>

#include "nodexx/web/internal/util_text.hpp"

namespace nx::web {
namespace {

using detail::appendPercent;

// Bytes that encodeurl leaves alone: \x21 \x23-\x3B \x3D \x3F-\x5F \x61-\x7A \x7C \x7E.
constexpr std::array<bool, 256> makeUrlSafe() {
  std::array<bool, 256> t{};
  t[0x21] = true;
  for (int c = 0x23; c <= 0x3B; ++c) t[c] = true;
  t[0x3D] = true;
  for (int c = 0x3F; c <= 0x5F; ++c) t[c] = true;
  for (int c = 0x61; c <= 0x7A; ++c) t[c] = true;
  t[0x7C] = true;
  t[0x7E] = true;
  return t;
}
constexpr auto kUrlSafe = makeUrlSafe();

// encodeURIComponent's unreserved set: A-Z a-z 0-9 - _ . ! ~ * ' ( ).
constexpr std::array<bool, 256> makeComponentSafe() {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (char c : std::string_view("-_.!~*'()")) t[static_cast<unsigned char>(c)] = true;
  return t;
}
constexpr auto kComponentSafe = makeComponentSafe();

// Percent-encodes the UTF-8 sequence at text[i] (replacing ill-formed bytes by U+FFFD's
// encoding) and returns the number of input bytes used.
std::size_t encodeSequence(std::string& out, std::string_view text, std::size_t i) {
  std::int32_t cp = 0;
  const std::size_t n = detail::decodeUtf8(text, i, cp);
  if (cp < 0) {
    out.append("%EF%BF%BD");
  } else {
    for (std::size_t k = 0; k < n; ++k) appendPercent(out, static_cast<unsigned char>(text[i + k]));
  }
  return n;
}

}  // namespace

void appendEncodedUrl(std::string& out, std::string_view url) {
  out.reserve(out.size() + url.size());
  std::size_t i = 0;
  while (i < url.size()) {
    const auto c = static_cast<unsigned char>(url[i]);
    if (c == '%') {
      if (i + 2 < url.size() && detail::hexValue(url[i + 1]) >= 0 &&
          detail::hexValue(url[i + 2]) >= 0) {
        out.append(url.substr(i, 3));
        i += 3;
      } else {
        out.append("%25");
        ++i;
      }
    } else if (kUrlSafe[c]) {
      out.push_back(static_cast<char>(c));
      ++i;
    } else {
      i += encodeSequence(out, url, i);
    }
  }
}

std::string encodeUrl(std::string_view url) {
  std::string out;
  appendEncodedUrl(out, url);
  return out;
}

std::string encodeURIComponent(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (kComponentSafe[c]) {
      out.push_back(static_cast<char>(c));
      ++i;
    } else {
      i += encodeSequence(out, text, i);
    }
  }
  return out;
}

std::optional<std::string> decodeURIComponent(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '%') {
      out.push_back(text[i++]);
      continue;
    }
    // One escape, then as many continuation escapes as its lead byte announces.
    auto byteAt = [&](std::size_t at) -> int {
      if (at + 2 >= text.size() || text[at] != '%') return -1;
      const int hi = detail::hexValue(text[at + 1]);
      const int lo = detail::hexValue(text[at + 2]);
      return (hi < 0 || lo < 0) ? -1 : hi * 16 + lo;
    };
    const int b0 = byteAt(i);
    if (b0 < 0) return std::nullopt;
    if (b0 < 0x80) {
      out.push_back(static_cast<char>(b0));
      i += 3;
      continue;
    }
    std::size_t n = 0;
    if ((b0 & 0xE0) == 0xC0) {
      n = 2;
    } else if ((b0 & 0xF0) == 0xE0) {
      n = 3;
    } else if ((b0 & 0xF8) == 0xF0) {
      n = 4;
    } else {
      return std::nullopt;
    }
    char bytes[4];
    bytes[0] = static_cast<char>(b0);
    for (std::size_t k = 1; k < n; ++k) {
      const int b = byteAt(i + 3 * k);
      if (b < 0 || (b & 0xC0) != 0x80) return std::nullopt;
      bytes[k] = static_cast<char>(b);
    }
    std::int32_t cp = 0;
    if (detail::decodeUtf8(std::string_view(bytes, n), 0, cp) != n || cp < 0) return std::nullopt;
    out.append(bytes, n);
    i += 3 * n;
  }
  return out;
}

void appendEscapedHtml(std::string& out, std::string_view text) {
  out.reserve(out.size() + text.size());
  std::size_t last = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    std::string_view rep;
    switch (text[i]) {
      case '"':
        rep = "&quot;";
        break;
      case '&':
        rep = "&amp;";
        break;
      case '\'':
        rep = "&#39;";
        break;
      case '<':
        rep = "&lt;";
        break;
      case '>':
        rep = "&gt;";
        break;
      default:
        continue;
    }
    out.append(text.substr(last, i - last));
    out.append(rep);
    last = i + 1;
  }
  out.append(text.substr(last));
}

std::string escapeHtml(std::string_view text) {
  std::string out;
  appendEscapedHtml(out, text);
  return out;
}

}  // namespace nx::web
