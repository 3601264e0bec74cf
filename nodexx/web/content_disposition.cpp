// SPDX-License-Identifier: MIT
#include "nodexx/web/content_disposition.hpp"

#include "nodexx/core/errors.hpp"
#include "nodexx/web/encode_url.hpp"
#include "nodexx/web/internal/util_text.hpp"

namespace nx::web::content_disposition {
namespace {

std::size_t skipOws(std::string_view s, std::size_t i) noexcept {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  return i;
}

std::size_t trailingOws(std::string_view s, std::size_t start, std::size_t end) noexcept {
  while (end > start && (s[end - 1] == ' ' || s[end - 1] == '\t')) --end;
  return end;
}

std::size_t parseToken(std::string_view s, std::size_t i) noexcept {
  while (i < s.size() && s[i] != ';') ++i;
  return i;
}

bool isAsciiText(std::string_view s) noexcept {
  for (char c : s) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

bool hasPercentEscape(std::string_view s) noexcept {
  for (std::size_t i = 0; i + 2 < s.size(); ++i) {
    if (s[i] == '%' && detail::hexValue(s[i + 1]) >= 0 && detail::hexValue(s[i + 2]) >= 0) {
      return true;
    }
  }
  return false;
}

// The package's getAscii(): each UTF-16 unit outside 0x20-0x7E becomes '?', so a character
// beyond the BMP becomes "??" and ill-formed UTF-8 (U+FFFD after decoding) one '?'.
std::string getAscii(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    std::int32_t cp = 0;
    i += detail::decodeUtf8(s, i, cp);
    if (cp >= 0x20 && cp <= 0x7E) {
      out.push_back(static_cast<char>(cp));
    } else {
      out.append(cp >= 0x10000 ? "??" : "?");
    }
  }
  return out;
}

void appendQuoted(std::string& out, std::string_view value) {
  out.push_back('"');
  for (char c : value) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
}

// format() with extended = false, for the ASCII values create() produces.
void appendParameter(std::string& out, std::string_view name, std::string_view value) {
  out.append("; ");
  out.append(name);
  out.push_back('=');
  if (detail::isTokenString(value)) {
    out.append(value);
  } else {
    appendQuoted(out, value);
  }
}

void setParameter(ContentDisposition& cd, std::string key, std::string value, bool replace) {
  for (auto& [k, v] : cd.parameters) {
    if (k == key) {
      if (replace) v = std::move(value);
      return;
    }
  }
  cd.parameters.emplace_back(std::move(key), std::move(value));
}

bool hasParameter(const ContentDisposition& cd, std::string_view key) noexcept {
  for (const auto& kv : cd.parameters) {
    if (kv.first == key) return true;
  }
  return false;
}

}  // namespace

std::optional<std::string_view> ContentDisposition::parameter(
    std::string_view name) const noexcept {
  for (const auto& [k, v] : parameters) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

std::string encodeExtended(std::string_view value) {
  std::string out = "UTF-8''";
  const std::string encoded = encodeURIComponent(value);
  out.reserve(out.size() + encoded.size());
  for (char c : encoded) {
    // encodeURIComponent leaves ' ( ) * alone; RFC 8187 attr-char does not allow them.
    if (c == '\'' || c == '(' || c == ')' || c == '*') {
      detail::appendPercent(out, static_cast<unsigned char>(c));
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string create(std::optional<std::string_view> filename, const CreateOptions& options) {
  const std::string_view type =
      options.type.empty() ? std::string_view("attachment") : options.type;
  if (!detail::isTokenString(type)) {
    throw SystemError("ERR_INVALID_ARG_VALUE", "Invalid type: " + std::string(type));
  }
  std::string out(type);
  if (!filename) return out;
  if (options.fallbackName) {
    const std::string_view fallback = *options.fallbackName;
    if (!isAsciiText(fallback)) {
      throw SystemError("ERR_INVALID_ARG_VALUE",
                        "Fallback must be valid US-ASCII: " + std::string(fallback));
    }
    appendParameter(out, "filename", fallback);
    if (fallback != *filename) appendParameter(out, "filename*", encodeExtended(*filename));
    return out;
  }
  if (isAsciiText(*filename) && !hasPercentEscape(*filename)) {
    appendParameter(out, "filename", *filename);
    return out;
  }
  if (options.fallback) appendParameter(out, "filename", getAscii(*filename));
  appendParameter(out, "filename*", encodeExtended(*filename));
  return out;
}

std::optional<std::string> decodeExtended(std::string_view value) {
  const std::size_t charsetEnd = value.find('\'');
  if (charsetEnd == std::string_view::npos || charsetEnd == 0) return std::nullopt;
  const std::size_t languageEnd = value.find('\'', charsetEnd + 1);
  if (languageEnd == std::string_view::npos) return std::nullopt;
  const std::string charset = detail::toLowerAscii(value.substr(0, charsetEnd));
  const std::string_view encoded = value.substr(languageEnd + 1);
  if (charset == "iso-8859-1") {
    // Each escape and each raw byte is one ISO-8859-1 character; the result is UTF-8.
    std::string out;
    for (std::size_t i = 0; i < encoded.size(); ++i) {
      int b = static_cast<unsigned char>(encoded[i]);
      if (encoded[i] == '%' && i + 2 < encoded.size() && detail::hexValue(encoded[i + 1]) >= 0 &&
          detail::hexValue(encoded[i + 2]) >= 0) {
        b = detail::hexValue(encoded[i + 1]) * 16 + detail::hexValue(encoded[i + 2]);
        i += 2;
      }
      detail::appendUtf8(out, static_cast<std::uint32_t>(b));
    }
    return out;
  }
  if (charset == "utf-8" || charset == "utf8") return decodeURIComponent(encoded);
  return std::nullopt;
}

ContentDisposition parse(std::string_view header, const ParseOptions& options) {
  const std::size_t len = header.size();
  ContentDisposition cd;
  std::size_t index = skipOws(header, 0);
  const std::size_t typeStart = index;
  index = parseToken(header, index);
  cd.type = detail::toLowerAscii(
      header.substr(typeStart, trailingOws(header, typeStart, index) - typeStart));
  while (index < len) {
    index = skipOws(header, index + 1);  // over the ';'
    const std::size_t keyStart = index;
    while (index < len) {
      const char c = header[index];
      if (c == ';') break;
      if (c != '=') {
        ++index;
        continue;
      }
      std::string key = detail::toLowerAscii(
          header.substr(keyStart, trailingOws(header, keyStart, index) - keyStart));
      index = skipOws(header, index + 1);
      if (index < len && header[index] == '"') {
        ++index;
        std::string value;
        bool closed = false;
        while (index < len) {
          const char v = header[index++];
          if (v == '"') {
            closed = true;
            break;
          }
          if (options.multipart) {
            if (v == '%' && index + 1 < len) {
              const char c2 = header[index], c3 = header[index + 1];
              if (c2 == '2' && c3 == '2') {
                value.push_back('"');
                index += 2;
                continue;
              }
              if (c2 == '0' && (c3 == 'd' || c3 == 'D')) {
                value.push_back('\r');
                index += 2;
                continue;
              }
              if (c2 == '0' && (c3 == 'a' || c3 == 'A')) {
                value.push_back('\n');
                index += 2;
                continue;
              }
            }
          } else if (v == '\\' && index < len) {
            value.push_back(header[index++]);
            continue;
          }
          value.push_back(v);
        }
        if (closed) {
          index = parseToken(header, index);
          if (!hasParameter(cd, key)) setParameter(cd, std::move(key), std::move(value), false);
        }
        break;
      }
      const std::size_t valueStart = index;
      index = parseToken(header, index);
      std::string value(
          header.substr(valueStart, trailingOws(header, valueStart, index) - valueStart));
      if (!hasParameter(cd, key)) {
        const bool extended = options.extended && !key.empty() && key.back() == '*';
        std::string normalizedKey = extended ? key.substr(0, key.size() - 1) : std::string();
        std::optional<std::string> decoded;
        if (extended) decoded = decodeExtended(value);
        setParameter(cd, std::move(key), std::move(value), false);
        if (decoded) setParameter(cd, std::move(normalizedKey), std::move(*decoded), true);
      }
      break;
    }
  }
  return cd;
}

}  // namespace nx::web::content_disposition
