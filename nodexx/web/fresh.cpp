// SPDX-License-Identifier: MIT
#include "nodexx/web/fresh.hpp"

#include <array>
#include <cstdio>

#include "nodexx/http/headers.hpp"

namespace nx::web {

namespace {

// JavaScript's \s within the latin-1 range that header values are read as in Node.
bool isJsSpace(char c) noexcept {
  switch (static_cast<unsigned char>(c)) {
    case ' ':
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case 0xA0:
      return true;
    default:
      return false;
  }
}

constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::array<std::string_view, 7> kDays = {"Thu", "Fri", "Sat", "Sun",
                                                   "Mon", "Tue", "Wed"};  // from 1970-01-01

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t daysFromCivil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civilFromDays(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
}

// A cursor over the date text; every reader returns false without consuming on mismatch.
struct Cursor {
  std::string_view s;
  std::size_t i = 0;

  bool done() const noexcept { return i == s.size(); }
  bool lit(char c) noexcept {
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
  bool spaces() noexcept {
    const std::size_t start = i;
    while (i < s.size() && s[i] == ' ') ++i;
    return i > start;
  }
  // Exactly `min..max` digits.
  bool num(int min, int max, std::int64_t& out) noexcept {
    std::size_t n = 0;
    std::int64_t v = 0;
    while (i + n < s.size() && n < static_cast<std::size_t>(max) && s[i + n] >= '0' &&
           s[i + n] <= '9') {
      v = v * 10 + (s[i + n] - '0');
      ++n;
    }
    if (n < static_cast<std::size_t>(min)) return false;
    i += n;
    out = v;
    return true;
  }
  bool month(unsigned& out) noexcept {
    if (i + 3 > s.size()) return false;
    for (unsigned k = 0; k < 12; ++k) {
      const std::string_view name = kMonths[k];
      bool eq = true;
      for (std::size_t j = 0; j < 3; ++j) {
        if ((s[i + j] | 0x20) != (name[j] | 0x20)) eq = false;
      }
      if (eq) {
        i += 3;
        out = k + 1;
        return true;
      }
    }
    return false;
  }
  // A weekday name, short or long (not validated against the date, as V8 ignores it).
  bool dayName() noexcept {
    const std::size_t start = i;
    while (i < s.size() && ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z')) ++i;
    return i - start >= 3;
  }
  bool hms(std::int64_t& h, std::int64_t& mi, std::int64_t& se) noexcept {
    se = 0;
    if (!num(2, 2, h) || !lit(':') || !num(2, 2, mi)) return false;
    if (lit(':') && !num(2, 2, se)) return false;
    return true;
  }
};

std::optional<std::int64_t> makeTime(std::int64_t y, unsigned mo, std::int64_t d, std::int64_t h,
                                     std::int64_t mi, std::int64_t se, std::int64_t ms) noexcept {
  // V8 checks the day against 1..31 only and lets MakeDay roll 30 Feb over into March.
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return std::nullopt;
  // 24:00:00 is midnight at the end of the day (ECMAScript allows it in ISO strings).
  if (h > 24 || mi > 59 || se > 59 || (h == 24 && (mi != 0 || se != 0 || ms != 0))) {
    return std::nullopt;
  }
  return (((daysFromCivil(y, mo, 1) + d - 1) * 24 + h) * 60 + mi) * 60000 + se * 1000 + ms;
}

// `GMT`, `UTC`, `UT` or `Z` (and optionally nothing) at the end.
bool utcZone(Cursor& c) noexcept {
  std::string_view rest = c.s.substr(c.i);
  char up[4] = {};
  if (rest.size() > 3) return false;
  for (std::size_t k = 0; k < rest.size(); ++k) up[k] = static_cast<char>(rest[k] & ~0x20);
  rest = std::string_view(up, rest.size());
  if (rest == "GMT" || rest == "UTC" || rest == "UT" || rest == "Z") {
    c.i = c.s.size();
    return true;
  }
  return false;
}

std::optional<std::int64_t> parseIso(std::string_view s) noexcept {
  Cursor c{s};
  std::int64_t y = 0, mo = 0, d = 1, h = 0, mi = 0, se = 0, ms = 0;
  if (!c.num(4, 4, y)) return std::nullopt;
  if (c.lit('-')) {
    if (!c.num(2, 2, mo)) return std::nullopt;
    if (c.lit('-') && !c.num(2, 2, d)) return std::nullopt;
  } else {
    mo = 1;
  }
  bool dateOnly = true;
  std::int64_t offsetMin = 0;
  if (c.lit('T')) {
    dateOnly = false;
    if (!c.num(2, 2, h) || !c.lit(':') || !c.num(2, 2, mi)) return std::nullopt;
    if (c.lit(':')) {
      if (!c.num(2, 2, se)) return std::nullopt;
      if (c.lit('.')) {
        std::int64_t frac = 0;
        const std::size_t start = c.i;
        if (!c.num(1, 9, frac)) return std::nullopt;
        std::size_t digits = c.i - start;
        while (digits > 3) {
          frac /= 10;
          --digits;
        }
        while (digits < 3) {
          frac *= 10;
          ++digits;
        }
        ms = frac;
      }
    }
    if (c.lit('Z')) {
    } else if (c.i < s.size() && (s[c.i] == '+' || s[c.i] == '-')) {
      const bool neg = s[c.i] == '-';
      ++c.i;
      std::int64_t oh = 0, om = 0;
      if (!c.num(2, 2, oh) || !c.lit(':') || !c.num(2, 2, om) || oh > 23 || om > 59) {
        return std::nullopt;
      }
      offsetMin = (neg ? -1 : 1) * (oh * 60 + om);
    } else {
      // ECMAScript reads a date-time without an offset as local time; servers run in UTC, and
      // HTTP dates never take this form, so it is read as UTC here.
      (void)dateOnly;
    }
  }
  if (!c.done()) return std::nullopt;
  auto t = makeTime(y, static_cast<unsigned>(mo), d, h, mi, se, ms);
  if (!t) return std::nullopt;
  return *t - offsetMin * 60000;
}

}  // namespace

std::optional<std::int64_t> parseHttpDate(std::string_view text) noexcept {
  // Surrounding whitespace is ignored by Date.parse.
  while (!text.empty() && isJsSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && isJsSpace(text.back())) text.remove_suffix(1);
  if (text.size() < 4) return std::nullopt;
  if (text[0] >= '0' && text[0] <= '9') return parseIso(text);

  Cursor c{text};
  if (!c.dayName()) return std::nullopt;
  std::int64_t y = 0, d = 0, h = 0, mi = 0, se = 0;
  unsigned mo = 0;
  if (c.lit(',')) {
    c.spaces();
    if (!c.num(1, 2, d)) return std::nullopt;
    if (c.lit('-')) {
      // RFC 850: 06-Nov-94 (two-digit years are 19xx for 50..99 and 20xx below, as V8).
      if (!c.month(mo) || !c.lit('-') || !c.num(2, 4, y)) return std::nullopt;
      if (y < 100) y += y < 50 ? 2000 : 1900;
    } else {
      // IMF-fixdate: 06 Nov 1994.
      if (!c.spaces() || !c.month(mo) || !c.spaces() || !c.num(4, 4, y)) return std::nullopt;
    }
    if (!c.spaces() || !c.hms(h, mi, se)) return std::nullopt;
    if (c.done()) return makeTime(y, mo, d, h, mi, se, 0);
    if (!c.spaces() || !utcZone(c)) return std::nullopt;
    return makeTime(y, mo, d, h, mi, se, 0);
  }
  // asctime: Sun Nov  6 08:49:37 1994.
  if (!c.spaces() || !c.month(mo) || !c.spaces() || !c.num(1, 2, d) || !c.spaces() ||
      !c.hms(h, mi, se) || !c.spaces() || !c.num(4, 4, y)) {
    return std::nullopt;
  }
  if (!c.done() && (!c.spaces() || !utcZone(c))) return std::nullopt;
  return makeTime(y, mo, d, h, mi, se, 0);
}

std::string formatHttpDate(std::int64_t ms) {
  std::int64_t days = ms / 86400000;
  std::int64_t rem = ms % 86400000;
  if (rem < 0) {
    rem += 86400000;
    --days;
  }
  std::int64_t y = 0;
  unsigned m = 0;
  unsigned d = 0;
  civilFromDays(days, y, m, d);
  if (y < 0) y = 0;
  if (y > 9999) y = 9999;
  const auto secs = static_cast<int>(rem / 1000);
  const std::string_view wd = kDays[static_cast<std::size_t>(((days % 7) + 7) % 7)];
  char buf[40];
  const int n = std::snprintf(buf, sizeof buf, "%.3s, %02u %.3s %04d %02d:%02d:%02d GMT", wd.data(),
                              d, kMonths[m - 1].data(), static_cast<int>(y), secs / 3600,
                              secs / 60 % 60, secs % 60);
  return std::string(buf, static_cast<std::size_t>(n));
}

bool hasNoCacheDirective(std::string_view cc) noexcept {
  // (?:^|,)\s*?no-cache\s*?(?:,|$): the directive may be surrounded by whitespace only.
  constexpr std::string_view kNoCache = "no-cache";
  std::size_t pos = 0;
  while ((pos = cc.find(kNoCache, pos)) != std::string_view::npos) {
    std::size_t b = pos;
    while (b > 0 && isJsSpace(cc[b - 1])) --b;
    std::size_t e = pos + kNoCache.size();
    while (e < cc.size() && isJsSpace(cc[e])) ++e;
    if ((b == 0 || cc[b - 1] == ',') && (e == cc.size() || cc[e] == ',')) return true;
    ++pos;
  }
  return false;
}

bool weakMatch(std::string_view a, std::string_view b) noexcept {
  if (a == b) return true;
  if (b.size() == a.size() + 2 && b.starts_with("W/") && b.substr(2) == a) return true;
  if (a.size() == b.size() + 2 && a.starts_with("W/") && a.substr(2) == b) return true;
  return false;
}

bool fresh(const FreshRequestFields& req, const FreshResponseFields& res) noexcept {
  if (req.ifModifiedSince.empty() && req.ifNoneMatch.empty()) return false;
  if (!req.cacheControl.empty() && hasNoCacheDirective(req.cacheControl)) return false;
  if (!req.ifNoneMatch.empty()) {
    if (req.ifNoneMatch == "*") return true;
    if (res.etag.empty()) return false;
    return anyToken(req.ifNoneMatch,
                    [&](std::string_view match) noexcept { return weakMatch(match, res.etag); });
  }
  if (res.lastModified.empty()) return false;
  const auto lastModified = parseHttpDate(res.lastModified);
  const auto since = parseHttpDate(req.ifModifiedSince);
  return lastModified && since && *lastModified <= *since;
}

bool fresh(const http::Headers& requestHeaders, const http::Headers& responseHeaders) noexcept {
  FreshRequestFields req;
  req.ifNoneMatch = requestHeaders.get("if-none-match").value_or(std::string_view{});
  req.ifModifiedSince = requestHeaders.get("if-modified-since").value_or(std::string_view{});
  req.cacheControl = requestHeaders.get("cache-control").value_or(std::string_view{});
  FreshResponseFields res;
  res.etag = responseHeaders.get("etag").value_or(std::string_view{});
  res.lastModified = responseHeaders.get("last-modified").value_or(std::string_view{});
  return fresh(req, res);
}

}  // namespace nx::web
