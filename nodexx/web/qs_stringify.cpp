// SPDX-License-Identifier: MIT
#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

#include "nodexx/json/stringify.hpp"
#include "nodexx/web/internal/util_text.hpp"
#include "nodexx/web/qs.hpp"

// qs.stringify() over json::Value. Objects enumerate in JavaScript property order (index keys
// first, ascending), as Object.keys() would on the equivalent JavaScript object.
namespace nx::web::qs {
namespace {

// utils.encode(): RFC 3986 unreserved characters stay (plus "(" and ")" for RFC 1738), every
// other UTF-8 byte is %XX; ill-formed UTF-8 becomes %EF%BF%BD as a lone surrogate does.
void appendEncoded(std::string& out, std::string_view s, bool rfc1738) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '-' || c == '.' || c == '_' || c == '~' || (c >= '0' && c <= '9') ||
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (rfc1738 && (c == '(' || c == ')'))) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    std::int32_t cp = 0;
    const std::size_t n = detail::decodeUtf8(s, i, cp);
    if (cp < 0) {
      out.append("%EF%BF%BD");
    } else {
      for (std::size_t k = 0; k < n; ++k)
        detail::appendPercent(out, static_cast<unsigned char>(s[i + k]));
    }
    i += n;
  }
}

std::optional<std::uint64_t> arrayIndexKey(std::string_view key) noexcept {
  if (key.empty() || key.size() > 10 || (key.size() > 1 && key[0] == '0')) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : key) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (v >= 4294967295u) return std::nullopt;
  return v;
}

// String(value) for a primitive (numbers as JavaScript prints them; integers exactly).
std::string primitiveString(const json::Value& v) {
  switch (v.type()) {
    case json::Type::String:
      return std::string(v.asString());
    case json::Type::Bool:
      return v.asBool() ? "true" : "false";
    case json::Type::Number:
      if (v.isDouble()) {
        const double d = v.asDouble();
        if (std::isnan(d)) return "NaN";
        if (std::isinf(d)) return d < 0 ? "-Infinity" : "Infinity";
      }
      return json::stringify(v);
    default:
      return {};
  }
}

// Array.prototype.join(',') as the comma format uses it: null → "", nested arrays joined,
// objects as "[object Object]".
std::string joinComma(const json::Array& arr) {
  std::string out;
  for (std::size_t i = 0; i < arr.size(); ++i) {
    if (i > 0) out.push_back(',');
    const json::Value& v = arr[i];
    if (v.isNull()) continue;
    if (v.isArray()) {
      out.append(joinComma(v.asArray()));
    } else if (v.isObject()) {
      out.append("[object Object]");
    } else {
      out.append(primitiveString(v));
    }
  }
  return out;
}

struct Stringifier {
  const StringifyOptions& o;
  std::vector<std::string>& parts;

  std::string format(std::string s) const {
    if (!o.rfc1738) return s;
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s.compare(i, 3, "%20") == 0) {
        out.push_back('+');
        i += 2;
      } else {
        out.push_back(s[i]);
      }
    }
    return out;
  }

  std::string encode(std::string_view s) const {
    std::string out;
    appendEncoded(out, s, o.rfc1738);
    return out;
  }

  std::string encodeKey(std::string_view prefix, bool encoder) const {
    return encoder && !o.encodeValuesOnly ? encode(prefix) : std::string(prefix);
  }

  // Object.keys() order of a JavaScript object with these members.
  static std::vector<const json::Object::Member*> keysOf(const json::Object& obj) {
    std::vector<const json::Object::Member*> index, other;
    for (const auto& m : obj) (arrayIndexKey(m.first) ? index : other).push_back(&m);
    std::stable_sort(index.begin(), index.end(), [](const auto* a, const auto* b) {
      return *arrayIndexKey(a->first) < *arrayIndexKey(b->first);
    });
    index.insert(index.end(), other.begin(), other.end());
    return index;
  }

  void primitive(const std::string& prefix, const std::string& value, bool encoder) const {
    if (encoder) {
      const std::string key = o.encodeValuesOnly ? prefix : encode(prefix);
      parts.push_back(format(key) + "=" + format(encode(value)));
    } else {
      parts.push_back(format(prefix) + "=" + format(value));
    }
  }

  void stringify(const json::Value& v, const std::string& prefix, bool encoder) const {
    if (v.isNull()) {
      if (o.strictNullHandling) {
        parts.push_back(format(encodeKey(prefix, encoder)));
        return;
      }
      primitive(prefix, "", encoder);
      return;
    }
    if (!v.isArray() && !v.isObject()) {
      primitive(prefix, primitiveString(v), encoder);
      return;
    }
    if (v.isArray() && o.arrayFormat == ArrayFormat::Comma) {
      const json::Array& arr = v.asArray();
      if (arr.empty()) {
        if (o.allowEmptyArrays) parts.push_back(format(encodeKey(prefix, encoder)) + "[]");
        return;
      }
      std::string joined;
      if (o.encodeValuesOnly && encoder) {
        json::Array encoded;
        for (const json::Value& item : arr) {
          // The encoder coerces to a string first: arrays join with ",", objects print as
          // "[object Object]".
          if (item.isNull()) {
            encoded.emplace_back();
          } else if (item.isArray()) {
            encoded.emplace_back(encode(joinComma(item.asArray())));
          } else if (item.isObject()) {
            encoded.emplace_back(encode("[object Object]"));
          } else {
            encoded.emplace_back(encode(primitiveString(item)));
          }
        }
        joined = joinComma(encoded);
      } else {
        joined = joinComma(arr);
      }
      const bool childEncoder = o.encodeValuesOnly ? false : encoder;
      if (joined.empty()) {
        if (o.skipNulls) return;
        stringify(json::Value(), prefix, childEncoder);
      } else {
        stringify(json::Value(joined), prefix, childEncoder);
      }
      return;
    }
    if (v.isArray()) {
      const json::Array& arr = v.asArray();
      if (o.allowEmptyArrays && arr.empty()) {
        parts.push_back(format(encodeKey(prefix, encoder)) + "[]");
        return;
      }
      for (std::size_t i = 0; i < arr.size(); ++i) {
        if (o.skipNulls && arr[i].isNull()) continue;
        std::string keyPrefix;
        switch (o.arrayFormat) {
          case ArrayFormat::Indices:
            keyPrefix = prefix + "[" + std::to_string(i) + "]";
            break;
          case ArrayFormat::Brackets:
            keyPrefix = prefix + "[]";
            break;
          default:
            keyPrefix = prefix;
            break;
        }
        stringify(arr[i], keyPrefix, encoder);
      }
      return;
    }
    for (const auto* m : keysOf(v.asObject())) {
      if (o.skipNulls && m->second.isNull()) continue;
      const std::string keyPrefix =
          o.allowDots ? prefix + "." + m->first : prefix + "[" + m->first + "]";
      stringify(m->second, keyPrefix, encoder);
    }
  }
};

}  // namespace

std::string stringify(const json::Value& value, const StringifyOptions& options) {
  if (!value.isObject() && !value.isArray()) return {};
  std::vector<std::string> parts;
  const Stringifier s{options, parts};
  const bool encoder = options.encode;
  if (value.isArray()) {
    const json::Array& arr = value.asArray();
    for (std::size_t i = 0; i < arr.size(); ++i) {
      if (options.skipNulls && arr[i].isNull()) continue;
      s.stringify(arr[i], std::to_string(i), encoder);
    }
  } else {
    for (const auto* m : Stringifier::keysOf(value.asObject())) {
      if (options.skipNulls && m->second.isNull()) continue;
      s.stringify(m->second, m->first, encoder);
    }
  }
  const std::string_view delimiter = options.delimiter;
  std::string joined;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) joined.append(delimiter);
    joined.append(parts[i]);
  }
  if (joined.empty()) return joined;
  return options.addQueryPrefix ? "?" + joined : joined;
}

}  // namespace nx::web::qs
