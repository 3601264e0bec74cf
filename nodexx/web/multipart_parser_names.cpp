// SPDX-License-Identifier: MIT
// File names in the multipart parser: RFC 5987 ext-values, sanitising and escaping.
#include "nodexx/web/multipart_parser.hpp"

#include <string>
#include <string_view>

namespace nx::web::multipart {

namespace {

constexpr char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

int hexValue(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Length of the UTF-8 sequence starting at s[i] if it is valid (shortest form, no surrogates,
// at most U+10FFFF), else 0.
std::size_t utf8Length(std::string_view s, std::size_t i) noexcept {
  auto c = static_cast<unsigned char>(s[i]);
  std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  char32_t cp = n == 1 ? c : n == 2 ? (c & 0x1Fu) : n == 3 ? (c & 0x0Fu) : (c & 0x07u);
  for (std::size_t k = 1; k < n; ++k) {
    auto d = static_cast<unsigned char>(s[i + k]);
    if ((d & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (d & 0x3Fu);
  }
  static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

char32_t utf8Decode(std::string_view s, std::size_t i, std::size_t n) noexcept {
  auto c = static_cast<unsigned char>(s[i]);
  char32_t cp = n == 1 ? c : n == 2 ? (c & 0x1Fu) : n == 3 ? (c & 0x0Fu) : (c & 0x07u);
  for (std::size_t k = 1; k < n; ++k)
    cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3Fu);
  return cp;
}

// Characters removed from file names: C0/C1 controls and DEL, and the invisible bidirectional
// controls that make "gpj.exe" display as "exe.jpg".
bool isUnsafeCodePoint(char32_t cp) noexcept {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x200E || cp == 0x200F ||
         (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF;
}

}  // namespace

std::optional<std::string> decodeExtValue(std::string_view value) {
  const std::size_t q1 = value.find('\'');
  if (q1 == std::string_view::npos) return std::nullopt;
  const std::size_t q2 = value.find('\'', q1 + 1);
  if (q2 == std::string_view::npos) return std::nullopt;
  const std::string_view charset = value.substr(0, q1);
  const bool latin1 = iequals(charset, "iso-8859-1") || iequals(charset, "latin1");
  if (!latin1 && !iequals(charset, "utf-8")) return std::nullopt;
  std::string bytes;
  bytes.reserve(value.size());
  for (std::size_t i = q2 + 1; i < value.size(); ++i) {
    char c = value[i];
    if (c == '%') {
      if (i + 2 >= value.size()) return std::nullopt;
      const int hi = hexValue(value[i + 1]), lo = hexValue(value[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    bytes.push_back(c);
  }
  if (!latin1) return bytes;
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x80) {
      out.push_back(c);
    } else {
      out.push_back(static_cast<char>(0xC0 | (u >> 6)));
      out.push_back(static_cast<char>(0x80 | (u & 0x3F)));
    }
  }
  return out;
}

std::string sanitizeFilename(std::string_view name) {
  if (const std::size_t slash = name.find_last_of("/\\"); slash != std::string_view::npos)
    name.remove_prefix(slash + 1);
  std::string out;
  out.reserve(name.size());
  for (std::size_t i = 0; i < name.size();) {
    const std::size_t n = utf8Length(name, i);
    if (n == 0) {
      ++i;  // an invalid byte is dropped
      continue;
    }
    if (!isUnsafeCodePoint(utf8Decode(name, i, n))) out.append(name.substr(i, n));
    i += n;
  }
  const std::size_t first = out.find_first_not_of(" .");
  if (first == std::string::npos) return {};
  const std::size_t last = out.find_last_not_of(" .");
  out = out.substr(first, last - first + 1);
  constexpr std::size_t kMax = 255;
  if (out.size() > kMax) {
    // Keep a short extension; cut the stem at a character boundary.
    std::string ext;
    if (const std::size_t dot = out.rfind('.'); dot != std::string::npos && out.size() - dot <= 16)
      ext = out.substr(dot);
    std::size_t cut = kMax - ext.size();
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out = out.substr(0, cut) + ext;
    // The cut may have exposed dots or spaces at the end.
    out.erase(out.find_last_not_of(" .") + 1);
  }
  return out;
}

std::string escapeFilename(std::string_view name) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(name.size());
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7F || c == '%') {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace nx::web::multipart
