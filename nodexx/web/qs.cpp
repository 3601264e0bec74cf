// SPDX-License-Identifier: MIT
#include "nodexx/web/qs.hpp"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "nodexx/core/errors.hpp"
#include "nodexx/web/encode_url.hpp"
#include "nodexx/web/internal/util_qs_model.hpp"
#include "nodexx/web/internal/util_text.hpp"

// qs.parse(): the flat pairs (parseValues), each key split into bracket segments, each pair
// built into a small object (parseObject) and merged into the result with qs's own merge rules
// (qs_model.cpp); the JavaScript-like result is converted to json::Value at the end.
namespace nx::web::qs {
namespace {

// "[" + key.substr(from) + "]", built in place: g++ 12 reports a false -Wrestrict for the
// operator+ chain at -O3.
std::string bracketed(const std::string& key, std::size_t from) {
  std::string out;
  out.reserve(key.size() - from + 2);
  out += '[';
  out.append(key, from, std::string::npos);
  out += ']';
  return out;
}

using namespace model;

struct Parser {
  const ParseOptions& o;
  Merger m{o};

  // --- decoding -----------------------------------------------------------------------------

  std::string decode(std::string_view s, Charset charset) const {
    std::string plus(s);
    std::replace(plus.begin(), plus.end(), '+', ' ');
    if (plus.find('%') == std::string::npos) return plus;
    if (charset == Charset::Latin1) {
      std::string out;
      out.reserve(plus.size());
      for (std::size_t i = 0; i < plus.size(); ++i) {
        if (plus[i] == '%' && i + 2 < plus.size() && detail::hexValue(plus[i + 1]) >= 0 &&
            detail::hexValue(plus[i + 2]) >= 0) {
          detail::appendUtf8(out, static_cast<std::uint32_t>(detail::hexValue(plus[i + 1]) * 16 +
                                                             detail::hexValue(plus[i + 2])));
          i += 2;
        } else {
          out.push_back(plus[i]);
        }
      }
      return out;
    }
    if (auto decoded = decodeURIComponent(plus)) return std::move(*decoded);
    return plus;
  }

  // interpretNumericEntities: "&#NNNN;" → the character (String.fromCharCode semantics).
  static std::string interpretEntities(std::string_view s) {
    std::string out;
    std::size_t i = 0;
    while (i < s.size()) {
      if (s.compare(i, 2, "&#") == 0) {
        std::size_t j = i + 2;
        double value = 0;
        std::uint32_t low16 = 0;
        while (j < s.size() && s[j] >= '0' && s[j] <= '9') {
          value = value * 10 + (s[j] - '0');
          low16 = static_cast<std::uint32_t>((low16 * 10 + static_cast<std::uint32_t>(s[j] - '0')) &
                                             0xFFFF);
          ++j;
        }
        if (j > i + 2 && j < s.size() && s[j] == ';') {
          std::uint32_t cp =
              (value > 0xFFFF && value <= 0x10FFFF) ? static_cast<std::uint32_t>(value) : low16;
          if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;  // a lone surrogate has no UTF-8 form
          detail::appendUtf8(out, cp);
          i = j + 1;
          continue;
        }
      }
      out.push_back(s[i++]);
    }
    return out;
  }

  // --- keys ---------------------------------------------------------------------------------

  static bool isPrototypeKey(std::string_view k) noexcept {
    static constexpr std::string_view kNames[] = {
        "constructor",      "__defineGetter__", "__defineSetter__", "hasOwnProperty",
        "__lookupGetter__", "__lookupSetter__", "isPrototypeOf",    "propertyIsEnumerable",
        "toString",         "valueOf",          "__proto__",        "toLocaleString"};
    return std::find(std::begin(kNames), std::end(kNames), k) != std::end(kNames);
  }

  static std::string_view stripWrappingBrackets(std::string_view k) noexcept {
    if (k.size() >= 2 && k.front() == '[' && k.back() == ']') return k.substr(1, k.size() - 2);
    // A lone "[" or "]" is not wrapped; "[]" strips to "".
    return k;
  }

  static std::string dotsToBrackets(std::string_view key) {
    std::string result;
    int depth = 0;
    for (std::size_t i = 0; i < key.size(); ++i) {
      const char c = key[i];
      if (c == '[') {
        ++depth;
        result.push_back('[');
      } else if (c == ']') {
        if (depth > 0) --depth;
        result.push_back(']');
      } else if (c == '.' && depth == 0 && i + 1 < key.size() && key[i + 1] != '.' &&
                 key[i + 1] != '[') {
        std::size_t j = i + 1;
        while (j < key.size() && key[j] != '.' && key[j] != '[') ++j;
        result.push_back('[');
        result.append(key.substr(i + 1, j - i - 1));
        result.push_back(']');
        i = j - 1;
      } else {
        result.push_back(c);
      }
    }
    return result;
  }

  // splitKeyIntoSegments(); nullopt when a prototype key drops the pair.
  std::optional<std::vector<std::string>> segments(std::string_view originalKey) const {
    const std::string key = o.allowDots ? dotsToBrackets(originalKey) : std::string(originalKey);
    if (o.depth == 0) {
      if (!o.allowPrototypes && isPrototypeKey(stripWrappingBrackets(key))) return std::nullopt;
      return std::vector<std::string>{key};
    }
    std::vector<std::string> segs;
    const std::size_t first = key.find('[');
    const std::string_view parent = std::string_view(key).substr(0, first);
    if (!parent.empty()) {
      if (!o.allowPrototypes && isPrototypeKey(parent)) return std::nullopt;
      segs.emplace_back(parent);
    }
    std::size_t open = first;
    std::size_t collected = 0;
    while (open != std::string::npos && collected < o.depth) {
      int level = 1;
      std::size_t close = std::string::npos;
      for (std::size_t i = open + 1; i < key.size() && close == std::string::npos; ++i) {
        if (key[i] == '[') {
          ++level;
        } else if (key[i] == ']' && --level == 0) {
          close = i;
        }
      }
      if (close == std::string::npos) {
        segs.push_back(bracketed(key, open));
        return segs;
      }
      const std::string_view content = std::string_view(key).substr(open + 1, close - open - 1);
      if (!o.allowPrototypes && isPrototypeKey(content)) return std::nullopt;
      segs.push_back(key.substr(open, close - open + 1));
      ++collected;
      open = key.find('[', close + 1);
    }
    if (open != std::string::npos) {
      if (o.strictDepth) {
        throw RangeError("ERR_QS_DEPTH", "Input depth exceeded depth option of " +
                                             std::to_string(o.depth) + " and strictDepth is true");
      }
      segs.push_back(bracketed(key, open));
    }
    return segs;
  }

  // parseObject(chain, val) with values already parsed.
  NodePtr parseObject(const std::vector<std::string>& chain, NodePtr leaf) const {
    for (std::size_t n = chain.size(); n-- > 0;) {
      const std::string& root = chain[n];
      NodePtr obj;
      if (root == "[]" && o.parseArrays) {
        if (leaf->overflow) {
          obj = std::move(leaf);
        } else if (o.allowEmptyArrays &&
                   ((leaf->kind == Node::Kind::String && leaf->str.empty()) ||
                    (o.strictNullHandling && leaf->kind == Node::Kind::Null))) {
          obj = makeArray();
        } else {
          obj = m.combine(makeArray(), std::move(leaf));
        }
      } else {
        obj = makeObject();
        const std::string_view clean = stripWrappingBrackets(root);
        const bool bracketed = clean.size() != root.size();
        const auto index = canonicalInt(clean);
        const bool validIndex = index && bracketed && *index >= 0 && o.parseArrays;
        if (!o.parseArrays && clean.empty()) {
          setMember(*obj, "0", std::move(leaf));
        } else if (validIndex && *index < static_cast<double>(o.arrayLimit)) {
          obj = makeArray();
          setElement(*obj, static_cast<Index>(*index), std::move(leaf));
        } else if (validIndex && o.throwOnLimitExceeded) {
          throwArrayLimit(o.arrayLimit);
        } else if (validIndex) {
          setMember(*obj, std::string(clean), std::move(leaf));
          obj->overflow = *index;
        } else if (clean != "__proto__") {
          setMember(*obj, std::string(clean), std::move(leaf));
        }
      }
      leaf = std::move(obj);
    }
    return leaf;
  }

  // parseValues(): the flat pairs, keys decoded, repeated keys combined.
  NodePtr parseValues(std::string_view str) const {
    NodePtr obj = makeObject();
    std::string clean(str);
    if (o.ignoreQueryPrefix && !clean.empty() && clean[0] == '?') clean.erase(0, 1);
    // %5B / %5D (any case) become brackets before anything else, as in the package.
    for (std::size_t i = 0; i + 2 < clean.size(); ++i) {
      if (clean[i] == '%' && clean[i + 1] == '5') {
        const char c = detail::lowerAscii(clean[i + 2]);
        if (c == 'b' || c == 'd') clean.replace(i, 3, c == 'b' ? "[" : "]");
      }
    }
    const std::string_view delimiter = o.delimiter.empty() ? std::string_view("&") : o.delimiter;
    std::vector<std::string_view> parts;
    const std::size_t limit = o.parameterLimit;
    const std::size_t take = o.throwOnLimitExceeded && limit != SIZE_MAX ? limit + 1 : limit;
    std::size_t start = 0;
    while (parts.size() < take) {
      const std::size_t d = clean.find(delimiter, start);
      parts.push_back(
          std::string_view(clean).substr(start, d == std::string::npos ? clean.npos : d - start));
      if (d == std::string::npos) break;
      start = d + delimiter.size();
    }
    if (o.throwOnLimitExceeded && parts.size() > limit) {
      throw RangeError("ERR_QS_PARAMETER_LIMIT", "Parameter limit exceeded. Only " +
                                                     plural(limit, "parameter") + " allowed.");
    }
    std::size_t skipIndex = SIZE_MAX;
    Charset charset = o.charset;
    if (o.charsetSentinel) {
      for (std::size_t i = 0; i < parts.size(); ++i) {
        if (parts[i].substr(0, 5) == "utf8=") {
          if (parts[i] == "utf8=%E2%9C%93") charset = Charset::Utf8;
          if (parts[i] == "utf8=%26%2310003%3B") charset = Charset::Latin1;
          skipIndex = i;
          break;
        }
      }
    }
    for (std::size_t i = 0; i < parts.size(); ++i) {
      if (i == skipIndex) continue;
      const std::string_view part = parts[i];
      const std::size_t bracketEquals = part.find("]=");
      const std::size_t pos =
          bracketEquals == std::string_view::npos ? part.find('=') : bracketEquals + 1;
      const bool emptyBracketKey =
          pos != std::string_view::npos && pos > 1 && part.substr(pos - 2, 2) == "[]";
      std::string key;
      NodePtr val;
      if (pos == std::string_view::npos) {
        key = decode(part, charset);
        val = o.strictNullHandling ? makeNull() : makeString("");
      } else {
        key = decode(part.substr(0, pos), charset);
        const std::string_view raw = part.substr(pos + 1);
        Node* existing = findMember(*obj, key);
        const Index currentLength = existing != nullptr && existing->isArray() &&
                                            (o.duplicates == Duplicates::Combine || emptyBracketKey)
                                        ? existing->length
                                        : 0;
        if (o.comma && !raw.empty() && raw.find(',') != std::string_view::npos) {
          if (o.throwOnLimitExceeded) {
            const auto commas = static_cast<std::size_t>(std::count(raw.begin(), raw.end(), ','));
            if (commas >= o.arrayLimit) throwArrayLimit(o.arrayLimit);
          }
          val = makeArray();
          std::size_t s = 0;
          while (true) {
            const std::size_t c = raw.find(',', s);
            push(*val,
                 makeString(decode(raw.substr(s, c == std::string_view::npos ? raw.npos : c - s),
                                   charset)));
            if (c == std::string_view::npos) break;
            s = c + 1;
          }
        } else {
          if (o.throwOnLimitExceeded && currentLength >= o.arrayLimit && currentLength > 0) {
            throwArrayLimit(o.arrayLimit);
          }
          val = makeString(decode(raw, charset));
        }
      }
      if (o.interpretNumericEntities && charset == Charset::Latin1 && truthy(val.get())) {
        if (val->isArray()) {
          for (Element& e : val->elements) {
            if (truthy(e.value.get())) e.value->str = interpretEntities(e.value->str);
          }
        } else {
          val->str = interpretEntities(val->str);
        }
      }
      if (emptyBracketKey && val->isArray()) {
        NodePtr wrapped = makeArray();
        push(*wrapped, std::move(val));
        val = std::move(wrapped);
      }
      if (o.comma && val->isArray() && val->length > o.arrayLimit) {
        val = m.combine(makeArray(), std::move(val));
      }
      const auto at = memberPosition(*obj, key);
      if (at && (o.duplicates == Duplicates::Combine || emptyBracketKey)) {
        NodePtr& slot = obj->members[*at].value;
        slot = m.combine(std::move(slot), std::move(val));
      } else if (!at) {
        appendMember(*obj, std::move(key), std::move(val));
      } else if (o.duplicates == Duplicates::Last) {
        obj->members[*at].value = std::move(val);
      }
    }
    return obj;
  }
};

// compact(): arrays lose their holes (unless allowSparse), recursively.
json::Value toJson(Node& n, bool sparse) {
  switch (n.kind) {
    case Node::Kind::Null:
      return json::Value(nullptr);
    case Node::Kind::String:
      return json::Value(std::move(n.str));
    case Node::Kind::Array: {
      json::Array arr;
      if (sparse) {
        arr.reserve(static_cast<std::size_t>(n.length));
        Index next = 0;
        for (Element& e : n.elements) {
          for (; next < e.index; ++next) arr.emplace_back(nullptr);
          arr.push_back(toJson(*e.value, sparse));
          next = e.index + 1;
        }
        for (; next < n.length; ++next) arr.emplace_back(nullptr);
      } else {
        arr.reserve(n.elements.size());
        for (Element& e : n.elements) arr.push_back(toJson(*e.value, sparse));
      }
      return json::Value(std::move(arr));
    }
    case Node::Kind::Object: {
      json::Object obj;
      obj.reserve(n.members.size());
      for (Member& m : takeMembersInJsOrder(n)) {
        obj.append(std::move(m.key), toJson(*m.value, sparse));
      }
      return json::Value(std::move(obj));
    }
  }
  return json::Value();
}

}  // namespace

json::Value parse(std::string_view str, const ParseOptions& options) {
  if (str.empty()) return json::Value(json::Object{});
  const Parser p{options};
  NodePtr temp = p.parseValues(str);
  NodePtr obj = makeObject();
  for (Member& m : takeMembersInJsOrder(*temp)) {
    if (m.key.empty()) continue;
    const auto chain = p.segments(m.key);
    if (!chain) continue;
    obj = p.m.merge(std::move(obj), p.parseObject(*chain, std::move(m.value)));
  }
  return toJson(*obj, options.allowSparse);
}

}  // namespace nx::web::qs
