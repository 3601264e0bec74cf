// SPDX-License-Identifier: MIT
// Node's lib/querystring.js, transcribed: the parse loop keeps Node's exact rules for when a
// key or value is decoded (only after a valid %XX escape was seen) so that the odd cases, such
// as non-ASCII text next to a malformed escape, give Node's bytes.
#include "nodexx/http/query.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "nodexx/http/internal/url_host.hpp"

namespace nx::http::querystring {
namespace {

using detail::hexValue;

// Canonical array index: "0" or a decimal without leading zero below 2^32 - 1.
bool isArrayIndex(std::string_view s, std::uint32_t& value) {
  if (s.empty() || s.size() > 10 || (s.size() > 1 && s[0] == '0')) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  if (v >= 0xFFFFFFFFull) return false;
  value = static_cast<std::uint32_t>(v);
  return true;
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

// Bytes as a JS string from Buffer#toString('utf8'): invalid sequences become U+FFFD.
std::string utf8Sanitize(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  // Re-encode through UTF-16 so that invalid input is replaced; surrogate pairs recombine.
  auto units = detail::toUtf16(bytes);
  for (std::size_t i = 0; i < units.size(); ++i) {
    char32_t cp = units[i];
    if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < units.size() && units[i + 1] >= 0xDC00 &&
        units[i + 1] <= 0xDFFF) {
      cp = 0x10000 + ((cp - 0xD800) << 10) + (units[i + 1] - 0xDC00);
      ++i;
    }
    appendUtf8(out, cp);
  }
  return out;
}

// decodeURIComponent(s), or nullopt where it would throw URIError: a `%` without two hex
// digits, or escapes that do not spell whole, valid UTF-8 characters.
std::optional<std::string> decodeUriComponent(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto escapedByte = [&](std::size_t i) -> int {
    if (i + 2 >= s.size()) return -1;
    if (s[i] != '%') return -1;
    int h = hexValue(static_cast<unsigned char>(s[i + 1]));
    int l = hexValue(static_cast<unsigned char>(s[i + 2]));
    return h < 0 || l < 0 ? -1 : h * 16 + l;
  };
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] != '%') {
      out += s[i++];
      continue;
    }
    int b = escapedByte(i);
    if (b < 0) return std::nullopt;
    i += 3;
    if (b < 0x80) {
      out += static_cast<char>(b);
      continue;
    }
    int n;
    char32_t cp;
    if ((b & 0xE0) == 0xC0) {
      n = 1;
      cp = static_cast<char32_t>(b & 0x1F);
    } else if ((b & 0xF0) == 0xE0) {
      n = 2;
      cp = static_cast<char32_t>(b & 0x0F);
    } else if ((b & 0xF8) == 0xF0) {
      n = 3;
      cp = static_cast<char32_t>(b & 0x07);
    } else {
      return std::nullopt;
    }
    for (int k = 0; k < n; ++k) {
      int c = escapedByte(i);
      if (c < 0 || (c & 0xC0) != 0x80) return std::nullopt;
      cp = (cp << 6) | static_cast<char32_t>(c & 0x3F);
      i += 3;
    }
    static constexpr char32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
    appendUtf8(out, cp);
  }
  return out;
}

// Node's unescapeBuffer: works on UTF-16 code units and keeps only each unit's low byte,
// which is what `out[i] = charCode` does to a Uint8Array.
std::string unescapeBuffer(std::string_view s, bool decodeSpaces) {
  auto units = detail::toUtf16(s);
  std::string out;
  out.reserve(units.size());
  auto unhex = [](char16_t u) { return u < 0x80 ? hexValue(static_cast<unsigned char>(u)) : -1; };
  const std::size_t maxLength = units.size() >= 2 ? units.size() - 2 : 0;
  std::size_t index = 0;
  while (index < units.size()) {
    char16_t current = units[index];
    if (current == u'+' && decodeSpaces) {
      out += ' ';
      ++index;
      continue;
    }
    if (current == u'%' && index < maxLength) {
      current = units[++index];
      int high = unhex(current);
      if (high < 0) {
        out += '%';
        continue;
      }
      int low = unhex(units[++index]);
      if (low < 0) {
        out += '%';
        --index;
      } else {
        current = static_cast<char16_t>(high * 16 + low);
      }
    }
    out += static_cast<char>(current & 0xFF);
    ++index;
  }
  return out;
}

std::string decodeStr(std::string_view s) {
  if (auto d = decodeUriComponent(s)) return std::move(*d);
  return utf8Sanitize(unescapeBuffer(s, false));
}

// Unreserved characters of Node's querystring.escape (noEscape table).
bool noEscape(unsigned char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~' || c == '!' || c == '\'' || c == '(' || c == ')' ||
         c == '*';
}

}  // namespace

// ---- ParsedQuery ----

const ParsedQuery::Entry* ParsedQuery::find(std::string_view key) const {
  for (const auto& e : entries_) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

std::optional<std::string_view> ParsedQuery::get(std::string_view key) const {
  const Entry* e = find(key);
  if (!e) return std::nullopt;
  return std::string_view(e->values.front());
}

const std::vector<std::string>& ParsedQuery::getAll(std::string_view key) const {
  static const std::vector<std::string> kNone;
  const Entry* e = find(key);
  return e ? e->values : kNone;
}

void ParsedQuery::add(std::string key, std::string value) {
  for (auto& e : entries_) {
    if (e.key == key) {
      e.values.push_back(std::move(value));
      return;
    }
  }
  std::uint32_t index;
  if (isArrayIndex(key, index)) {
    // Array-index keys enumerate first, in ascending order (ES property order).
    auto pos = std::upper_bound(
        entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(indexKeys_), index,
        [](std::uint32_t v, const Entry& e) { return v < std::stoul(e.key); });
    entries_.insert(pos, Entry{std::move(key), {std::move(value)}});
    ++indexKeys_;
  } else {
    entries_.push_back(Entry{std::move(key), {std::move(value)}});
  }
}

// ---- parse ----

ParsedQuery parse(std::string_view qs, const ParseOptions& options) {
  ParsedQuery obj;
  if (qs.empty()) return obj;
  std::string_view sep = options.sep.empty() ? "&" : options.sep;
  std::string_view eq = options.eq.empty() ? "=" : options.eq;
  const std::size_t sepLen = sep.size(), eqLen = eq.size();
  // Node counts down and stops at 0; -1 (here SIZE_MAX) means unlimited.
  std::size_t pairs = options.maxKeys > 0 ? options.maxKeys : SIZE_MAX;

  std::size_t lastPos = 0, sepIdx = 0, eqIdx = 0;
  std::string key, value;
  bool keyEncoded = false, valEncoded = false;
  int encodeCheck = 0;

  auto addKeyVal = [&] {
    if (!key.empty() && keyEncoded) key = decodeStr(key);
    if (!value.empty() && valEncoded) value = decodeStr(value);
    obj.add(std::move(key), std::move(value));
  };
  auto isHex = [](unsigned char c) { return hexValue(c) >= 0; };

  for (std::size_t i = 0; i < qs.size(); ++i) {
    const auto code = static_cast<unsigned char>(qs[i]);
    if (code == static_cast<unsigned char>(sep[sepIdx])) {
      if (++sepIdx == sepLen) {
        const std::size_t end = i - sepIdx + 1;
        if (eqIdx < eqLen) {
          if (lastPos < end) {
            key.append(qs.substr(lastPos, end - lastPos));
          } else if (key.empty()) {
            if (--pairs == 0) return obj;
            lastPos = i + 1;
            sepIdx = eqIdx = 0;
            continue;
          }
        } else if (lastPos < end) {
          value.append(qs.substr(lastPos, end - lastPos));
        }
        addKeyVal();
        if (--pairs == 0) return obj;
        keyEncoded = valEncoded = false;
        key.clear();
        value.clear();
        encodeCheck = 0;
        lastPos = i + 1;
        sepIdx = eqIdx = 0;
      }
      continue;
    }
    sepIdx = 0;
    if (eqIdx < eqLen) {
      if (code == static_cast<unsigned char>(eq[eqIdx])) {
        if (++eqIdx == eqLen) {
          const std::size_t end = i - eqIdx + 1;
          if (lastPos < end) key.append(qs.substr(lastPos, end - lastPos));
          encodeCheck = 0;
          lastPos = i + 1;
        }
        continue;
      }
      eqIdx = 0;
      if (!keyEncoded) {
        if (code == '%') {
          encodeCheck = 1;
          continue;
        }
        if (encodeCheck > 0) {
          if (isHex(code)) {
            if (++encodeCheck == 3) keyEncoded = true;
            continue;
          }
          encodeCheck = 0;
        }
      }
      if (code == '+') {
        if (lastPos < i) key.append(qs.substr(lastPos, i - lastPos));
        key += ' ';
        lastPos = i + 1;
        continue;
      }
    }
    if (code == '+') {
      if (lastPos < i) value.append(qs.substr(lastPos, i - lastPos));
      value += ' ';
      lastPos = i + 1;
    } else if (!valEncoded) {
      if (code == '%') {
        encodeCheck = 1;
      } else if (encodeCheck > 0) {
        if (isHex(code)) {
          if (++encodeCheck == 3) valEncoded = true;
        } else {
          encodeCheck = 0;
        }
      }
    }
  }

  if (lastPos < qs.size()) {
    if (eqIdx < eqLen) {
      key.append(qs.substr(lastPos));
    } else if (sepIdx < sepLen) {
      value.append(qs.substr(lastPos));
    }
  } else if (eqIdx == 0 && key.empty()) {
    return obj;
  }
  addKeyVal();
  return obj;
}

// ---- stringify / escape / unescape ----

std::string escape(std::string_view str) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(str.size());
  for (char ch : str) {
    auto c = static_cast<unsigned char>(ch);
    if (noEscape(c)) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

std::string unescape(std::string_view str, bool decodeSpaces) {
  if (auto d = decodeUriComponent(str)) return std::move(*d);
  return utf8Sanitize(unescapeBuffer(str, decodeSpaces));
}

std::string stringify(const ParsedQuery& query, std::string_view sep, std::string_view eq) {
  if (sep.empty()) sep = "&";
  if (eq.empty()) eq = "=";
  std::string fields;
  for (const auto& e : query.entries()) {
    if (e.values.empty()) continue;
    std::string ks = escape(e.key);
    ks += eq;
    for (const auto& v : e.values) {
      if (!fields.empty()) fields += sep;
      fields += ks;
      fields += escape(v);
    }
  }
  return fields;
}

std::string stringify(const std::vector<std::pair<std::string, std::string>>& pairs,
                      std::string_view sep, std::string_view eq) {
  if (sep.empty()) sep = "&";
  if (eq.empty()) eq = "=";
  std::string fields;
  for (const auto& [k, v] : pairs) {
    if (!fields.empty()) fields += sep;
    fields += escape(k);
    fields += eq;
    fields += escape(v);
  }
  return fields;
}

}  // namespace nx::http::querystring
