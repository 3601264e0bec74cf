// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "nodexx/web/qs.hpp"

// The JavaScript model behind nx::web::qs::parse (qs.cpp, qs_model.cpp). qs builds JavaScript
// objects and arrays, marks some of them through side channels ("overflow": an array that
// outgrew arrayLimit and became an object; "conflict": a pair made from a value that met a
// primitive), and relies on JavaScript's property order and sparse arrays. Node models exactly
// that much of JavaScript, so the package's algorithm can be followed step by step.
namespace nx::web::qs::model {

using Index = std::uint64_t;

struct Node;

/// One member of an object Node.
struct Member {
  std::string key;
  std::unique_ptr<Node> value;
};

/// One element of an array Node (arrays are sparse: holes are simply absent).
struct Element {
  Index index;
  std::unique_ptr<Node> value;
};

struct Node {
  enum class Kind : std::uint8_t { Null, String, Array, Object };
  Kind kind = Kind::String;
  std::string str;
  std::vector<Element> elements;  // Array: sorted by index
  Index length = 0;               // Array: JavaScript length
  std::vector<Member> members;    // Object: in insertion order (see membersInJsOrder)
  // Object: key → position in `members`, built once an object grows past a few members so
  // that a 1000-pair query stays linear.
  std::unique_ptr<std::unordered_map<std::string_view, std::size_t>> lookup;
  std::optional<double> overflow;  // the side channel's max index
  std::optional<double> conflict;  // the side channel's conflict index

  bool isArray() const noexcept { return kind == Kind::Array; }
  bool isObject() const noexcept { return kind == Kind::Object; }
  bool isContainer() const noexcept { return isArray() || isObject(); }
};

using NodePtr = std::unique_ptr<Node>;

NodePtr makeString(std::string s);
NodePtr makeNull();
NodePtr makeArray();
NodePtr makeObject();
bool truthy(const Node* n) noexcept;
std::optional<Index> arrayIndexKey(std::string_view key) noexcept;
double jsParseInt(std::string_view s) noexcept;
std::string jsNumberString(double d);
std::optional<double> canonicalInt(std::string_view key);
std::optional<std::size_t> memberPosition(const Node& obj, std::string_view key) noexcept;
Node* findMember(Node& obj, std::string_view key) noexcept;
void appendMember(Node& obj, std::string key, NodePtr value);
void setMember(Node& obj, std::string key, NodePtr value);
std::vector<std::size_t> membersInJsOrder(const Node& obj);
std::vector<Member> takeMembersInJsOrder(Node& obj);
std::string indexKey(double v);
Node* elementAt(Node& arr, Index i) noexcept;
void setElement(Node& arr, Index i, NodePtr value);
void push(Node& arr, NodePtr value);
void concatInto(Node& out, NodePtr v);
NodePtr arrayToObject(Node& arr);
std::string plural(std::size_t n, std::string_view word);
[[noreturn]] void throwArrayLimit(std::size_t arrayLimit);

/// qs's utils.combine / utils.merge under one option set.
struct Merger {
  const ParseOptions& o;

  NodePtr limitedPair(NodePtr first, NodePtr second) const;
  /// utils.combine(a, b)
  NodePtr combine(NodePtr a, NodePtr b) const;
  static double maxNumericIndex(const Node& obj, double min);
  /// utils.merge(target, source)
  NodePtr merge(NodePtr target, NodePtr source) const;
};

}  // namespace nx::web::qs::model
