// SPDX-License-Identifier: MIT
#include <algorithm>
#include <cmath>
#include <limits>

#include "nodexx/core/errors.hpp"
#include "nodexx/json/stringify.hpp"
#include "nodexx/web/internal/util_qs_model.hpp"

namespace nx::web::qs::model {

NodePtr makeString(std::string s) {
  auto n = std::make_unique<Node>();
  n->str = std::move(s);
  return n;
}
NodePtr makeNull() {
  auto n = std::make_unique<Node>();
  n->kind = Node::Kind::Null;
  return n;
}
NodePtr makeArray() {
  auto n = std::make_unique<Node>();
  n->kind = Node::Kind::Array;
  return n;
}
NodePtr makeObject() {
  auto n = std::make_unique<Node>();
  n->kind = Node::Kind::Object;
  return n;
}

// JavaScript truthiness of a value (holes never reach here).
bool truthy(const Node* n) noexcept {
  if (n == nullptr) return false;
  if (n->kind == Node::Kind::Null) return false;
  if (n->kind == Node::Kind::String) return !n->str.empty();
  return true;
}

// --- JavaScript numbers and property keys -------------------------------------------------

// A canonical array index ("0", "17"; not "01", "-1", "4294967295") orders before other keys.
std::optional<Index> arrayIndexKey(std::string_view key) noexcept {
  if (key.empty() || key.size() > 10 || (key.size() > 1 && key[0] == '0')) return std::nullopt;
  Index v = 0;
  for (char c : key) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<Index>(c - '0');
  }
  if (v >= 4294967295u) return std::nullopt;
  return v;
}

// parseInt(s, 10): leading whitespace, a sign, the longest digit prefix; NaN if no digit.
double jsParseInt(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' ||
                          s[i] == '\v' || s[i] == '\f')) {
    ++i;
  }
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  double v = 0;
  std::size_t digits = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, ++digits) v = v * 10 + (s[i] - '0');
  if (digits == 0) return std::numeric_limits<double>::quiet_NaN();
  return negative ? -v : v;
}

// String(number) as JavaScript prints it.
std::string jsNumberString(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d < 0 ? "-Infinity" : "Infinity";
  // Integers below 2^53 print as plain digits; the rest take the JSON writer's JS formatting.
  if (d == std::trunc(d) && std::fabs(d) < 9007199254740992.0) {
    return std::to_string(static_cast<std::int64_t>(d));
  }
  return json::stringify(json::Value(d));
}

// String(parseInt(key)) === key, giving the number.
std::optional<double> canonicalInt(std::string_view key) {
  // Fast path: [-]digits without a leading zero, short enough to be exact.
  std::string_view digits = key;
  const bool negative = !digits.empty() && digits[0] == '-';
  if (negative) digits.remove_prefix(1);
  if (!digits.empty() && digits.size() <= 15 &&
      std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (digits.size() > 1 && digits[0] == '0') return std::nullopt;
    if (negative && digits == "0") return std::nullopt;  // String(-0) is "0"
    double v = 0;
    for (char c : digits) v = v * 10 + (c - '0');
    return negative ? -v : v;
  }
  if (digits.size() <= 15) return std::nullopt;  // not all digits: never canonical
  const double v = jsParseInt(key);
  if (std::isnan(v) || jsNumberString(v) != key) return std::nullopt;
  return v;
}

constexpr std::size_t kLookupThreshold = 8;

std::optional<std::size_t> memberPosition(const Node& obj, std::string_view key) noexcept {
  if (obj.lookup) {
    const auto it = obj.lookup->find(key);
    if (it == obj.lookup->end()) return std::nullopt;
    return it->second;
  }
  for (std::size_t i = 0; i < obj.members.size(); ++i) {
    if (obj.members[i].key == key) return i;
  }
  return std::nullopt;
}

Node* findMember(Node& obj, std::string_view key) noexcept {
  const auto pos = memberPosition(obj, key);
  return pos ? obj.members[*pos].value.get() : nullptr;
}

// Appends a member known to be new, keeping the lookup table current. The table's keys view
// the members' strings, so it is rebuilt whenever the vector reallocates.
void appendMember(Node& obj, std::string key, NodePtr value) {
  const bool grows = obj.members.size() == obj.members.capacity();
  obj.members.push_back(Member{std::move(key), std::move(value)});
  if (obj.members.size() < kLookupThreshold) return;
  if (!obj.lookup || grows) {
    obj.lookup = std::make_unique<std::unordered_map<std::string_view, std::size_t>>();
    obj.lookup->reserve(obj.members.capacity());
    for (std::size_t i = 0; i < obj.members.size(); ++i) {
      obj.lookup->emplace(obj.members[i].key, i);
    }
  } else {
    obj.lookup->emplace(obj.members.back().key, obj.members.size() - 1);
  }
}

// obj[key] = value: replaces in place (the property keeps its position), else appends.
void setMember(Node& obj, std::string key, NodePtr value) {
  if (const auto pos = memberPosition(obj, key)) {
    obj.members[*pos].value = std::move(value);
    return;
  }
  appendMember(obj, std::move(key), std::move(value));
}

// The positions of `obj`'s members in the order Object.keys() gives: canonical array indexes
// ascending, then the other keys in insertion order.
std::vector<std::size_t> membersInJsOrder(const Node& obj) {
  std::vector<std::pair<Index, std::size_t>> indexes;
  std::vector<std::size_t> order;
  order.reserve(obj.members.size());
  for (std::size_t i = 0; i < obj.members.size(); ++i) {
    if (const auto k = arrayIndexKey(obj.members[i].key)) {
      indexes.emplace_back(*k, i);
    } else {
      order.push_back(i);
    }
  }
  if (indexes.empty()) return order;
  std::sort(indexes.begin(), indexes.end());
  std::vector<std::size_t> out;
  out.reserve(obj.members.size());
  for (const auto& [k, i] : indexes) out.push_back(i);
  out.insert(out.end(), order.begin(), order.end());
  return out;
}

// Moves the members out of `obj` in Object.keys() order.
std::vector<Member> takeMembersInJsOrder(Node& obj) {
  std::vector<Member> out;
  out.reserve(obj.members.size());
  for (std::size_t i : membersInJsOrder(obj)) out.push_back(std::move(obj.members[i]));
  obj.members.clear();
  obj.lookup.reset();
  return out;
}

std::string indexKey(double v) { return jsNumberString(v); }

// --- arrays -----------------------------------------------------------------------------------

Node* elementAt(Node& arr, Index i) noexcept {
  auto it = std::lower_bound(arr.elements.begin(), arr.elements.end(), i,
                             [](const Element& e, Index k) { return e.index < k; });
  return (it != arr.elements.end() && it->index == i) ? it->value.get() : nullptr;
}

void setElement(Node& arr, Index i, NodePtr value) {
  auto it = std::lower_bound(arr.elements.begin(), arr.elements.end(), i,
                             [](const Element& e, Index k) { return e.index < k; });
  if (it != arr.elements.end() && it->index == i) {
    it->value = std::move(value);
  } else {
    arr.elements.insert(it, Element{i, std::move(value)});
  }
  arr.length = std::max(arr.length, i + 1);
}

void push(Node& arr, NodePtr value) { setElement(arr, arr.length, std::move(value)); }

// [].concat(...) of one operand: an array's elements (holes kept), anything else as one item.
void concatInto(Node& out, NodePtr v) {
  if (v->isArray()) {
    const Index base = out.length;
    for (Element& e : v->elements) setElement(out, base + e.index, std::move(e.value));
    out.length = base + v->length;
  } else {
    push(out, std::move(v));
  }
}

// arrayToObject(): the present elements under their index keys.
NodePtr arrayToObject(Node& arr) {
  NodePtr obj = makeObject();
  for (Element& e : arr.elements) {
    appendMember(*obj, std::to_string(e.index), std::move(e.value));
  }
  return obj;
}

// --- errors -----------------------------------------------------------------------------------

std::string plural(std::size_t n, std::string_view word) {
  return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

[[noreturn]] void throwArrayLimit(std::size_t arrayLimit) {
  throw RangeError(
      "ERR_QS_ARRAY_LIMIT",
      "Array limit exceeded. Only " + plural(arrayLimit, "element") + " allowed in an array.");
}

NodePtr Merger::limitedPair(NodePtr first, NodePtr second) const {
  NodePtr pair = makeArray();
  push(*pair, std::move(first));
  push(*pair, std::move(second));
  if (2 > o.arrayLimit) {
    if (o.throwOnLimitExceeded) throwArrayLimit(o.arrayLimit);
    NodePtr obj = arrayToObject(*pair);
    obj->overflow = 1;
    return obj;
  }
  return pair;
}

NodePtr Merger::combine(NodePtr a, NodePtr b) const {
  if (a->overflow) {
    if (o.throwOnLimitExceeded) throwArrayLimit(o.arrayLimit);
    double newIndex = *a->overflow;
    if (b->isArray()) {
      // bValues[i] for i < length: holes are written as undefined members, which JSON drops;
      // only present elements matter for the result.
      const double base = newIndex;
      for (Element& e : b->elements) {
        setMember(*a, indexKey(base + 1 + static_cast<double>(e.index)), std::move(e.value));
      }
      newIndex = base + static_cast<double>(b->length);
    } else {
      newIndex += 1;
      setMember(*a, indexKey(newIndex), std::move(b));
    }
    a->overflow = newIndex;
    return a;
  }
  NodePtr result = makeArray();
  concatInto(*result, std::move(a));
  concatInto(*result, std::move(b));
  if (result->length > o.arrayLimit) {
    if (o.throwOnLimitExceeded) throwArrayLimit(o.arrayLimit);
    const double last = static_cast<double>(result->length) - 1;
    NodePtr obj = arrayToObject(*result);
    obj->overflow = last;
    return obj;
  }
  return result;
}

double Merger::maxNumericIndex(const Node& obj, double min) {
  double max = min;
  for (const Member& m : obj.members) {
    if (const auto n = canonicalInt(m.key); n && *n > max) max = *n;
  }
  return max;
}

NodePtr Merger::merge(NodePtr target, NodePtr source) const {
  if (!truthy(source.get())) return target;
  if (!source->isContainer()) {
    if (target && target->isArray()) {
      const Index nextIndex = target->length;
      if (target->elements.size() >= o.arrayLimit) {
        if (o.throwOnLimitExceeded) throwArrayLimit(o.arrayLimit);
        NodePtr all = makeArray();
        concatInto(*all, std::move(target));
        push(*all, std::move(source));
        NodePtr obj = arrayToObject(*all);
        obj->overflow = static_cast<double>(nextIndex);
        return obj;
      }
      setElement(*target, nextIndex, std::move(source));
    } else if (target && target->isObject()) {
      if (target->overflow) {
        const double newIndex = *target->overflow + 1;
        setMember(*target, indexKey(newIndex), std::move(source));
        target->overflow = newIndex;
      } else if (target->conflict) {
        const double next = *target->conflict + 1;
        if (o.throwOnLimitExceeded && next >= static_cast<double>(o.arrayLimit)) {
          throwArrayLimit(o.arrayLimit);
        }
        setMember(*target, indexKey(next), std::move(source));
        target->conflict = next;
      } else {
        NodePtr pair = limitedPair(std::move(target), std::move(source));
        if (pair->isArray()) pair->conflict = 1;
        return pair;
      }
    } else {
      return limitedPair(std::move(target), std::move(source));
    }
    return target;
  }

  if (!truthy(target.get()) || !target->isContainer()) {
    if (!target) target = makeString("");
    if (source->overflow) {
      NodePtr result = makeObject();
      appendMember(*result, "0", std::move(target));
      const double max = *source->overflow;
      for (Member& m : takeMembersInJsOrder(*source)) {
        setMember(*result, indexKey(jsParseInt(m.key) + 1), std::move(m.value));
      }
      result->overflow = max + 1;
      return result;
    }
    NodePtr combined = makeArray();
    push(*combined, std::move(target));
    concatInto(*combined, std::move(source));
    if (combined->length > o.arrayLimit) {
      if (o.throwOnLimitExceeded) throwArrayLimit(o.arrayLimit);
      const double last = static_cast<double>(combined->length) - 1;
      NodePtr obj = arrayToObject(*combined);
      obj->overflow = last;
      return obj;
    }
    return combined;
  }

  if (target->isArray() && source->isArray()) {
    for (Element& e : source->elements) {  // forEach skips holes
      Node* existing = elementAt(*target, e.index);
      if (existing != nullptr) {
        if (existing->isContainer() && e.value->isContainer()) {
          auto it = std::lower_bound(target->elements.begin(), target->elements.end(), e.index,
                                     [](const Element& x, Index k) { return x.index < k; });
          it->value = merge(std::move(it->value), std::move(e.value));
        } else {
          push(*target, std::move(e.value));
        }
      } else {
        setElement(*target, e.index, std::move(e.value));
      }
    }
    if (target->elements.size() > o.arrayLimit) {
      if (o.throwOnLimitExceeded) throwArrayLimit(o.arrayLimit);
      const double last = static_cast<double>(target->length) - 1;
      NodePtr obj = arrayToObject(*target);
      obj->overflow = last;
      return obj;
    }
    return target;
  }

  NodePtr acc = std::move(target);
  if (acc->isArray()) {
    const std::optional<double> conflict = acc->conflict;
    const double lastIndex = static_cast<double>(acc->length) - 1;
    acc = arrayToObject(*acc);
    if (conflict) acc->conflict = lastIndex;
  }
  // Object.keys(source): an array's present indexes, or an object's keys in order.
  std::vector<Member> entries;
  if (source->isArray()) {
    for (Element& e : source->elements) {
      entries.push_back(Member{std::to_string(e.index), std::move(e.value)});
    }
  } else {
    entries = takeMembersInJsOrder(*source);
  }
  const std::optional<double> sourceOverflow = source->overflow;
  for (Member& m : entries) {
    if (const auto pos = memberPosition(*acc, m.key)) {
      NodePtr& slot = acc->members[*pos].value;
      slot = merge(std::move(slot), std::move(m.value));
    } else {
      appendMember(*acc, m.key, std::move(m.value));
    }
    if (sourceOverflow && !acc->overflow) {
      acc->overflow = maxNumericIndex(*acc, *sourceOverflow);
    }
    if (acc->overflow) {
      if (const auto k = canonicalInt(m.key); k && *k >= 0 && *k > *acc->overflow) {
        acc->overflow = *k;
      }
    }
    if (acc->conflict) {
      if (const auto k = canonicalInt(m.key); k && *k > *acc->conflict) acc->conflict = *k;
    }
  }
  return acc;
}

}  // namespace nx::web::qs::model
