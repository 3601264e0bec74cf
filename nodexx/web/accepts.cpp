// SPDX-License-Identifier: MIT
#include "nodexx/web/accepts.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "nodexx/web/content_type.hpp"
#include "nodexx/web/internal/util_text.hpp"
#include "nodexx/web/mime.hpp"

namespace nx::web {
namespace {

using detail::equalsIgnoreCase;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// JavaScript's `a || b` on numbers: 0 and NaN are falsy.
double jsOr(double a, double b) noexcept { return (a != 0 && !std::isnan(a)) ? a : b; }

constexpr bool isJsSpace(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// JavaScript's parseFloat(): the longest decimal prefix after leading whitespace, NaN if none.
double parseFloatJs(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && isJsSpace(s[i])) ++i;
  const std::size_t start = i;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  if (s.substr(i, 8) == "Infinity") {
    return s[start] == '-' ? -std::numeric_limits<double>::infinity()
                           : std::numeric_limits<double>::infinity();
  }
  std::size_t digits = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++digits;
  }
  if (digits == 0) return kNaN;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    std::size_t j = i + 1;
    if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
    if (j < s.size() && s[j] >= '0' && s[j] <= '9') {
      while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
      i = j;
    }
  }
  const std::string text(s.substr(start, i - start));
  return std::strtod(text.c_str(), nullptr);
}

// One entry of an Accept-style header, as negotiator's parseAccept returns it: the value in
// its original case (trimmed), parameters with lower-cased names, q and position.
struct Entry {
  std::string_view full;
  std::vector<std::pair<std::string, std::string>> params;  // without q
  double q = 1;
  double i = 0;
};

std::vector<Entry> parseAccept(std::string_view header) {
  std::vector<Entry> out;
  std::size_t index = 0;
  double position = 0;
  while (index < header.size()) {
    std::size_t start = index;
    while (start < header.size() && (header[start] == ' ' || header[start] == '\t')) ++start;
    content_type::ParseOptions options;
    options.comma = true;
    options.start = start;
    content_type::ContentType parsed = content_type::parse(header, options);
    Entry e;
    e.full = header.substr(std::min(start, header.size()), parsed.type.size());
    e.q = 1;
    for (auto& [k, v] : parsed.parameters) {
      if (k == "q") {
        if (!v.empty()) e.q = parseFloatJs(v);
      } else {
        e.params.emplace_back(std::move(k), std::move(v));
      }
    }
    e.i = position++;
    out.push_back(std::move(e));
    index = parsed.index + 1;
  }
  return out;
}

// negotiator's priority record; NaN stands for JavaScript's `undefined` in comparisons.
struct Priority {
  double q = 0;
  double s = 0;
  double o = -1;
  double i = kNaN;
  std::size_t index = 0;  // the `available` entry, or the header entry
};

double compareSpecs(const Priority& a, const Priority& b) noexcept {
  return jsOr(jsOr(jsOr(jsOr(b.q - a.q, b.s - a.s), a.o - b.o), a.i - b.i), 0);
}

bool better(const Priority& current, const Priority& spec) noexcept {
  return jsOr(jsOr(current.s - spec.s, current.q - spec.q), current.o - spec.o) < 0;
}

void sortSpecs(std::vector<Priority>& v) {
  std::erase_if(v, [](const Priority& p) { return !(p.q > 0); });
  std::stable_sort(v.begin(), v.end(),
                   [](const Priority& a, const Priority& b) { return compareSpecs(a, b) < 0; });
}

// Negotiation over `available`: prepare(available[k]) parses an offered value once, and
// specify(prepared, headerEntry) returns the specificity, or -1 for no match.
template <typename Spec, typename Prepare, typename Specify>
std::vector<std::string_view> negotiate(const std::vector<Spec>& accepts,
                                        std::span<const std::string_view> available,
                                        Prepare&& prepare, Specify&& specify) {
  std::vector<Priority> priorities;
  priorities.reserve(available.size());
  for (std::size_t k = 0; k < available.size(); ++k) {
    Priority best;
    best.index = k;
    const auto prepared = prepare(available[k]);
    for (const Spec& spec : accepts) {
      const int s = specify(prepared, spec);
      if (s < 0) continue;
      Priority p{spec.q, static_cast<double>(s), spec.i, static_cast<double>(k), k};
      if (better(best, p)) best = p;
    }
    priorities.push_back(best);
  }
  sortSpecs(priorities);
  std::vector<std::string_view> out;
  out.reserve(priorities.size());
  for (const Priority& p : priorities) out.push_back(available[p.index]);
  return out;
}

template <typename Spec>
std::vector<std::string> listAll(const std::vector<Spec>& accepts,
                                 std::string (*name)(const Spec&)) {
  std::vector<Priority> priorities;
  for (std::size_t k = 0; k < accepts.size(); ++k) {
    // Header entries have no `s` or `o` (undefined in the package).
    priorities.push_back(Priority{accepts[k].q, kNaN, kNaN, accepts[k].i, k});
  }
  sortSpecs(priorities);
  std::vector<std::string> out;
  out.reserve(priorities.size());
  for (const Priority& p : priorities) out.push_back(name(accepts[p.index]));
  return out;
}

// --- media types ---------------------------------------------------------------------------

struct MediaSpec {
  std::string type;
  std::string subtype;
  std::vector<std::pair<std::string, std::string>> params;
  double q = 1;
  double i = 0;
};

std::optional<MediaSpec> formatMediaType(std::string_view full,
                                         std::vector<std::pair<std::string, std::string>> params,
                                         double q, double i) {
  const std::size_t slash = full.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  return MediaSpec{std::string(full.substr(0, slash)), std::string(full.substr(slash + 1)),
                   std::move(params), q, i};
}

std::vector<MediaSpec> parseMediaAccept(std::string_view header) {
  std::vector<MediaSpec> out;
  for (Entry& e : parseAccept(header)) {
    if (auto m = formatMediaType(e.full, std::move(e.params), e.q, e.i)) out.push_back(*m);
  }
  return out;
}

std::string_view paramOf(const std::vector<std::pair<std::string, std::string>>& params,
                         std::string_view key) {
  for (const auto& [k, v] : params) {
    if (k == key) return v;
  }
  return {};
}

// An offered media type, parsed as the package parses it (without q).
std::optional<MediaSpec> prepareMedia(std::string_view type) {
  content_type::ContentType ct = content_type::parse(type);
  std::vector<std::pair<std::string, std::string>> params;
  for (auto& kv : ct.parameters) {
    if (kv.first != "q") params.push_back(std::move(kv));
  }
  return formatMediaType(ct.type, std::move(params), 1, 0);
}

int specifyMedia(const std::optional<MediaSpec>& p, const MediaSpec& spec) {
  if (!p) return -1;
  int s = 0;
  if (equalsIgnoreCase(spec.type, p->type)) {
    s |= 4;
  } else if (spec.type != "*") {
    return -1;
  }
  if (equalsIgnoreCase(spec.subtype, p->subtype)) {
    s |= 2;
  } else if (spec.subtype != "*") {
    return -1;
  }
  if (!spec.params.empty()) {
    for (const auto& [k, v] : spec.params) {
      if (v != "*" && !equalsIgnoreCase(v, paramOf(p->params, k))) return -1;
    }
    s |= 1;
  }
  return s;
}

// --- charsets, encodings, languages ---------------------------------------------------------

struct SimpleSpec {
  std::string value;
  double q = 1;
  double i = 0;
};

std::vector<SimpleSpec> parseSimpleAccept(std::string_view header, double* entries = nullptr) {
  std::vector<SimpleSpec> out;
  std::vector<Entry> parsed = parseAccept(header);
  for (Entry& e : parsed) {
    if (e.full.empty()) continue;
    out.push_back(SimpleSpec{std::string(e.full), e.q, e.i});
  }
  if (entries != nullptr) *entries = static_cast<double>(parsed.size());
  return out;
}

int specifyCharset(std::string_view charset, const SimpleSpec& spec) {
  if (equalsIgnoreCase(spec.value, charset)) return 1;
  return spec.value == "*" ? 0 : -1;
}

std::vector<SimpleSpec> parseEncodingAccept(std::string_view header) {
  double entries = 0;
  std::vector<SimpleSpec> out = parseSimpleAccept(header, &entries);
  bool hasIdentity = false;
  double minQuality = 1;
  for (const SimpleSpec& e : out) {
    hasIdentity = hasIdentity || specifyCharset("identity", e) >= 0;
    minQuality = std::fmin(minQuality, jsOr(e.q, 1));
  }
  if (!hasIdentity) {
    // The package numbers it after every entry of the header, including skipped empty ones.
    out.push_back(SimpleSpec{"identity", minQuality, entries});
  }
  return out;
}

struct LanguageSpec {
  std::string full;
  std::string prefix;
  double q = 1;
  double i = 0;
};

LanguageSpec formatLanguage(std::string_view full, double q, double i) {
  const std::size_t hyphen = full.find('-');
  return LanguageSpec{std::string(full), std::string(full.substr(0, hyphen)), q, i};
}

std::vector<LanguageSpec> parseLanguageAccept(std::string_view header) {
  std::vector<LanguageSpec> out;
  for (Entry& e : parseAccept(header)) {
    if (e.full.empty()) continue;
    out.push_back(formatLanguage(e.full, e.q, e.i));
  }
  return out;
}

// An offered language, parsed as the package parses it.
std::optional<LanguageSpec> prepareLanguage(std::string_view language) {
  content_type::ParseOptions options;
  options.parameters = false;
  const content_type::ContentType ct = content_type::parse(language, options);
  if (ct.type.empty()) return std::nullopt;
  return formatLanguage(ct.type, 1, 0);
}

int specifyLanguage(const std::optional<LanguageSpec>& p, const LanguageSpec& spec) {
  if (!p) return -1;
  if (equalsIgnoreCase(spec.full, p->full)) return 4;
  if (equalsIgnoreCase(spec.prefix, p->full)) return 2;
  if (equalsIgnoreCase(spec.full, p->prefix)) return 1;
  return spec.full == "*" ? 0 : -1;
}

std::string_view identity(std::string_view s) noexcept { return s; }

std::string mediaName(const MediaSpec& s) { return s.type + "/" + s.subtype; }
std::string simpleName(const SimpleSpec& s) { return s.value; }
std::string languageName(const LanguageSpec& s) { return s.full; }

}  // namespace

namespace negotiator {

std::vector<std::string> mediaTypes(std::optional<std::string_view> accept) {
  return listAll(parseMediaAccept(accept.value_or("*/*")), &mediaName);
}

std::vector<std::string_view> mediaTypes(std::optional<std::string_view> accept,
                                         std::span<const std::string_view> available) {
  return negotiate(parseMediaAccept(accept.value_or("*/*")), available, &prepareMedia,
                   &specifyMedia);
}

std::vector<std::string> charsets(std::optional<std::string_view> acceptCharset) {
  return listAll(parseSimpleAccept(acceptCharset.value_or("*")), &simpleName);
}

std::vector<std::string_view> charsets(std::optional<std::string_view> acceptCharset,
                                       std::span<const std::string_view> available) {
  return negotiate(parseSimpleAccept(acceptCharset.value_or("*")), available, &identity,
                   &specifyCharset);
}

std::vector<std::string> encodings(std::optional<std::string_view> acceptEncoding) {
  return listAll(parseEncodingAccept(acceptEncoding.value_or("")), &simpleName);
}

std::vector<std::string_view> encodings(std::optional<std::string_view> acceptEncoding,
                                        std::span<const std::string_view> available,
                                        std::span<const std::string_view> preferred) {
  const std::vector<SimpleSpec> accepts = parseEncodingAccept(acceptEncoding.value_or(""));
  if (preferred.empty()) return negotiate(accepts, available, &identity, &specifyCharset);
  // negotiator's `preferred` comparator: q first, then the server's preference order.
  std::vector<Priority> priorities;
  for (std::size_t k = 0; k < available.size(); ++k) {
    Priority best;
    best.index = k;
    for (const SimpleSpec& spec : accepts) {
      const int s = specifyCharset(available[k], spec);
      if (s < 0) continue;
      Priority p{spec.q, static_cast<double>(s), spec.i, static_cast<double>(k), k};
      if (better(best, p)) best = p;
    }
    priorities.push_back(best);
  }
  std::erase_if(priorities, [](const Priority& p) { return !(p.q > 0); });
  auto rank = [&](std::size_t k) -> std::ptrdiff_t {
    const auto it = std::find(preferred.begin(), preferred.end(), available[k]);
    return it == preferred.end() ? -1 : it - preferred.begin();
  };
  std::stable_sort(priorities.begin(), priorities.end(), [&](const Priority& a, const Priority& b) {
    double c = 0;
    if (a.q != b.q) {
      c = b.q - a.q;
    } else {
      const auto ra = rank(a.index), rb = rank(b.index);
      if (ra == -1 && rb == -1) {
        c = jsOr(jsOr(b.s - a.s, a.o - b.o), a.i - b.i);
      } else if (ra != -1 && rb != -1) {
        c = static_cast<double>(ra - rb);
      } else {
        c = ra == -1 ? 1 : -1;
      }
    }
    return c < 0;
  });
  std::vector<std::string_view> out;
  for (const Priority& p : priorities) out.push_back(available[p.index]);
  return out;
}

std::vector<std::string> languages(std::optional<std::string_view> acceptLanguage) {
  return listAll(parseLanguageAccept(acceptLanguage.value_or("*")), &languageName);
}

std::vector<std::string_view> languages(std::optional<std::string_view> acceptLanguage,
                                        std::span<const std::string_view> available) {
  return negotiate(parseLanguageAccept(acceptLanguage.value_or("*")), available, &prepareLanguage,
                   &specifyLanguage);
}

}  // namespace negotiator

// --- accepts --------------------------------------------------------------------------------

std::optional<std::string_view> Accepts::type(std::span<const std::string_view> types) const {
  if (types.empty()) return std::nullopt;
  if (!accept_ || accept_->empty()) return types[0];
  // Extension names become media types; unknown ones are left out of the negotiation.
  std::vector<std::optional<std::string_view>> mimes;
  std::vector<std::string_view> valid;
  mimes.reserve(types.size());
  for (std::string_view t : types) {
    const auto m = t.find('/') == std::string_view::npos ? mime::lookup(t)
                                                         : std::optional<std::string_view>(t);
    mimes.push_back(m);
    if (m) valid.push_back(*m);
  }
  const auto accepted = negotiator::mediaTypes(accept_, valid);
  if (accepted.empty()) return std::nullopt;
  for (std::size_t k = 0; k < mimes.size(); ++k) {
    if (mimes[k] && *mimes[k] == accepted.front()) return types[k];
  }
  return std::nullopt;
}

std::vector<std::string> Accepts::types() const { return negotiator::mediaTypes(accept_); }

std::optional<std::string_view> Accepts::encoding(
    std::span<const std::string_view> encodings) const {
  if (encodings.empty()) return std::nullopt;
  const auto v = negotiator::encodings(acceptEncoding_, encodings);
  if (v.empty() || v.front().empty()) return std::nullopt;
  return v.front();
}

std::vector<std::string> Accepts::encodings() const {
  return negotiator::encodings(acceptEncoding_);
}

std::optional<std::string_view> Accepts::charset(std::span<const std::string_view> charsets) const {
  if (charsets.empty()) return std::nullopt;
  const auto v = negotiator::charsets(acceptCharset_, charsets);
  if (v.empty() || v.front().empty()) return std::nullopt;
  return v.front();
}

std::vector<std::string> Accepts::charsets() const { return negotiator::charsets(acceptCharset_); }

std::optional<std::string_view> Accepts::language(
    std::span<const std::string_view> languages) const {
  if (languages.empty()) return std::nullopt;
  const auto v = negotiator::languages(acceptLanguage_, languages);
  if (v.empty() || v.front().empty()) return std::nullopt;
  return v.front();
}

std::vector<std::string> Accepts::languages() const {
  return negotiator::languages(acceptLanguage_);
}

// --- type-is --------------------------------------------------------------------------------

namespace {

// media-typer's TYPE_REGEXP on the lower-cased value:
// ^ *([A-Za-z0-9][A-Za-z0-9!#$&^_-]{0,126})\/([A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}) *$
bool isTyperType(std::string_view s) noexcept {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  const std::size_t slash = s.find('/');
  if (slash == std::string_view::npos) return false;
  auto alnum = [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  };
  auto part = [&](std::string_view p, std::string_view extra) {
    if (p.empty() || p.size() > 127 || !alnum(p[0])) return false;
    for (char c : p.substr(1)) {
      if (!alnum(c) && extra.find(c) == std::string_view::npos) return false;
    }
    return true;
  };
  return part(s.substr(0, slash), "!#$&^_-") && part(s.substr(slash + 1), "!#$&^_.+-");
}

// type-is's normalizeType(value): the lower-cased type without parameters, if valid.
std::optional<std::string> requestType(std::string_view value) {
  if (value.empty()) return std::nullopt;
  content_type::ParseOptions options;
  options.parameters = false;
  std::string type = content_type::parse(value, options).type;
  if (!isTyperType(type)) return std::nullopt;
  return type;
}

}  // namespace

std::optional<std::string> normalizeType(std::string_view type) {
  if (type == "urlencoded") return std::string("application/x-www-form-urlencoded");
  if (type == "multipart") return std::string("multipart/*");
  if (!type.empty() && type[0] == '+') return "*/*" + std::string(type);
  if (type.find('/') != std::string_view::npos) return std::string(type);
  if (const auto m = mime::lookup(type)) return std::string(*m);
  return std::nullopt;
}

bool mimeMatch(std::string_view expected, std::string_view actual) noexcept {
  const std::size_t as = actual.find('/');
  const std::size_t es = expected.find('/');
  if (as == std::string_view::npos || actual.find('/', as + 1) != std::string_view::npos) {
    return false;
  }
  if (es == std::string_view::npos || expected.find('/', es + 1) != std::string_view::npos) {
    return false;
  }
  const std::string_view a0 = actual.substr(0, as), a1 = actual.substr(as + 1);
  const std::string_view e0 = expected.substr(0, es), e1 = expected.substr(es + 1);
  if (e0 != "*" && e0 != a0) return false;
  if (e1.substr(0, 2) == "*+") {
    // expected[1].slice(1) === actual[1].slice(1 - expected[1].length)
    if (e1.size() > a1.size() + 1) return false;
    const std::size_t tail = e1.size() - 1;
    return e1.substr(1) == a1.substr(a1.size() - tail);
  }
  return e1 == "*" || e1 == a1;
}

std::optional<std::string> typeIs(std::string_view mediaType,
                                  std::span<const std::string_view> types) {
  auto val = requestType(mediaType);
  if (!val) return std::nullopt;
  if (types.empty()) return val;
  for (std::string_view type : types) {
    const auto expected = normalizeType(type);
    if (expected && mimeMatch(*expected, *val)) {
      if ((!type.empty() && type[0] == '+') || type.find('*') != std::string_view::npos) {
        return val;
      }
      return std::string(type);
    }
  }
  return std::nullopt;
}

bool typeMatches(std::string_view mediaType, std::span<const std::string_view> types) {
  const auto val = requestType(mediaType);
  if (!val) return false;
  if (types.empty()) return true;
  for (std::string_view type : types) {
    if (type.find('/') != std::string_view::npos && type[0] != '+') {
      if (mimeMatch(type, *val)) return true;
      continue;
    }
    const auto expected = normalizeType(type);
    if (expected && mimeMatch(*expected, *val)) return true;
  }
  return false;
}

namespace {

// !isNaN(value) for a string, i.e. Number(value) is not NaN: StringToNumber's grammar.
bool isJsNumeric(std::string_view s) noexcept {
  while (!s.empty() && isJsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && isJsSpace(s.back())) s.remove_suffix(1);
  if (s.empty()) return true;
  if (s.size() > 2 && s[0] == '0') {
    const char p = detail::lowerAscii(s[1]);
    int base = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 0;
    if (base != 0) {
      for (char c : s.substr(2)) {
        const int v = detail::hexValue(c);
        if (v < 0 || v >= base) return false;
      }
      return true;
    }
  }
  if (s[0] == '+' || s[0] == '-') s.remove_prefix(1);
  if (s == "Infinity") return true;
  std::size_t i = 0, digits = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    std::size_t expDigits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++expDigits;
    if (expDigits == 0) return false;
  }
  return i == s.size();
}

}  // namespace

bool hasBody(std::optional<std::string_view> transferEncoding,
             std::optional<std::string_view> contentLength) noexcept {
  if (transferEncoding) return true;
  return contentLength && isJsNumeric(*contentLength);
}

}  // namespace nx::web
