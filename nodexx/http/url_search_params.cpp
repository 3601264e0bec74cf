// SPDX-License-Identifier: MIT
// URLSearchParams (the application/x-www-form-urlencoded parser and serialiser of the URL
// Standard) and the small target helpers of url.hpp.
#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nodexx/core/buffer.hpp"
#include "nodexx/http/internal/url_host.hpp"
#include "nodexx/http/url.hpp"

namespace nx::http {

using detail::appendEncoded;
using detail::EncodeSet;
using detail::hexValue;

// ---- URLSearchParams ----

namespace {

std::string formDecode(std::string_view s) {
  std::string bytes;
  bytes.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '+') {
      bytes += ' ';
    } else if (c == '%' && i + 2 < s.size() &&
               hexValue(static_cast<unsigned char>(s[i + 1])) >= 0 &&
               hexValue(static_cast<unsigned char>(s[i + 2])) >= 0) {
      bytes += static_cast<char>(hexValue(static_cast<unsigned char>(s[i + 1])) * 16 +
                                 hexValue(static_cast<unsigned char>(s[i + 2])));
      i += 2;
    } else {
      bytes += c;
    }
  }
  // UTF-8 decode without BOM or fail: invalid sequences become U+FFFD.
  return Buffer::from(bytes).toString();
}

void formEncode(std::string& out, std::string_view s) {
  for (char c : s) {
    if (c == ' ') {
      out += '+';
    } else {
      appendEncoded(out, static_cast<unsigned char>(c), EncodeSet::FormUrlencoded);
    }
  }
}

}  // namespace

URLSearchParams::URLSearchParams(std::string_view query) {
  if (!query.empty() && query[0] == '?') query.remove_prefix(1);
  std::size_t start = 0;
  while (start <= query.size()) {
    std::size_t amp = query.find('&', start);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view pair = query.substr(start, amp - start);
    if (!pair.empty()) {
      std::size_t eq = pair.find('=');
      std::string_view name = pair.substr(0, eq);
      std::string_view value =
          eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
      list_.emplace_back(formDecode(name), formDecode(value));
    }
    start = amp + 1;
  }
}

void URLSearchParams::append(std::string_view name, std::string_view value) {
  list_.emplace_back(std::string(name), std::string(value));
}

void URLSearchParams::remove(std::string_view name) {
  std::erase_if(list_, [&](const Entry& e) { return e.first == name; });
}

std::optional<std::string> URLSearchParams::get(std::string_view name) const {
  for (const auto& e : list_) {
    if (e.first == name) return e.second;
  }
  return std::nullopt;
}

std::vector<std::string> URLSearchParams::getAll(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& e : list_) {
    if (e.first == name) out.push_back(e.second);
  }
  return out;
}

bool URLSearchParams::has(std::string_view name) const {
  return std::any_of(list_.begin(), list_.end(), [&](const Entry& e) { return e.first == name; });
}

void URLSearchParams::set(std::string_view name, std::string_view value) {
  bool found = false;
  std::erase_if(list_, [&](Entry& e) {
    if (e.first != name) return false;
    if (found) return true;
    found = true;
    e.second = std::string(value);
    return false;
  });
  if (!found) append(name, value);
}

void URLSearchParams::sort() {
  // UTF-16 code unit order differs from UTF-8 byte order only between supplementary
  // characters (surrogates, 0xD800..) and U+E000..U+FFFF, so compare as UTF-16.
  auto key = [](const std::string& s) { return detail::toUtf16(s); };
  std::vector<std::pair<std::u16string, Entry>> keyed;
  keyed.reserve(list_.size());
  for (auto& e : list_) keyed.emplace_back(key(e.first), std::move(e));
  std::stable_sort(keyed.begin(), keyed.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  list_.clear();
  for (auto& k : keyed) list_.push_back(std::move(k.second));
}

std::string URLSearchParams::toString() const {
  std::string out;
  for (const auto& [name, value] : list_) {
    if (!out.empty()) out += '&';
    formEncode(out, name);
    out += '=';
    formEncode(out, value);
  }
  return out;
}

// ---- helpers ----

TargetParts splitTarget(std::string_view target) noexcept {
  std::size_t q = target.find('?');
  if (q == std::string_view::npos) return {target, {}, false};
  return {target.substr(0, q), target.substr(q + 1), true};
}

std::string percentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hexValue(static_cast<unsigned char>(s[i + 1])) >= 0 &&
        hexValue(static_cast<unsigned char>(s[i + 2])) >= 0) {
      out += static_cast<char>(hexValue(static_cast<unsigned char>(s[i + 1])) * 16 +
                               hexValue(static_cast<unsigned char>(s[i + 2])));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace nx::http
