// SPDX-License-Identifier: MIT
#include "nodexx/json/mapping.hpp"

#include <cmath>
#include <string>
#include <vector>

#include "nodexx/json/internal/text.hpp"

namespace nx::json {
namespace {

bool isIdentifier(std::string_view key) noexcept {
  if (key.empty()) return false;
  for (std::size_t i = 0; i < key.size(); ++i) {
    const char c = key[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

// The number as the message shows it ("300", "1.5", "1e+300").
std::string numberText(const Value& v) {
  std::string out;
  if (v.isInt64()) return std::to_string(v.asInt64());
  if (v.isUint64()) return std::to_string(v.asUint64());
  detail::appendDouble(out, v.asDouble());
  return out;
}

}  // namespace

std::string Path::toString() const {
  std::vector<const Path*> chain;
  for (const Path* p = this; p->parent_ != nullptr; p = p->parent_) chain.push_back(p);
  std::string out = "$";
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    const Path& p = **it;
    if (!p.isKey_) {
      out += '[' + std::to_string(p.index_) + ']';
    } else if (isIdentifier(p.key_)) {
      out += '.';
      out += p.key_;
    } else {
      out += '[';
      detail::appendString(out, p.key_, true);
      out += ']';
    }
  }
  return out;
}

void Path::fail(std::string_view reason) const { throw MappingError(toString(), reason); }

void Path::expected(std::string_view expected, const Value& actual) const {
  fail("expected " + std::string(expected) + ", got " + std::string(actual.typeName()));
}

namespace detail {

void integerOutOfRange(const Path& at, const Value& v, std::int64_t min, std::uint64_t max) {
  at.fail("expected integer in [" + std::to_string(min) + ", " + std::to_string(max) + "], got " +
          numberText(v));
}

std::int64_t readSigned(const Value& v, const Path& at, std::int64_t min, std::int64_t max) {
  if (!v.isNumber()) at.expected("integer", v);
  if (v.isDouble()) {
    const double d = v.asDouble();
    if (!std::isfinite(d) || std::trunc(d) != d) at.fail("expected integer, got " + numberText(v));
    // Both bounds are exact doubles or rounded outward; the int64 conversion then checks.
    if (d < static_cast<double>(min) || d > static_cast<double>(max) ||
        d >= 9223372036854775808.0) {
      integerOutOfRange(at, v, min, static_cast<std::uint64_t>(max));
    }
    const auto i = static_cast<std::int64_t>(d);
    if (i < min || i > max) integerOutOfRange(at, v, min, static_cast<std::uint64_t>(max));
    return i;
  }
  if (v.isUint64()) integerOutOfRange(at, v, min, static_cast<std::uint64_t>(max));
  const std::int64_t i = v.asInt64();
  if (i < min || i > max) integerOutOfRange(at, v, min, static_cast<std::uint64_t>(max));
  return i;
}

std::uint64_t readUnsigned(const Value& v, const Path& at, std::uint64_t max) {
  if (!v.isNumber()) at.expected("integer", v);
  if (v.isDouble()) {
    const double d = v.asDouble();
    if (!std::isfinite(d) || std::trunc(d) != d) at.fail("expected integer, got " + numberText(v));
    if (d < 0 || d >= 18446744073709551616.0) integerOutOfRange(at, v, 0, max);
    const auto u = static_cast<std::uint64_t>(d);
    if (u > max) integerOutOfRange(at, v, 0, max);
    return u;
  }
  if (v.isInt64() && v.asInt64() < 0) integerOutOfRange(at, v, 0, max);
  const std::uint64_t u = v.asUint64();
  if (u > max) integerOutOfRange(at, v, 0, max);
  return u;
}

}  // namespace detail
}  // namespace nx::json
