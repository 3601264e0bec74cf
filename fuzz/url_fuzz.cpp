// SPDX-License-Identifier: MIT
// libFuzzer target for nx::http::Url, URLSearchParams and querystring. Input: if it holds a
// NUL byte, the text before it is a base URL and the text after it the input; otherwise the
// whole input is parsed alone. A URL that parses must serialise to an href that parses again
// to the same href (the URL Standard's idempotence), with getters that rebuild that href; its
// search params must round-trip through their serialisation; querystring.parse/stringify must
// not crash, and parse(stringify(parse(x))) must equal parse(x) for valid UTF-8 x. A broken
// invariant prints what failed and traps.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "nodexx/http/query.hpp"
#include "nodexx/http/url.hpp"

#include "fuzz_check.hpp"

namespace {

using nx::fuzz::require;
using nx::fuzz::validUtf8;

using nx::http::Url;
using nx::http::URLSearchParams;
namespace qs = nx::http::querystring;

void checkUrl(const Url& u) {
  const std::string href = u.href();
  auto again = Url::parse(href);
  require(again.has_value(), "href does not reparse", href);
  require(again->href() == href, "href is not idempotent", href);
  // The getters rebuild the href for URLs with a host (the common shape).
  if (!u.hostname().empty()) {
    std::string rebuilt = u.protocol() + "//";
    if (!u.username().empty() || !u.password().empty()) {
      rebuilt += u.username();
      if (!u.password().empty()) rebuilt += ":" + u.password();
      rebuilt += "@";
    }
    rebuilt += u.host() + u.pathname();
    require(href.rfind(rebuilt, 0) == 0, "getters do not rebuild href", href);
    // search() and hash() follow, except that an empty "?" or "#" shows only in href.
    std::string tail = href.substr(rebuilt.size());
    require(tail == u.search() + u.hash() || tail == "?" + u.hash() || tail == u.search() + "#" ||
                tail == "?#",
            "search and hash do not end href", href);
  }
  auto params = u.searchParams();
  const std::string text = params.toString();
  require(URLSearchParams(text).toString() == text, "search params do not round-trip", text);
  Url copy = u;
  copy.setSearchParams(params);
  require(Url::parse(copy.href()).has_value(), "setSearchParams gave an invalid URL", copy.href());
}

void checkQuery(std::string_view s) {
  auto parsed = qs::parse(s);
  require(parsed.size() <= qs::kDefaultMaxKeys, "more keys than maxKeys", s);
  const std::string text = qs::stringify(parsed);
  (void)qs::unescape(s, true);
  (void)qs::escape(s);
  if (!validUtf8(s)) return;
  auto again = qs::parse(text);
  if (parsed.size() == qs::kDefaultMaxKeys) return;  // stringify may add keys back
  require(again.size() == parsed.size(), "stringify changed the key count", s);
  for (std::size_t i = 0; i < parsed.size(); ++i) {
    require(again.entries()[i].key == parsed.entries()[i].key, "key changed", s);
    require(again.entries()[i].values == parsed.entries()[i].values, "values changed", s);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view all(reinterpret_cast<const char*>(data), size);
  std::size_t nul = all.find('\0');
  if (nul != std::string_view::npos) {
    std::string_view baseText = all.substr(0, nul);
    std::string_view input = all.substr(nul + 1);
    if (auto base = Url::parse(baseText)) {
      checkUrl(*base);
      if (auto u = Url::parse(input, &*base)) checkUrl(*u);
    }
    checkQuery(input);
  } else {
    if (auto u = Url::parse(all)) checkUrl(*u);
    checkQuery(all);
  }
  return 0;
}
