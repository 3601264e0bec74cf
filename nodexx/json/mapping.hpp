// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include "nodexx/json/errors.hpp"
#include "nodexx/json/parse.hpp"
#include "nodexx/json/stringify.hpp"
#include "nodexx/json/value.hpp"
#include "nodexx/json/writer.hpp"

namespace nx::json {

/// Options of the Value -> C++ direction. Trivially destructible.
struct MapOptions {
  /// Throw MappingError ("$.extra: unknown field") for object members that no mapped field
  /// names (default false: they are ignored, as most JSON APIs do).
  bool rejectUnknownFields = false;
};

/// A location in a document while mapping: a chain of stack frames, turned into text
/// ("$.items[2].price") only when an error is thrown. Lifetime: a Path refers to its parent
/// and its key, which must outlive it (pass children as temporaries into the call).
class Path {
 public:
  /// The root, "$".
  Path() noexcept = default;
  /// Member `key` of this location.
  Path child(std::string_view key) const noexcept { return Path(this, key, 0, true); }
  /// Element `index` of this location.
  Path child(std::size_t index) const noexcept { return Path(this, {}, index, false); }
  /// "$", "$.name", "$.items[2].price"; keys that are not identifiers use ["..."].
  std::string toString() const;
  /// Throws MappingError at this location with `reason`.
  [[noreturn]] void fail(std::string_view reason) const;
  /// Throws MappingError "expected <expected>, got <json type of actual>".
  [[noreturn]] void expected(std::string_view expected, const Value& actual) const;

 private:
  Path(const Path* parent, std::string_view key, std::size_t index, bool isKey) noexcept
      : parent_(parent), key_(key), index_(index), isKey_(isKey) {}
  const Path* parent_ = nullptr;
  std::string_view key_;
  std::size_t index_ = 0;
  bool isKey_ = false;
};

/// The mapping of one C++ type, a customisation point. Provided for bool, integer types
/// (range-checked), float, double, std::string, std::optional<T>, std::vector<T>,
/// std::map<std::string, T>, json::Value and NX_JSON types. Specialise it for other types
/// with the same three static functions:
///   static T read(const Value& v, const Path& at, const MapOptions& o);  // throws MappingError
///   static void write(Writer& w, const T& t);
///   static Value toValue(const T& t);
template <class T, class Enable = void>
struct Mapper;

/// Types with a Mapper.
template <class T>
concept Mappable = requires {
  sizeof(Mapper<T>);
};

/// The Value `value` as a T. Throws MappingError (code ERR_JSON_MAPPING, path()) when a
/// non-optional field is missing, a type differs, an integer is out of range, or (with
/// rejectUnknownFields) a member is unknown. std::optional fields accept missing and null.
template <Mappable T>
T to(const Value& value, const MapOptions& options = {});

/// `t` as a Value (std::nullopt fields are omitted).
template <Mappable T>
Value toValue(const T& t);

/// `t` written as JSON text directly through a Writer (no intermediate Value): what
/// res.json(obj) uses. std::nullopt struct fields are omitted; a nullopt element of a vector
/// is null. Formatting as stringify(const Value&).
template <Mappable T>
requires(!std::is_same_v<T, Value>) std::string
    stringify(const T& t, const StringifyOptions& options = {});

/// `t` appended to a writer.
template <Mappable T>
void write(Writer& writer, const T& t);

/// parse(text) then to<T>: throws ParseError or MappingError.
template <Mappable T>
T parse(std::string_view text, const ParseOptions& parseOptions = {},
        const MapOptions& mapOptions = {});

namespace detail {
/// One mapped data member: its JSON name and pointer to member.
template <class C, class M>
struct Field {
  std::string_view name;
  M C::*member;
};
template <class C, class M>
constexpr Field<C, M> field(std::string_view name, M C::*member) noexcept {
  return {name, member};
}
}  // namespace detail

}  // namespace nx::json

// NX_JSON(Type, field1, field2, ...): maps the public data members of the aggregate or class
// `Type` to a JSON object with members of the same names, in that order. Write it after the
// type, at namespace scope, in the type's namespace (it is found by argument-dependent lookup).
// Up to 64 fields. Example:
//   struct Product { int id; std::string name; double price; std::vector<std::string> tags; };
//   NX_JSON(Product, id, name, price, tags)
#define NX_JSON(Type, ...)                                                        \
  [[maybe_unused]] inline constexpr auto nxJsonFields(const Type*) noexcept {     \
    return std::make_tuple(NX_JSON_FOR_EACH_(NX_JSON_FIELD_, Type, __VA_ARGS__)); \
  }

#define NX_JSON_FIELD_(Type, name) ::nx::json::detail::field(#name, &Type::name)
#define NX_JSON_PARENS_ ()
#define NX_JSON_EXPAND_(...) NX_JSON_EXPAND3_(NX_JSON_EXPAND3_(NX_JSON_EXPAND3_(__VA_ARGS__)))
#define NX_JSON_EXPAND3_(...) NX_JSON_EXPAND2_(NX_JSON_EXPAND2_(NX_JSON_EXPAND2_(__VA_ARGS__)))
#define NX_JSON_EXPAND2_(...) NX_JSON_EXPAND1_(NX_JSON_EXPAND1_(NX_JSON_EXPAND1_(__VA_ARGS__)))
#define NX_JSON_EXPAND1_(...) NX_JSON_EXPAND0_(NX_JSON_EXPAND0_(NX_JSON_EXPAND0_(__VA_ARGS__)))
#define NX_JSON_EXPAND0_(...) __VA_ARGS__
#define NX_JSON_FOR_EACH_(macro, Type, ...) \
  __VA_OPT__(NX_JSON_EXPAND_(NX_JSON_FOR_EACH_HELPER_(macro, Type, __VA_ARGS__)))
#define NX_JSON_FOR_EACH_HELPER_(macro, Type, first, ...) \
  macro(Type, first) __VA_OPT__(, NX_JSON_FOR_EACH_AGAIN_ NX_JSON_PARENS_(macro, Type, __VA_ARGS__))
#define NX_JSON_FOR_EACH_AGAIN_() NX_JSON_FOR_EACH_HELPER_

#include "nodexx/json/mapping_impl.hpp"
