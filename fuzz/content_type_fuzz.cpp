// SPDX-License-Identifier: MIT
// libFuzzer target for nx::web::content_type. Input: a Content-Type (or Accept-style) header
// value. Invariants: parse never throws, with every option combination; the type is
// lower-case; index stays within the input; parameter names are unique and lower-case;
// parseStrict throws only ERR_INVALID_MEDIA_TYPE; essence() is a view into the input;
// format either throws ERR_INVALID_ARG_VALUE or produces text that parses back to the same
// type and parameters (parse→format→parse is stable).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <set>
#include <string>
#include <string_view>

#include "nodexx/core/errors.hpp"
#include "nodexx/web/content_type.hpp"

#include "fuzz_check.hpp"

namespace {

using nx::fuzz::require;

namespace ct = nx::web::content_type;

void checkShape(const ct::ContentType& c, std::string_view input, std::size_t start) {
  for (char ch : c.type) require(!(ch >= 'A' && ch <= 'Z'), "type not lower-case", input);
  require(c.index <= std::max(input.size(), start), "index beyond input", input);
  std::set<std::string> seen;
  for (const auto& [k, v] : c.parameters) {
    require(seen.insert(k).second, "duplicate parameter", k);
    for (char ch : k) require(!(ch >= 'A' && ch <= 'Z'), "parameter name not lower-case", k);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  for (int variant = 0; variant < 4; ++variant) {
    ct::ParseOptions o;
    o.comma = (variant & 1) != 0;
    o.parameters = (variant & 2) == 0;
    o.start = variant == 3 ? size / 2 : 0;
    checkShape(ct::parse(input, o), input, o.start);
  }
  const ct::ContentType c = ct::parse(input);
  try {
    (void)ct::parseStrict(input);
    require(ct::isValidType(c.type), "parseStrict accepted an invalid type", input);
  } catch (const nx::SystemError& e) {
    require(e.code() == "ERR_INVALID_MEDIA_TYPE", "parseStrict threw another code", e.code());
  }
  const std::string_view e = ct::essence(input);
  require(e.empty() || (e.data() >= input.data() && e.data() + e.size() <= input.data() + size),
          "essence is not a view into the input", input);
  std::string text;
  try {
    text = ct::format(c);
  } catch (const nx::SystemError& err) {
    require(err.code() == "ERR_INVALID_ARG_VALUE", "format threw another code", err.code());
    return 0;
  }
  const ct::ContentType again = ct::parse(text);
  require(again.type == c.type, "type changed by format", text);
  require(again.parameters == c.parameters, "parameters changed by format", text);
  return 0;
}
