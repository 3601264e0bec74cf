// SPDX-License-Identifier: MIT
#include "nodexx/web/content_type.hpp"

#include "nodexx/core/errors.hpp"
#include "nodexx/web/internal/util_text.hpp"

namespace nx::web::content_type {
namespace {

constexpr std::size_t kNoStop = static_cast<std::size_t>(-1);

std::size_t skipOws(std::string_view s, std::size_t i) noexcept {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  return i;
}

std::size_t trailingOws(std::string_view s, std::size_t start, std::size_t end) noexcept {
  while (end > start && (s[end - 1] == ' ' || s[end - 1] == '\t')) --end;
  return end;
}

bool isStop(char c, std::size_t stop) noexcept {
  return stop != kNoStop && static_cast<unsigned char>(c) == stop;
}

std::size_t skipValue(std::string_view s, std::size_t i, std::size_t stop) noexcept {
  while (i < s.size() && s[i] != ';' && !isStop(s[i], stop)) ++i;
  return i;
}

void addParameter(ContentType& ct, std::string key, std::string value) {
  for (const auto& [k, v] : ct.parameters) {
    if (k == key) return;  // the first occurrence wins
  }
  ct.parameters.emplace_back(std::move(key), std::move(value));
}

// Characters a parameter value may hold at all: HTAB, U+0020-U+007E, U+0080-U+00FF (the
// latin1 text the package accepts), read as UTF-8 code points.
bool isText(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size()) {
    std::int32_t c = 0;
    i += detail::decodeUtf8(s, i, c);
    if (!(c == '\t' || (c >= 0x20 && c <= 0x7E) || (c >= 0x80 && c <= 0xFF))) return false;
  }
  return true;
}

void appendQuoted(std::string& out, std::string_view value) {
  if (detail::isTokenString(value)) {
    out.append(value);
    return;
  }
  if (!isText(value)) {
    throw SystemError("ERR_INVALID_ARG_VALUE", "Invalid parameter value: " + std::string(value));
  }
  out.push_back('"');
  for (char c : value) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
}

}  // namespace

std::optional<std::string_view> ContentType::parameter(std::string_view name) const noexcept {
  for (const auto& [k, v] : parameters) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

ContentType parse(std::string_view header, const ParseOptions& options) {
  const std::size_t stop = options.comma ? std::size_t{','} : kNoStop;
  const std::size_t len = header.size();
  ContentType ct;
  if (options.start >= len) {
    // Nothing to read: the package reports the start offset back.
    ct.index = options.start;
    return ct;
  }
  std::size_t index = skipOws(header, options.start);
  const std::size_t valueStart = index;
  index = skipValue(header, index, stop);
  ct.type = detail::toLowerAscii(
      header.substr(valueStart, trailingOws(header, valueStart, index) - valueStart));
  if (!options.parameters) {
    ct.index = index;
    return ct;
  }
  // A direct port of the package's loop: `index` sits on a ';' (or the stop character) when a
  // parameter begins.
  while (index < len) {
    if (isStop(header[index], stop)) break;
    index = skipOws(header, index + 1);
    const std::size_t keyStart = index;
    bool next = false;
    while (index < len && !next) {
      const char c = header[index];
      if (isStop(c, stop)) {
        ct.index = index;
        return ct;
      }
      if (c == ';') {
        next = true;
        break;
      }
      if (c == '=') {
        std::string key = detail::toLowerAscii(
            header.substr(keyStart, trailingOws(header, keyStart, index) - keyStart));
        index = skipOws(header, index + 1);
        if (index < len && header[index] == '"') {
          ++index;
          std::string value;
          while (index < len) {
            const char v = header[index++];
            if (v == '"') {
              index = skipValue(header, index, stop);
              addParameter(ct, std::move(key), std::move(value));
              break;
            }
            if (v == '\\' && index < len) {
              value.push_back(header[index++]);
              continue;
            }
            value.push_back(v);
          }
          next = true;
          break;
        }
        const std::size_t vStart = index;
        index = skipValue(header, index, stop);
        addParameter(
            ct, std::move(key),
            std::string(header.substr(vStart, trailingOws(header, vStart, index) - vStart)));
        next = true;
        break;
      }
      ++index;
    }
  }
  ct.index = index;
  return ct;
}

ContentType parseStrict(std::string_view header, const ParseOptions& options) {
  ContentType ct = parse(header, options);
  if (!isValidType(ct.type)) throw SystemError("ERR_INVALID_MEDIA_TYPE", "invalid media type");
  return ct;
}

std::string_view essence(std::string_view header) noexcept {
  const std::size_t semi = header.find(';');
  return detail::trimOws(header.substr(0, semi));
}

bool isToken(std::string_view s) noexcept { return detail::isTokenString(s); }

bool isValidType(std::string_view type) noexcept {
  const std::size_t slash = type.find('/');
  if (slash == std::string_view::npos) return false;
  return detail::isTokenString(type.substr(0, slash)) &&
         detail::isTokenString(type.substr(slash + 1));
}

std::string format(std::string_view type,
                   const std::vector<std::pair<std::string, std::string>>& parameters) {
  if (!isValidType(type))
    throw SystemError("ERR_INVALID_ARG_VALUE", "Invalid type: " + std::string(type));
  std::string out(type);
  for (const auto& [name, value] : parameters) {
    if (!detail::isTokenString(name)) {
      throw SystemError("ERR_INVALID_ARG_VALUE", "Invalid parameter name: " + name);
    }
    out.append("; ");
    out.append(name);
    out.push_back('=');
    appendQuoted(out, value);
  }
  return out;
}

std::string format(const ContentType& contentType) {
  return format(contentType.type, contentType.parameters);
}

}  // namespace nx::web::content_type
