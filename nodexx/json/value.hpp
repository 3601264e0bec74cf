// SPDX-License-Identifier: MIT
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace nx::json {

class Value;
class Object;
namespace detail {
struct ObjectAccess;
}

/// A JSON array: a plain vector of values (`json::Array{1, "x", nullptr}`).
using Array = std::vector<Value>;

/// The six JSON types, as JSON names them (typeName() gives "null", "boolean", "number",
/// "string", "array", "object").
enum class Type : std::uint8_t { Null, Bool, Number, String, Array, Object };

/// The JSON name of `t` ("null", "boolean", "number", "string", "array", "object").
std::string_view typeName(Type t) noexcept;

/// The integer types a Value holds as numbers: all but bool and the character types (char,
/// wchar_t, char8/16/32_t), so that Value('a') does not silently become 97. std::int8_t and
/// std::uint8_t (signed/unsigned char) are numbers.
template <class T>
concept JsonInteger = std::integral<T> && !std::same_as<T, bool> && !std::same_as<T, char> &&
                      !std::same_as<T, wchar_t> && !std::same_as<T, char8_t> &&
                      !std::same_as<T, char16_t> && !std::same_as<T, char32_t>;

/// A JSON value: null, boolean, number, string, array or object.
///
/// A copyable value type of 16 bytes: copies are deep, moves steal and leave null behind.
/// Numbers keep what the text said: integers that fit int64 are int64, larger non-negative
/// ones uint64, everything else (fractions, exponents, integers beyond 64 bits) double.
/// Strings are UTF-8; up to 14 bytes live inline (no allocation), longer ones in one heap
/// block (at most 4 GiB - 1 bytes). Arrays are `json::Array` (std::vector<Value>), objects
/// `json::Object` (members in insertion order). Wrong-type access throws json::TypeError with
/// code ERR_JSON_TYPE; bad indexes and unrepresentable numbers ERR_JSON_RANGE. Not thread-safe
/// (like std::vector): share across threads only read-only.
class Value {
 public:
  /// null.
  Value() noexcept : kind_(Kind::Null) {}
  /// null (`Value(nullptr)`).
  Value(std::nullptr_t) noexcept : kind_(Kind::Null) {}
  /// A boolean.
  Value(bool b) noexcept : kind_(Kind::Bool) { bytes_[0] = b ? 1 : 0; }
  /// An integer, kept exactly: signed types and unsigned values <= INT64_MAX as int64, larger
  /// unsigned values as uint64.
  template <JsonInteger I>
  Value(I i) noexcept {
    if constexpr (std::is_signed_v<I>) {
      setInt(static_cast<std::int64_t>(i));
    } else if (static_cast<std::uint64_t>(i) <= static_cast<std::uint64_t>(INT64_MAX)) {
      setInt(static_cast<std::int64_t>(i));
    } else {
      store(static_cast<std::uint64_t>(i));
      kind_ = Kind::Uint64;
    }
  }
  /// A double (NaN and infinities are kept; stringify writes them as null, as JS does).
  Value(double d) noexcept : kind_(Kind::Double) { store(d); }
  /// A float, widened to double.
  Value(float f) noexcept : Value(static_cast<double>(f)) {}
  /// A string (copied; should be UTF-8, stringify replaces invalid sequences by U+FFFD).
  /// Throws TypeError ERR_JSON_RANGE when longer than 4 GiB - 1 bytes.
  Value(std::string_view s) { setString(s); }
  /// A string from a NUL-terminated C string (copied). nullptr is not allowed.
  Value(const char* s) : Value(std::string_view(s)) {}
  /// A string (copied).
  Value(const std::string& s) : Value(std::string_view(s)) {}
  /// An array (moved in).
  Value(Array a);
  /// An object (moved in).
  Value(Object o);

  /// Deep copy.
  Value(const Value& other);
  /// Steals `other`'s contents; `other` becomes null.
  Value(Value&& other) noexcept : kind_(other.kind_) {
    std::memcpy(bytes_, other.bytes_, sizeof bytes_);
    other.kind_ = Kind::Null;
  }
  /// Deep copy (strong guarantee).
  Value& operator=(const Value& other);
  /// Steals `other`'s contents; `other` becomes null.
  Value& operator=(Value&& other) noexcept {
    if (this != &other) {
      release();
      std::memcpy(bytes_, other.bytes_, sizeof bytes_);
      kind_ = other.kind_;
      other.kind_ = Kind::Null;
    }
    return *this;
  }
  ~Value() {
    if (kind_ >= Kind::String) release();
  }

  /// The JSON type.
  Type type() const noexcept;
  /// The JSON name of the type ("number", "object", ...), for messages.
  std::string_view typeName() const noexcept { return json::typeName(type()); }

  bool isNull() const noexcept { return kind_ == Kind::Null; }
  bool isBool() const noexcept { return kind_ == Kind::Bool; }
  /// Any number (int64, uint64 or double).
  bool isNumber() const noexcept { return kind_ >= Kind::Int64 && kind_ <= Kind::Double; }
  /// A number stored as int64 (an integer literal in [INT64_MIN, INT64_MAX]).
  bool isInt64() const noexcept { return kind_ == Kind::Int64; }
  /// A number stored as uint64 (an integer literal in (INT64_MAX, UINT64_MAX]).
  bool isUint64() const noexcept { return kind_ == Kind::Uint64; }
  /// A number stored as double (it had a fraction or exponent, or exceeded 64 bits).
  bool isDouble() const noexcept { return kind_ == Kind::Double; }
  bool isString() const noexcept { return kind_ == Kind::ShortString || kind_ == Kind::String; }
  bool isArray() const noexcept { return kind_ == Kind::Array; }
  bool isObject() const noexcept { return kind_ == Kind::Object; }

  /// The boolean. Throws TypeError ERR_JSON_TYPE otherwise.
  bool asBool() const {
    if (kind_ != Kind::Bool) throwType(Type::Bool);
    return bytes_[0] != 0;
  }
  /// The number as int64: exact for int64, and for uint64 and doubles whose value is an
  /// integer in range (1.0, 1e3). Throws TypeError ERR_JSON_TYPE for non-numbers,
  /// ERR_JSON_RANGE for values that are not an int64 (2^63, 1.5).
  std::int64_t asInt64() const {
    if (kind_ == Kind::Int64) return load<std::int64_t>();
    return convertInt64();
  }
  /// The number as uint64, under the rules of asInt64() (negative values are out of range).
  std::uint64_t asUint64() const;
  /// The number as double (int64/uint64 convert with rounding above 2^53). Throws TypeError
  /// ERR_JSON_TYPE for non-numbers.
  double asDouble() const;
  /// The string, valid until this Value is modified or destroyed. Throws ERR_JSON_TYPE.
  std::string_view asString() const {
    if (kind_ == Kind::ShortString) {
      return {reinterpret_cast<const char*>(bytes_), bytes_[kShortLengthByte]};
    }
    if (kind_ != Kind::String) throwType(Type::String);
    return {load<const char*>(), load<std::uint32_t>(8)};
  }
  /// The array. Throws TypeError ERR_JSON_TYPE otherwise.
  Array& asArray() {
    if (kind_ != Kind::Array) throwType(Type::Array);
    return *load<Array*>();
  }
  const Array& asArray() const {
    if (kind_ != Kind::Array) throwType(Type::Array);
    return *load<Array*>();
  }
  /// The object. Throws TypeError ERR_JSON_TYPE otherwise.
  Object& asObject() {
    if (kind_ != Kind::Object) throwType(Type::Object);
    return *load<Object*>();
  }
  const Object& asObject() const {
    if (kind_ != Kind::Object) throwType(Type::Object);
    return *load<Object*>();
  }

  /// The member `key`; a null Value turns into an empty object first, and a missing key is
  /// added as null (so `v["a"]["b"] = 1` builds objects, like std::map). Throws
  /// ERR_JSON_TYPE on other types.
  Value& operator[](std::string_view key);
  /// The member `key`, or a shared null Value when it is missing (as JS gives undefined).
  /// Throws ERR_JSON_TYPE unless this is an object.
  const Value& operator[](std::string_view key) const;
  /// Element `index` of an array. Throws ERR_JSON_TYPE unless an array, ERR_JSON_RANGE if
  /// index >= size().
  Value& operator[](std::size_t index);
  const Value& operator[](std::size_t index) const;
  /// Same as operator[](const) for arrays and objects: never inserts.
  const Value& at(std::string_view key) const { return (*this)[key]; }
  const Value& at(std::size_t index) const { return (*this)[index]; }

  /// The member `key`, or nullptr when this is not an object or has no such member.
  Value* find(std::string_view key) noexcept;
  const Value* find(std::string_view key) const noexcept;
  /// True if this is an object with member `key`.
  bool contains(std::string_view key) const noexcept { return find(key) != nullptr; }
  /// Sets member `key` (replacing its value in place, else appending); a null Value turns into
  /// an object first. Throws ERR_JSON_TYPE on other types.
  Value& set(std::string_view key, Value value);
  /// Removes member `key`; returns whether it existed. Throws ERR_JSON_TYPE unless an object.
  bool erase(std::string_view key);
  /// Appends to an array; a null Value turns into an empty array first. Throws ERR_JSON_TYPE
  /// on other types.
  Value& push_back(Value value);
  /// Elements of an array, members of an object, bytes of a string. Throws ERR_JSON_TYPE for
  /// null, booleans and numbers.
  std::size_t size() const;
  /// size() == 0 for arrays, objects and strings; true for null; false for booleans/numbers.
  bool empty() const noexcept;

  /// JSON equality: same type and value; numbers compare by mathematical value across
  /// int64/uint64/double (1 == 1.0, 0 == -0.0; NaN is unequal to everything); objects compare
  /// as sets of members (order ignored).
  friend bool operator==(const Value& a, const Value& b) noexcept;

  /// Swaps contents in O(1).
  friend void swap(Value& a, Value& b) noexcept {
    Value t(std::move(a));
    a = std::move(b);
    b = std::move(t);
  }

 private:
  enum class Kind : std::uint8_t {
    Null,
    Bool,
    Int64,
    Uint64,
    Double,
    ShortString,
    String,
    Array,
    Object
  };
  static constexpr std::size_t kShortLengthByte = 14;
  static constexpr std::size_t kMaxShortString = 14;

  template <class T>
  T load(std::size_t at = 0) const noexcept {
    T t;
    std::memcpy(&t, bytes_ + at, sizeof t);
    return t;
  }
  template <class T>
  void store(T t, std::size_t at = 0) noexcept {
    std::memcpy(bytes_ + at, &t, sizeof t);
  }
  void setInt(std::int64_t i) noexcept {
    store(i);
    kind_ = Kind::Int64;
  }
  void setString(std::string_view s);
  void release() noexcept;
  std::int64_t convertInt64() const;
  [[noreturn]] void throwType(Type expected) const;

  alignas(8) unsigned char bytes_[15] = {};
  Kind kind_;
};

/// A JSON object: members in insertion order, unique keys.
///
/// Lookup is a linear scan (objects are small in practice; parse handles large ones with a
/// hash when it removes duplicates). `json::Object{{"a", 1}, {"b", "x"}}` builds one; a key
/// given twice keeps the last value at the first position, as JSON.parse does.
class Object {
 public:
  /// One member: `for (auto& [key, value] : object)`.
  using Member = std::pair<std::string, Value>;
  using iterator = std::vector<Member>::iterator;
  using const_iterator = std::vector<Member>::const_iterator;

  /// An empty object.
  Object() noexcept = default;
  /// The listed members; later duplicates replace earlier ones.
  Object(std::initializer_list<Member> members);

  /// The value of `key`, or nullptr.
  Value* find(std::string_view key) noexcept;
  const Value* find(std::string_view key) const noexcept;
  bool contains(std::string_view key) const noexcept { return find(key) != nullptr; }
  /// The value of `key`, added as null when missing.
  Value& operator[](std::string_view key);
  /// Sets `key` (in place when present, else appended); returns the stored value.
  Value& set(std::string_view key, Value value);
  /// Appends without looking for an existing `key`: the caller guarantees it is new (builders,
  /// parsers). A duplicate would make lookups see the first one only.
  Value& append(std::string key, Value value) {
    return members_.emplace_back(std::move(key), std::move(value)).second;
  }
  /// Removes `key`, keeping the order of the others; returns whether it existed.
  bool erase(std::string_view key);

  std::size_t size() const noexcept { return members_.size(); }
  bool empty() const noexcept { return members_.empty(); }
  void reserve(std::size_t n) { members_.reserve(n); }
  void clear() noexcept { members_.clear(); }
  iterator begin() noexcept { return members_.begin(); }
  iterator end() noexcept { return members_.end(); }
  const_iterator begin() const noexcept { return members_.begin(); }
  const_iterator end() const noexcept { return members_.end(); }
  /// The members, in order.
  const std::vector<Member>& members() const noexcept { return members_; }

  /// Same members with equal values, in any order.
  friend bool operator==(const Object& a, const Object& b) noexcept;

 private:
  friend struct detail::ObjectAccess;
  std::vector<Member> members_;
};

}  // namespace nx::json
