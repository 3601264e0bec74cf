// SPDX-License-Identifier: MIT
// libFuzzer target for nx::json. Any input is parsed with small limits; parsing either throws
// a ParseError or gives a Value, and the simdjson fast path and the reader it falls back to
// must agree on which (and on the Value). An accepted document must survive
// stringify -> parse (compact and indented) unchanged, apart from numbers outside the double
// range, which become null as in JSON.stringify; stringify's output must be valid UTF-8 and a
// fixed point. Numbers are compared as JavaScript compares them (as doubles; see jsEqual).
// Mapping the Value onto a struct may only throw MappingError. A broken invariant prints what
// failed and traps.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nodexx/json/internal/parser.hpp"
#include "nodexx/json/json.hpp"

#include "fuzz_check.hpp"

namespace fuzzjson {

struct Inner {
  std::optional<std::string> name;
  std::vector<double> values;
};
NX_JSON(Inner, name, values)

struct Outer {
  std::int32_t id = 0;
  std::optional<Inner> inner;
  std::map<std::string, nx::json::Value> extra;
  std::optional<std::vector<std::uint8_t>> bytes;
};
NX_JSON(Outer, id, inner, extra, bytes)

}  // namespace fuzzjson

namespace {

using nx::fuzz::require;
using nx::fuzz::validUtf8;

namespace json = nx::json;

bool allFinite(const json::Value& v) {
  switch (v.type()) {
    case json::Type::Number:
      return !v.isDouble() || std::isfinite(v.asDouble());
    case json::Type::Array:
      for (const auto& e : v.asArray()) {
        if (!allFinite(e)) return false;
      }
      return true;
    case json::Type::Object:
      for (const auto& [k, e] : v.asObject()) {
        if (!allFinite(e)) return false;
      }
      return true;
    default:
      return true;
  }
}

// Equality as JavaScript sees it: numbers compare as doubles. Value's own == is exact, and a
// double above 2^53 is written with JS's shortest digits ("18446744073709550"), which read back
// as an exact integer a fraction of an ulp away from the double; as doubles they are equal.
bool jsEqual(const json::Value& a, const json::Value& b) {
  if (a.isNumber() && b.isNumber()) return a.asDouble() == b.asDouble();
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case json::Type::Array: {
      const auto& x = a.asArray();
      const auto& y = b.asArray();
      if (x.size() != y.size()) return false;
      for (std::size_t i = 0; i < x.size(); ++i) {
        if (!jsEqual(x[i], y[i])) return false;
      }
      return true;
    }
    case json::Type::Object: {
      if (a.size() != b.size()) return false;
      for (const auto& [k, e] : a.asObject()) {
        const json::Value* other = b.find(k);
        if (other == nullptr || !jsEqual(e, *other)) return false;
      }
      return true;
    }
    default:
      return a == b;
  }
}

json::ParseOptions smallLimits() {
  json::ParseOptions o;
  o.maxBytes = 1 << 16;
  o.maxDepth = 32;
  o.maxStringBytes = 4096;
  o.maxArrayLength = 2048;
  o.maxObjectMembers = 512;
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const json::ParseOptions limits = smallLimits();

  std::optional<json::Value> fast;
  std::string fastError;
  try {
    fast = json::parse(text, limits);
  } catch (const json::ParseError& e) {
    fastError = e.what();
    require(e.offset() <= size || e.code() == "ERR_JSON_LIMIT", "offset beyond input", e.what());
  }
  std::optional<json::Value> reader;
  try {
    reader = json::detail::readJson(text, limits);
  } catch (const json::ParseError& e) {
    // Both paths end in the reader on failure, so the messages are the same.
    require(!fast.has_value(), "reader rejected what parse accepted", e.what());
    require(fastError == e.what(), "different errors", fastError + " | " + e.what());
  }
  require(fast.has_value() == reader.has_value(), "parse accepted what the reader rejected", text);
  if (!fast) return 0;
  const json::Value& v = *fast;
  const bool finite = allFinite(v);
  require(!finite || *reader == v, "reader and parse disagree", text);

  json::ParseOptions roomy;
  roomy.maxBytes = std::size_t{1} << 26;
  const std::string out = json::stringify(v);
  require(validUtf8(out), "stringify wrote invalid UTF-8", out);
  const json::Value again = json::parse(out, roomy);
  require(!finite || jsEqual(again, v), "parse(stringify(v)) != v", out);
  require(json::stringify(again) == out, "stringify is not a fixed point", out);

  const std::string pretty = json::stringify(v, {.indent = 2, .escapeLineSeparators = false});
  require(validUtf8(pretty), "indented stringify wrote invalid UTF-8", pretty);
  require(json::parse(pretty, roomy) == again, "indented output parses differently", pretty);

  try {
    const auto mapped = json::to<fuzzjson::Outer>(v);
    const json::Value back = json::toValue(mapped);
    require(json::stringify(back) == json::stringify(mapped), "toValue and stringify<T> differ");
  } catch (const json::MappingError& e) {
    require(!e.path().empty() && e.path()[0] == '$', "mapping path", e.what());
  }
  return 0;
}
