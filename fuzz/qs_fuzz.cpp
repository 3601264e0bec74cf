// SPDX-License-Identifier: MIT
// libFuzzer target for nx::web::qs (the extended query parser). Input: the first byte picks an
// option set (qs defaults, Express's, body-parser's urlencoded, tight limits with
// allowDots/comma/sparse, or throwing limits), the rest is the query string. Invariants: parse
// never crashes and only the throwing options throw (nx::RangeError with an ERR_QS_* code);
// the result is an object with at most parameterLimit members (without comma lists), nested no
// deeper than the depth allows, with arrays no longer than arrayLimit (unless sparse or comma
// lists) and no
// "__proto__" key;
// stringify of the result is printable ASCII and parses again.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "nodexx/core/errors.hpp"
#include "nodexx/web/qs.hpp"

#include "fuzz_check.hpp"

namespace {

using nx::fuzz::require;

namespace qs = nx::web::qs;
using nx::json::Value;

// Checks the shape limits; returns the nesting depth of `v` (a string is 0).
std::size_t check(const Value& v, const qs::ParseOptions& o, std::string_view input) {
  std::size_t deepest = 0;
  if (v.isArray()) {
    // A comma list wrapped by `a[]=` may be longer, exactly as in qs.
    if (!o.allowSparse && !o.comma) {
      require(v.size() <= o.arrayLimit, "array longer than arrayLimit", input);
    }
    for (const Value& e : v.asArray()) deepest = std::max(deepest, check(e, o, input));
    return deepest + 1;
  }
  if (v.isObject()) {
    for (const auto& [k, e] : v.asObject()) {
      require(k != "__proto__", "__proto__ key", input);
      deepest = std::max(deepest, check(e, o, input));
    }
    return deepest + 1;
  }
  require(v.isString() || v.isNull(), "leaf is neither string nor null", input);
  return 0;
}

qs::ParseOptions optionsFor(std::uint8_t pick) {
  qs::ParseOptions o;
  switch (pick % 5) {
    case 0:
      break;
    case 1:
      o = qs::ExpressQueryOptions();
      break;
    case 2:
      o.allowPrototypes = true;
      o.arrayLimit = 100;
      o.depth = 32;
      o.strictDepth = true;
      break;
    case 3:
      o.arrayLimit = 3;
      o.depth = 2;
      o.parameterLimit = 8;
      o.allowDots = true;
      o.comma = true;
      o.allowSparse = (pick & 0x80) != 0;
      o.strictNullHandling = (pick & 0x40) != 0;
      o.allowEmptyArrays = (pick & 0x20) != 0;
      o.charset = (pick & 0x10) ? qs::Charset::Latin1 : qs::Charset::Utf8;
      o.charsetSentinel = true;
      o.interpretNumericEntities = true;
      o.duplicates = (pick & 0x08) ? qs::Duplicates::Last : qs::Duplicates::Combine;
      break;
    default:
      o.arrayLimit = 2;
      o.parameterLimit = 4;
      o.depth = 1;
      o.strictDepth = true;
      o.throwOnLimitExceeded = true;
      break;
  }
  return o;
}

bool throwingOptions(const qs::ParseOptions& o) { return o.strictDepth || o.throwOnLimitExceeded; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const qs::ParseOptions o = optionsFor(data[0]);
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  Value v;
  try {
    v = qs::parse(input, o);
  } catch (const nx::RangeError& e) {
    require(throwingOptions(o), "threw with non-throwing options", input);
    const std::string_view code = e.code();
    require(
        code == "ERR_QS_DEPTH" || code == "ERR_QS_ARRAY_LIMIT" || code == "ERR_QS_PARAMETER_LIMIT",
        "unexpected error code", code);
    return 0;
  }
  require(v.isObject(), "result is not an object", input);
  // Comma lists split one pair into several values, so the bound holds without `comma`.
  if (!o.comma) require(v.size() <= o.parameterLimit, "more members than parameterLimit", input);
  // parent + depth bracket groups + one literal remainder, plus one level for `a[]` arrays
  // wrapping values and one for comma lists; with `comma`, a combined duplicate key wraps
  // those once more (qs itself nests `a=1&a[2/]a=x,[]b=4,2` seven deep at depth 2).
  require(check(v, o, input) <= o.depth + (o.comma ? 5 : 4), "nested deeper than depth allows",
          input);

  qs::StringifyOptions so;
  const std::string text = qs::stringify(v, so);
  for (char c : text) require(c > 0x20 && c < 0x7F, "stringify wrote a non-printable byte", text);
  qs::ParseOptions loose;
  loose.allowPrototypes = true;
  loose.parameterLimit = SIZE_MAX;
  (void)qs::parse(text, loose);
  return 0;
}
