// SPDX-License-Identifier: MIT
// Template bodies of nodexx/json/mapping.hpp; include that header instead.
#pragma once

#include <cmath>
#include <concepts>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "nodexx/json/mapping.hpp"

namespace nx::json {
namespace detail {

/// Throws "expected integer in [min, max], got <value>" at `at`.
[[noreturn]] void integerOutOfRange(const Path& at, const Value& v, std::int64_t min,
                                    std::uint64_t max);

/// The integral value of a number Value that lies in [min, max], as int64 or uint64 (the
/// caller casts). Throws MappingError otherwise.
std::int64_t readSigned(const Value& v, const Path& at, std::int64_t min, std::int64_t max);
std::uint64_t readUnsigned(const Value& v, const Path& at, std::uint64_t max);

template <class T>
struct IsOptional : std::false_type {};
template <class T>
struct IsOptional<std::optional<T>> : std::true_type {};

template <class T>
concept HasFields = requires(const T* p) {
  nxJsonFields(p);
};

}  // namespace detail

template <>
struct Mapper<bool> {
  static bool read(const Value& v, const Path& at, const MapOptions&) {
    if (!v.isBool()) at.expected("boolean", v);
    return v.asBool();
  }
  static void write(Writer& w, bool b) { w.value(b); }
  static Value toValue(bool b) { return Value(b); }
};

template <JsonInteger I>
struct Mapper<I> {
  static I read(const Value& v, const Path& at, const MapOptions&) {
    if constexpr (std::is_signed_v<I>) {
      return static_cast<I>(
          detail::readSigned(v, at, std::numeric_limits<I>::min(), std::numeric_limits<I>::max()));
    } else {
      return static_cast<I>(detail::readUnsigned(v, at, std::numeric_limits<I>::max()));
    }
  }
  static void write(Writer& w, I i) { w.value(i); }
  static Value toValue(I i) { return Value(i); }
};

template <std::floating_point F>
struct Mapper<F> {
  static F read(const Value& v, const Path& at, const MapOptions&) {
    if (!v.isNumber()) at.expected("number", v);
    return static_cast<F>(v.asDouble());
  }
  static void write(Writer& w, F f) { w.value(static_cast<double>(f)); }
  static Value toValue(F f) { return Value(static_cast<double>(f)); }
};

template <>
struct Mapper<std::string> {
  static std::string read(const Value& v, const Path& at, const MapOptions&) {
    if (!v.isString()) at.expected("string", v);
    return std::string(v.asString());
  }
  static void write(Writer& w, const std::string& s) { w.value(std::string_view(s)); }
  static Value toValue(const std::string& s) { return Value(s); }
};

template <>
struct Mapper<Value> {
  static Value read(const Value& v, const Path&, const MapOptions&) { return v; }
  static void write(Writer& w, const Value& v) { w.value(v); }
  static Value toValue(const Value& v) { return v; }
};

template <Mappable T>
struct Mapper<std::optional<T>> {
  static std::optional<T> read(const Value& v, const Path& at, const MapOptions& o) {
    if (v.isNull()) return std::nullopt;
    return Mapper<T>::read(v, at, o);
  }
  static void write(Writer& w, const std::optional<T>& t) {
    if (t) {
      Mapper<T>::write(w, *t);
    } else {
      w.null();
    }
  }
  static Value toValue(const std::optional<T>& t) { return t ? Mapper<T>::toValue(*t) : Value(); }
};

template <Mappable T>
struct Mapper<std::vector<T>> {
  static std::vector<T> read(const Value& v, const Path& at, const MapOptions& o) {
    if (!v.isArray()) at.expected("array", v);
    const Array& a = v.asArray();
    std::vector<T> out;
    out.reserve(a.size());
    for (std::size_t i = 0; i < a.size(); ++i) out.push_back(Mapper<T>::read(a[i], at.child(i), o));
    return out;
  }
  static void write(Writer& w, const std::vector<T>& t) {
    w.beginArray();
    for (const auto& e : t) Mapper<T>::write(w, e);
    w.endArray();
  }
  static Value toValue(const std::vector<T>& t) {
    Array a;
    a.reserve(t.size());
    for (const auto& e : t) a.push_back(Mapper<T>::toValue(e));
    return Value(std::move(a));
  }
};

template <Mappable T>
struct Mapper<std::map<std::string, T>> {
  static std::map<std::string, T> read(const Value& v, const Path& at, const MapOptions& o) {
    if (!v.isObject()) at.expected("object", v);
    std::map<std::string, T> out;
    for (const auto& [k, e] : v.asObject()) out.emplace(k, Mapper<T>::read(e, at.child(k), o));
    return out;
  }
  static void write(Writer& w, const std::map<std::string, T>& t) {
    w.beginObject();
    for (const auto& [k, e] : t) {
      w.key(k);
      Mapper<T>::write(w, e);
    }
    w.endObject();
  }
  static Value toValue(const std::map<std::string, T>& t) {
    Object obj;
    obj.reserve(t.size());
    for (const auto& [k, e] : t) obj.append(k, Mapper<T>::toValue(e));
    return Value(std::move(obj));
  }
};

/// Types declared with NX_JSON: a JSON object with one member per listed field.
template <detail::HasFields T>
struct Mapper<T> {
  static T read(const Value& v, const Path& at, const MapOptions& o) {
    if (!v.isObject()) at.expected("object", v);
    const Object& obj = v.asObject();
    T t{};
    std::size_t hint = 0;
    std::apply([&](const auto&... f) { (readField(obj, hint, t, f, at, o), ...); },
               nxJsonFields(static_cast<const T*>(nullptr)));
    if (o.rejectUnknownFields) {
      for (const auto& member : obj) {
        // Not a structured binding: clang 14 cannot capture those in a lambda.
        const std::string& k = member.first;
        const bool known = std::apply([&](const auto&... f) { return ((f.name == k) || ...); },
                                      nxJsonFields(static_cast<const T*>(nullptr)));
        if (!known) at.child(k).fail("unknown field");
      }
    }
    return t;
  }
  static void write(Writer& w, const T& t) {
    w.beginObject();
    std::apply([&](const auto&... f) { (writeField(w, t, f), ...); },
               nxJsonFields(static_cast<const T*>(nullptr)));
    w.endObject();
  }
  static Value toValue(const T& t) {
    Object obj;
    std::apply(
        [&](const auto&... f) {
          obj.reserve(sizeof...(f));
          (addField(obj, t, f), ...);
        },
        nxJsonFields(static_cast<const T*>(nullptr)));
    return Value(std::move(obj));
  }

 private:
  template <class M>
  static void readField(const Object& obj, std::size_t& hint, T& t, const detail::Field<T, M>& f,
                        const Path& at, const MapOptions& o) {
    // Members usually come in declaration order: try the next position before scanning.
    const Value* member = nullptr;
    const auto& members = obj.members();
    if (hint < members.size() && members[hint].first == f.name) {
      member = &members[hint].second;
      ++hint;
    } else {
      member = obj.find(f.name);
    }
    if (member == nullptr) {
      if constexpr (detail::IsOptional<M>::value) {
        t.*f.member = std::nullopt;
        return;
      } else {
        at.child(f.name).fail("missing required field");
      }
    }
    t.*f.member = Mapper<M>::read(*member, at.child(f.name), o);
  }
  template <class M>
  static void writeField(Writer& w, const T& t, const detail::Field<T, M>& f) {
    if constexpr (detail::IsOptional<M>::value) {
      if (!(t.*f.member).has_value()) return;
    }
    w.key(f.name);
    Mapper<M>::write(w, t.*f.member);
  }
  template <class M>
  static void addField(Object& obj, const T& t, const detail::Field<T, M>& f) {
    if constexpr (detail::IsOptional<M>::value) {
      if (!(t.*f.member).has_value()) return;
    }
    obj.append(std::string(f.name), Mapper<M>::toValue(t.*f.member));
  }
};

template <Mappable T>
T to(const Value& value, const MapOptions& options) {
  return Mapper<T>::read(value, Path(), options);
}

template <Mappable T>
Value toValue(const T& t) {
  return Mapper<T>::toValue(t);
}

template <Mappable T>
void write(Writer& writer, const T& t) {
  Mapper<T>::write(writer, t);
}

template <Mappable T>
requires(!std::is_same_v<T, Value>) std::string
    stringify(const T& t, const StringifyOptions& options) {
  std::string out;
  Writer w(out, options);
  Mapper<T>::write(w, t);
  return out;
}

template <Mappable T>
T parse(std::string_view text, const ParseOptions& parseOptions, const MapOptions& mapOptions) {
  return to<T>(parse(text, parseOptions), mapOptions);
}

}  // namespace nx::json
