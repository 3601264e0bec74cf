// SPDX-License-Identifier: MIT
#include "nodexx/web/cookie.hpp"

#include <cmath>
#include <cstdio>

#include "nodexx/core/crypto.hpp"
#include "nodexx/core/errors.hpp"
#include "nodexx/json/errors.hpp"
#include "nodexx/json/parse.hpp"
#include "nodexx/web/encode_url.hpp"
#include "nodexx/web/internal/util_text.hpp"

namespace nx::web::cookie {
namespace {

[[noreturn]] void invalid(const char* message) {
  throw SystemError("ERR_INVALID_ARG_VALUE", message);
}

std::size_t startIndex(std::string_view s, std::size_t index, std::size_t max) noexcept {
  while (index < max && (s[index] == ' ' || s[index] == '\t')) ++index;
  return index < max ? index : max;
}

std::size_t endIndex(std::string_view s, std::size_t index, std::size_t min) noexcept {
  while (index > min) {
    const char c = s[index - 1];
    if (c != ' ' && c != '\t') return index;
    --index;
  }
  return min;
}

// tryDecode(): decodeURIComponent when there is a '%', the raw value when that fails.
std::string decodeValue(std::string_view raw) {
  if (raw.find('%') == std::string_view::npos) return std::string(raw);
  if (auto decoded = decodeURIComponent(raw)) return std::move(*decoded);
  return std::string(raw);
}

// The package's parse loop; `visit(name, rawValue)` returns false to stop.
template <typename Visit>
void scan(std::string_view str, Visit&& visit) {
  const std::size_t len = str.size();
  if (len < 2) return;
  std::size_t index = 0;
  do {
    const std::size_t eqIdx = str.find('=', index);
    if (eqIdx == std::string_view::npos) break;
    std::size_t endIdx = str.find(';', index);
    if (endIdx == std::string_view::npos) {
      endIdx = len;
    } else if (eqIdx > endIdx) {
      // This pair has no '='; resume after the ';' just before the next '='.
      index = str.rfind(';', eqIdx - 1) + 1;
      continue;
    }
    const std::size_t keyStart = startIndex(str, index, eqIdx);
    const std::size_t keyEnd = endIndex(str, eqIdx, keyStart);
    const std::string_view key = str.substr(keyStart, keyEnd - keyStart);
    std::size_t valStart = startIndex(str, eqIdx + 1, endIdx);
    std::size_t valEnd = endIndex(str, endIdx, valStart);
    if (valEnd > valStart && str[valStart] == '"' && str[valEnd - 1] == '"') {
      // The package strips the quotes whenever the first and last characters are quotes, a
      // lone '"' included (which leaves an empty value).
      ++valStart;
      --valEnd;
    }
    const std::string_view raw =
        valEnd > valStart ? str.substr(valStart, valEnd - valStart) : std::string_view();
    if (!visit(key, raw)) return;
    index = endIdx + 1;
  } while (index < len);
}

bool isCookieValueChar(unsigned char c) noexcept {
  return c == 0x21 || (c >= 0x23 && c <= 0x2B) || (c >= 0x2D && c <= 0x3A) ||
         (c >= 0x3C && c <= 0x5B) || (c >= 0x5D && c <= 0x7E);
}

bool isCookieValue(std::string_view v) noexcept {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  for (char c : v) {
    if (!isCookieValueChar(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool isAlnumLower(char c) noexcept {
  c = detail::lowerAscii(c);
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// /^([.]?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)([.][a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i
bool isDomain(std::string_view d) noexcept {
  if (!d.empty() && d.front() == '.') d.remove_prefix(1);
  if (d.empty()) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = d.find('.', start);
    const std::string_view label =
        d.substr(start, dot == std::string_view::npos ? d.npos : dot - start);
    if (label.empty() || label.size() > 63 || !isAlnumLower(label.front()) ||
        !isAlnumLower(label.back())) {
      return false;
    }
    for (char c : label) {
      if (!isAlnumLower(c) && c != '-') return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool isPath(std::string_view p) noexcept {
  for (char ch : p) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c > 0x7E || c == ';' || c == '<') return false;
  }
  return true;
}

// JavaScript truthiness of a parsed JSON value.
bool truthy(const json::Value& v) {
  switch (v.type()) {
    case json::Type::Null:
      return false;
    case json::Type::Bool:
      return v.asBool();
    case json::Type::Number: {
      const double d = v.asDouble();
      return d != 0 && !std::isnan(d);
    }
    case json::Type::String:
      return !v.asString().empty();
    default:
      return true;
  }
}

}  // namespace

std::vector<Cookie> parse(std::string_view header) {
  std::vector<Cookie> out;
  scan(header, [&](std::string_view key, std::string_view raw) {
    if (key == "__proto__") return true;
    for (const Cookie& c : out) {
      if (c.name == key) return true;
    }
    out.push_back(Cookie{std::string(key), decodeValue(raw)});
    return true;
  });
  return out;
}

std::optional<std::string> get(std::string_view header, std::string_view name) {
  std::optional<std::string> found;
  if (name == "__proto__") return found;
  scan(header, [&](std::string_view key, std::string_view raw) {
    if (key != name) return true;
    found = decodeValue(raw);
    return false;
  });
  return found;
}

std::string toUTCString(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto secs = floor<seconds>(t).time_since_epoch().count();
  std::int64_t days = secs / 86400;
  std::int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<std::uint64_t>(z - era * 146097);
  const std::uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t year = static_cast<std::int64_t>(yoe) + era * 400;
  const std::uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::uint64_t mp = (5 * doy + 2) / 153;
  const std::uint64_t day = doy - (153 * mp + 2) / 5 + 1;
  const std::uint64_t month = mp < 10 ? mp + 3 : mp - 9;
  if (month <= 2) ++year;
  static constexpr const char* kDays[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::int64_t weekday = ((days % 7) + 7) % 7;
  char buf[64];
  const int h = static_cast<int>(rem / 3600), m = static_cast<int>(rem / 60 % 60),
            s = static_cast<int>(rem % 60);
  if (year >= 0) {
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04lld %02d:%02d:%02d GMT", kDays[weekday],
                  static_cast<int>(day), kMonths[month - 1], static_cast<long long>(year), h, m, s);
  } else {
    std::snprintf(buf, sizeof buf, "%s, %02d %s -%06lld %02d:%02d:%02d GMT", kDays[weekday],
                  static_cast<int>(day), kMonths[month - 1], static_cast<long long>(-year), h, m,
                  s);
  }
  return buf;
}

std::string serialize(std::string_view name, std::string_view value,
                      const SerializeOptions& options) {
  if (!detail::isTokenString(name)) invalid("argument name is invalid");
  std::string encoded = options.encode ? encodeURIComponent(value) : std::string(value);
  if (!isCookieValue(encoded)) invalid("argument val is invalid");

  std::string out;
  out.reserve(name.size() + encoded.size() + 64);
  out.append(name);
  out.push_back('=');
  out.append(encoded);
  if (options.maxAge) {
    out.append("; Max-Age=");
    out.append(std::to_string(*options.maxAge));
  }
  if (!options.domain.empty()) {
    if (!isDomain(options.domain)) invalid("option domain is invalid");
    out.append("; Domain=");
    out.append(options.domain);
  }
  if (!options.path.empty()) {
    if (!isPath(options.path)) invalid("option path is invalid");
    out.append("; Path=");
    out.append(options.path);
  }
  if (options.expires) {
    out.append("; Expires=");
    out.append(toUTCString(*options.expires));
  }
  if (options.httpOnly) out.append("; HttpOnly");
  if (options.secure) out.append("; Secure");
  if (options.partitioned) out.append("; Partitioned");
  if (!options.priority.empty()) {
    const std::string p = detail::toLowerAscii(options.priority);
    if (p == "low") {
      out.append("; Priority=Low");
    } else if (p == "medium") {
      out.append("; Priority=Medium");
    } else if (p == "high") {
      out.append("; Priority=High");
    } else {
      invalid("option priority is invalid");
    }
  }
  if (!options.sameSite.empty()) {
    const std::string s = detail::toLowerAscii(options.sameSite);
    if (s == "true" || s == "strict") {
      out.append("; SameSite=Strict");
    } else if (s == "lax") {
      out.append("; SameSite=Lax");
    } else if (s == "none") {
      out.append("; SameSite=None");
    } else {
      invalid("option sameSite is invalid");
    }
  }
  return out;
}

std::string sign(std::string_view value, std::string_view secret) {
  const Buffer mac = crypto::hmac("sha256", secret, value);
  std::string b64 = mac.toString(Encoding::Base64);
  while (!b64.empty() && b64.back() == '=') b64.pop_back();
  std::string out;
  out.reserve(value.size() + 1 + b64.size());
  out.append(value);
  out.push_back('.');
  out.append(b64);
  return out;
}

std::optional<std::string_view> unsign(std::string_view input, std::string_view secret) {
  // input.slice(0, input.lastIndexOf('.')): with no dot, slice(0, -1) drops the last character.
  const std::size_t dot = input.rfind('.');
  const std::string_view tentative = dot != std::string_view::npos
                                         ? input.substr(0, dot)
                                         : input.substr(0, input.empty() ? 0 : input.size() - 1);
  const std::string expected = sign(tentative, secret);
  if (expected.size() != input.size()) return std::nullopt;
  const auto* a = reinterpret_cast<const std::uint8_t*>(expected.data());
  const auto* b = reinterpret_cast<const std::uint8_t*>(input.data());
  if (!crypto::timingSafeEqual({a, expected.size()}, {b, input.size()})) return std::nullopt;
  return tentative;
}

std::optional<std::string_view> unsign(std::string_view input,
                                       std::span<const std::string_view> secrets) {
  for (std::string_view secret : secrets) {
    if (auto v = unsign(input, secret)) return v;
  }
  return std::nullopt;
}

std::optional<std::string_view> signedCookie(std::string_view value,
                                             std::span<const std::string_view> secrets) {
  if (value.substr(0, 2) != "s:") return value;
  return unsign(value.substr(2), secrets);
}

std::optional<json::Value> JSONCookie(std::string_view value) {
  if (value.substr(0, 2) != "j:") return std::nullopt;
  try {
    return json::parse(value.substr(2));
  } catch (const json::ParseError&) {
    return std::nullopt;
  }
}

ParsedCookies parseCookies(std::string_view header, std::span<const std::string_view> secrets) {
  ParsedCookies result{json::Object{}, json::Object{}};
  json::Object& cookies = result.cookies.asObject();
  json::Object& signedOnes = result.signedCookies.asObject();
  for (Cookie& c : parse(header)) {
    if (!secrets.empty() && c.value.substr(0, 2) == "s:") {
      // A signed cookie moves to signedCookies: its value, or false when no secret verifies it.
      const auto v = unsign(std::string_view(c.value).substr(2), secrets);
      if (!v) {
        signedOnes.append(std::move(c.name), json::Value(false));
        continue;
      }
      auto parsed = JSONCookie(*v);
      if (parsed && truthy(*parsed)) {
        signedOnes.append(std::move(c.name), std::move(*parsed));
      } else {
        signedOnes.append(std::move(c.name), json::Value(*v));
      }
      continue;
    }
    auto parsed = JSONCookie(c.value);
    if (parsed && truthy(*parsed)) {
      cookies.append(std::move(c.name), std::move(*parsed));
    } else {
      cookies.append(std::move(c.name), json::Value(c.value));
    }
  }
  return result;
}

}  // namespace nx::web::cookie
