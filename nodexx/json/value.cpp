// SPDX-License-Identifier: MIT
#include "nodexx/json/value.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <string>

#include "nodexx/json/errors.hpp"

namespace nx::json {
namespace {

// 2^63 and 2^64 as doubles: the bounds of the integer conversions (both exact).
constexpr double kTwo63 = 9223372036854775808.0;
constexpr double kTwo64 = 18446744073709551616.0;

[[noreturn]] void throwRange(const std::string& message) {
  throw TypeError(std::string(errc::kRange), message);
}

bool integralDouble(double d) noexcept { return std::isfinite(d) && std::trunc(d) == d; }

bool equalIntDouble(std::int64_t i, double d) noexcept {
  return integralDouble(d) && d >= -kTwo63 && d < kTwo63 && static_cast<std::int64_t>(d) == i;
}

bool equalUintDouble(std::uint64_t u, double d) noexcept {
  return integralDouble(d) && d >= 0 && d < kTwo64 && static_cast<std::uint64_t>(d) == u;
}

std::string numberText(double d) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, r.ptr);
}

}  // namespace

Value::Value(Array a) : kind_(Kind::Array) { store(new Array(std::move(a))); }

Value::Value(Object o) : kind_(Kind::Object) { store(new Object(std::move(o))); }

Value::Value(const Value& other) : kind_(Kind::Null) {
  switch (other.kind_) {
    case Kind::String: {
      const std::string_view s = other.asString();
      char* p = new char[s.size()];
      std::memcpy(p, s.data(), s.size());
      std::memcpy(bytes_, other.bytes_, sizeof bytes_);
      store(p);
      break;
    }
    case Kind::Array:
      store(new Array(*other.load<Array*>()));
      break;
    case Kind::Object:
      store(new Object(*other.load<Object*>()));
      break;
    default:
      std::memcpy(bytes_, other.bytes_, sizeof bytes_);
      break;
  }
  kind_ = other.kind_;
}

Value& Value::operator=(const Value& other) {
  if (this != &other) {
    Value copy(other);
    *this = std::move(copy);
  }
  return *this;
}

void Value::release() noexcept {
  switch (kind_) {
    case Kind::String:
      delete[] load<char*>();
      break;
    case Kind::Array:
      delete load<Array*>();
      break;
    case Kind::Object:
      delete load<Object*>();
      break;
    default:
      break;
  }
  kind_ = Kind::Null;
}

void Value::setString(std::string_view s) {
  if (s.size() <= kMaxShortString) {
    std::memcpy(bytes_, s.data(), s.size());
    bytes_[kShortLengthByte] = static_cast<unsigned char>(s.size());
    kind_ = Kind::ShortString;
    return;
  }
  if (s.size() > std::numeric_limits<std::uint32_t>::max()) {
    kind_ = Kind::Null;
    throwRange("String of " + std::to_string(s.size()) + " bytes exceeds the 4 GiB limit");
  }
  char* p = new char[s.size()];
  std::memcpy(p, s.data(), s.size());
  store(p);
  store(static_cast<std::uint32_t>(s.size()), 8);
  kind_ = Kind::String;
}

Type Value::type() const noexcept {
  switch (kind_) {
    case Kind::Null:
      return Type::Null;
    case Kind::Bool:
      return Type::Bool;
    case Kind::Int64:
    case Kind::Uint64:
    case Kind::Double:
      return Type::Number;
    case Kind::ShortString:
    case Kind::String:
      return Type::String;
    case Kind::Array:
      return Type::Array;
    case Kind::Object:
      return Type::Object;
  }
  return Type::Null;
}

void Value::throwType(Type expected) const {
  throw TypeError(std::string(errc::kType), "Value is " + std::string(typeName()) + ", expected " +
                                                std::string(json::typeName(expected)));
}

std::int64_t Value::convertInt64() const {
  if (kind_ == Kind::Uint64) {
    throwRange(std::to_string(load<std::uint64_t>()) + " is out of the int64 range");
  }
  if (kind_ == Kind::Double) {
    const double d = load<double>();
    if (!integralDouble(d) || d < -kTwo63 || d >= kTwo63) {
      throwRange(numberText(d) + " is not an int64");
    }
    return static_cast<std::int64_t>(d);
  }
  throwType(Type::Number);
}

std::uint64_t Value::asUint64() const {
  switch (kind_) {
    case Kind::Int64: {
      const auto i = load<std::int64_t>();
      if (i < 0) throwRange(std::to_string(i) + " is out of the uint64 range");
      return static_cast<std::uint64_t>(i);
    }
    case Kind::Uint64:
      return load<std::uint64_t>();
    case Kind::Double: {
      const double d = load<double>();
      if (!integralDouble(d) || d < 0 || d >= kTwo64)
        throwRange(numberText(d) + " is not a uint64");
      return static_cast<std::uint64_t>(d);
    }
    default:
      throwType(Type::Number);
  }
}

double Value::asDouble() const {
  switch (kind_) {
    case Kind::Int64:
      return static_cast<double>(load<std::int64_t>());
    case Kind::Uint64:
      return static_cast<double>(load<std::uint64_t>());
    case Kind::Double:
      return load<double>();
    default:
      throwType(Type::Number);
  }
}

Value& Value::operator[](std::string_view key) {
  if (kind_ == Kind::Null) *this = Value(Object());
  return asObject()[key];
}

const Value& Value::operator[](std::string_view key) const {
  // A shared immutable null: what a missing member reads as.
  static const Value kNull;
  const Value* v = asObject().find(key);
  return v != nullptr ? *v : kNull;
}

Value& Value::operator[](std::size_t index) {
  Array& a = asArray();
  if (index >= a.size()) {
    throwRange("Index " + std::to_string(index) + " is out of range for an array of " +
               std::to_string(a.size()) + " elements");
  }
  return a[index];
}

const Value& Value::operator[](std::size_t index) const {
  const Array& a = asArray();
  if (index >= a.size()) {
    throwRange("Index " + std::to_string(index) + " is out of range for an array of " +
               std::to_string(a.size()) + " elements");
  }
  return a[index];
}

Value* Value::find(std::string_view key) noexcept {
  return kind_ == Kind::Object ? load<Object*>()->find(key) : nullptr;
}

const Value* Value::find(std::string_view key) const noexcept {
  return kind_ == Kind::Object ? load<const Object*>()->find(key) : nullptr;
}

Value& Value::set(std::string_view key, Value value) {
  if (kind_ == Kind::Null) *this = Value(Object());
  return asObject().set(key, std::move(value));
}

bool Value::erase(std::string_view key) { return asObject().erase(key); }

Value& Value::push_back(Value value) {
  if (kind_ == Kind::Null) *this = Value(Array());
  return asArray().emplace_back(std::move(value));
}

std::size_t Value::size() const {
  switch (kind_) {
    case Kind::ShortString:
    case Kind::String:
      return asString().size();
    case Kind::Array:
      return load<Array*>()->size();
    case Kind::Object:
      return load<Object*>()->size();
    default:
      throw TypeError(std::string(errc::kType),
                      "Value is " + std::string(typeName()) + ", which has no size");
  }
}

bool Value::empty() const noexcept {
  switch (kind_) {
    case Kind::Null:
      return true;
    case Kind::ShortString:
      return bytes_[kShortLengthByte] == 0;
    case Kind::String:
      return false;
    case Kind::Array:
      return load<Array*>()->empty();
    case Kind::Object:
      return load<Object*>()->empty();
    default:
      return false;
  }
}

bool operator==(const Value& a, const Value& b) noexcept {
  using Kind = Value::Kind;
  if (a.isNumber() && b.isNumber()) {
    const Kind ka = a.kind_;
    const Kind kb = b.kind_;
    if (ka == Kind::Double && kb == Kind::Double) return a.load<double>() == b.load<double>();
    if (ka == Kind::Int64 && kb == Kind::Int64)
      return a.load<std::int64_t>() == b.load<std::int64_t>();
    if (ka == Kind::Uint64 && kb == Kind::Uint64) {
      return a.load<std::uint64_t>() == b.load<std::uint64_t>();
    }
    // Mixed representations: compare mathematical values without lossy conversions.
    if (ka == Kind::Double) return b == a;
    if (kb == Kind::Double) {
      return ka == Kind::Int64 ? equalIntDouble(a.load<std::int64_t>(), b.load<double>())
                               : equalUintDouble(a.load<std::uint64_t>(), b.load<double>());
    }
    return false;  // int64 vs uint64: the uint64 range starts above INT64_MAX
  }
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case Type::Null:
      return true;
    case Type::Bool:
      return a.bytes_[0] == b.bytes_[0];
    case Type::String:
      return a.asString() == b.asString();
    case Type::Array:
      return *a.load<const Array*>() == *b.load<const Array*>();
    case Type::Object:
      return *a.load<const Object*>() == *b.load<const Object*>();
    default:
      return false;
  }
}

Object::Object(std::initializer_list<Member> members) {
  members_.reserve(members.size());
  for (const Member& m : members) set(m.first, m.second);
}

Value* Object::find(std::string_view key) noexcept {
  for (Member& m : members_) {
    if (m.first == key) return &m.second;
  }
  return nullptr;
}

const Value* Object::find(std::string_view key) const noexcept {
  for (const Member& m : members_) {
    if (m.first == key) return &m.second;
  }
  return nullptr;
}

Value& Object::operator[](std::string_view key) {
  if (Value* v = find(key)) return *v;
  return members_.emplace_back(std::string(key), Value()).second;
}

Value& Object::set(std::string_view key, Value value) {
  if (Value* v = find(key)) {
    *v = std::move(value);
    return *v;
  }
  return members_.emplace_back(std::string(key), std::move(value)).second;
}

bool Object::erase(std::string_view key) {
  for (auto it = members_.begin(); it != members_.end(); ++it) {
    if (it->first == key) {
      members_.erase(it);
      return true;
    }
  }
  return false;
}

bool operator==(const Object& a, const Object& b) noexcept {
  if (a.size() != b.size()) return false;
  // Same order is the common case (a round trip); fall back to lookups from the first
  // difference on. Keys are unique, so equal sizes and every member found means equal sets.
  std::size_t i = 0;
  for (; i < a.members_.size(); ++i) {
    if (a.members_[i].first != b.members_[i].first) break;
    if (!(a.members_[i].second == b.members_[i].second)) return false;
  }
  for (; i < a.members_.size(); ++i) {
    const Value* v = b.find(a.members_[i].first);
    if (v == nullptr || !(*v == a.members_[i].second)) return false;
  }
  return true;
}

}  // namespace nx::json
