// SPDX-License-Identifier: MIT
#include "nodexx/web/mime.hpp"

#include <algorithm>
#include <array>

#include "nodexx/web/internal/util_mime_table.hpp"
#include "nodexx/web/internal/util_text.hpp"

namespace nx::web::mime {
namespace {

// Longest extension / media type in mime-db is far below this; longer input cannot match.
constexpr std::size_t kMaxKey = 128;

// Lower-cases `s` into `buf`; nullopt if it does not fit (then it is in no table).
std::optional<std::string_view> lowerInto(std::array<char, kMaxKey>& buf, std::string_view s) {
  if (s.size() > buf.size()) return std::nullopt;
  for (std::size_t i = 0; i < s.size(); ++i) buf[i] = detail::lowerAscii(s[i]);
  return std::string_view(buf.data(), s.size());
}

const table::TypeEntry* findType(std::string_view lowerType) noexcept {
  const auto* begin = table::kTypes;
  const auto* end = table::kTypes + table::kTypeCount;
  const auto* it = std::lower_bound(
      begin, end, lowerType,
      [](const table::TypeEntry& e, std::string_view key) { return e.type < key; });
  return (it != end && it->type == lowerType) ? it : nullptr;
}

// JavaScript's \s for the ASCII range (the table holds only ASCII types).
constexpr bool isJsSpace(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// mime-types' EXTRACT_TYPE_REGEXP: leading whitespace skipped, then up to `;` or whitespace.
std::string_view extractType(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size() && isJsSpace(s[i])) ++i;
  std::size_t j = i;
  while (j < s.size() && s[j] != ';' && !isJsSpace(s[j])) ++j;
  return s.substr(i, j - i);
}

// Node's path.posix.extname() of "x." + path, without building that string: returns the
// extension without its dot, as a view into `path` (empty when there is none).
std::string_view extnameOfPrefixed(std::string_view path) noexcept {
  const auto size = static_cast<std::ptrdiff_t>(path.size()) + 2;
  auto at = [&](std::ptrdiff_t i) {
    return i < 2 ? "x."[i] : path[static_cast<std::size_t>(i - 2)];
  };
  std::ptrdiff_t startDot = -1, startPart = 0, end = -1;
  bool matchedSlash = true;
  int preDotState = 0;
  for (std::ptrdiff_t i = size - 1; i >= 0; --i) {
    const char c = at(i);
    if (c == '/') {
      if (!matchedSlash) {
        startPart = i + 1;
        break;
      }
      continue;
    }
    if (end == -1) {
      matchedSlash = false;
      end = i + 1;
    }
    if (c == '.') {
      if (startDot == -1) {
        startDot = i;
      } else if (preDotState != 1) {
        preDotState = 1;
      }
    } else if (startDot != -1) {
      preDotState = -1;
    }
  }
  if (startDot == -1 || end == -1 || preDotState == 0 ||
      (preDotState == 1 && startDot == end - 1 && startDot == startPart + 1)) {
    return {};
  }
  // startDot >= 1 (index 0 is the prefix's 'x'), so the text after the dot lies in `path`.
  return path.substr(static_cast<std::size_t>(startDot - 1),
                     static_cast<std::size_t>(end - startDot - 1));
}

std::optional<std::string_view> findExtension(std::string_view ext) noexcept {
  std::array<char, kMaxKey> buf{};
  const auto lower = lowerInto(buf, ext);
  if (!lower || lower->empty()) return std::nullopt;
  const auto* begin = table::kExtensions;
  const auto* end = table::kExtensions + table::kExtensionCount;
  const auto* it = std::lower_bound(
      begin, end, *lower,
      [](const table::ExtensionEntry& e, std::string_view key) { return e.extension < key; });
  if (it != end && it->extension == *lower) return it->type;
  return std::nullopt;
}

}  // namespace

std::optional<std::string_view> lookup(std::string_view path) noexcept {
  if (path.empty()) return std::nullopt;
  return findExtension(extnameOfPrefixed(path));
}

std::optional<std::string_view> charset(std::string_view type) noexcept {
  if (type.empty()) return std::nullopt;
  const std::string_view t = extractType(type);
  std::array<char, kMaxKey> buf{};
  if (const auto lower = lowerInto(buf, t)) {
    if (const auto* e = findType(*lower); e && !e->charset.empty()) return e->charset;
  }
  if (t.size() >= 5 && detail::equalsIgnoreCase(t.substr(0, 5), "text/")) return "UTF-8";
  return std::nullopt;
}

std::optional<std::string_view> extension(std::string_view type) noexcept {
  if (type.empty()) return std::nullopt;
  std::array<char, kMaxKey> buf{};
  const auto lower = lowerInto(buf, extractType(type));
  if (!lower) return std::nullopt;
  const auto* e = findType(*lower);
  if (e == nullptr || e->extension.empty()) return std::nullopt;
  return e->extension;
}

std::optional<std::string> contentType(std::string_view typeOrExt) {
  if (typeOrExt.empty()) return std::nullopt;
  std::string mime;
  if (typeOrExt.find('/') == std::string_view::npos) {
    const auto found = lookup(typeOrExt);
    if (!found) return std::nullopt;
    mime = *found;
  } else {
    mime = typeOrExt;
  }
  if (mime.find("charset") == std::string::npos) {
    if (const auto cs = charset(mime)) {
      mime.append("; charset=");
      mime.append(detail::toLowerAscii(*cs));
    }
  }
  return mime;
}

}  // namespace nx::web::mime
