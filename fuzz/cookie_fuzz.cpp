// SPDX-License-Identifier: MIT
// libFuzzer target for nx::web::cookie. Input: a Cookie header. Invariants: parse never
// throws; names are unique, never "__proto__" and carry no surrounding spaces or tabs; get()
// agrees with parse(); a cookie whose name is a token serialises (values are encoded), and
// parsing the serialised pair gives the same name and, for valid UTF-8, the same value;
// sign/unsign round-trips and a tampered signature fails; cookie-parser's parseCookies never
// throws and keeps every name.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <set>
#include <string>
#include <string_view>

#include "nodexx/core/errors.hpp"
#include "nodexx/web/content_type.hpp"
#include "nodexx/web/cookie.hpp"

#include "fuzz_check.hpp"

namespace {

using nx::fuzz::require;
using nx::fuzz::validUtf8;

namespace cookie = nx::web::cookie;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view header(reinterpret_cast<const char*>(data), size);
  const auto cookies = cookie::parse(header);
  std::set<std::string> names;
  for (const auto& c : cookies) {
    require(names.insert(c.name).second, "duplicate name", c.name);
    require(c.name != "__proto__", "__proto__ kept", header);
    if (!c.name.empty()) {
      require(c.name.front() != ' ' && c.name.front() != '\t' && c.name.back() != ' ' &&
                  c.name.back() != '\t',
              "name not trimmed", c.name);
    }
    const auto got = cookie::get(header, c.name);
    require(got && *got == c.value, "get() disagrees with parse()", c.name);
    if (nx::web::content_type::isToken(c.name)) {
      const std::string line = cookie::serialize(c.name, c.value);
      const auto again = cookie::parse(line);
      require(again.size() == 1 && again[0].name == c.name, "serialised name lost", line);
      if (validUtf8(c.value)) require(again[0].value == c.value, "serialised value changed", line);
    }
  }
  const std::string signedValue = cookie::sign(header, "fuzz-secret");
  const auto unsigned_ = cookie::unsign(signedValue, "fuzz-secret");
  require(unsigned_ && *unsigned_ == header, "unsign(sign(x)) != x", header);
  require(!cookie::unsign(signedValue, "other-secret"), "wrong secret verified", header);
  std::string tampered = signedValue;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  require(!cookie::unsign(tampered, "fuzz-secret"), "tampered signature verified", header);
  const std::string_view secrets[] = {"fuzz-secret"};
  const auto parsed = cookie::parseCookies(header, secrets);
  require(parsed.cookies.size() + parsed.signedCookies.size() == cookies.size(),
          "parseCookies lost a cookie", header);
  return 0;
}
