// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

/// Node's `querystring` module: the "simple" query parser that Express 5 uses by default for
/// `req.query`, and its stringify/escape/unescape. Pure functions over text (UTF-8); no loop.
namespace nx::http::querystring {

/// The default maximum number of pairs parse() reads (Node's maxKeys).
inline constexpr std::size_t kDefaultMaxKeys = 1000;

/// Options of parse(). Only views and numbers, so a braced temporary is always safe.
struct ParseOptions {
  /// Pair separator; "" means "&".
  std::string_view sep = "&";
  /// Key/value separator; "" means "=".
  std::string_view eq = "=";
  /// Pairs read at most (empty pairs between separators count, as in Node); 0 = unlimited.
  std::size_t maxKeys = kDefaultMaxKeys;
};

/// The result of parse(): keys with one or more values. Node returns an object whose values
/// are a string or, for a repeated key, an array; here every key has a vector of values, and
/// isArray() tells which Node would have returned. Keys enumerate in JavaScript property
/// order: array-index keys ("0", "17") first in ascending numeric order, then the others in
/// insertion order, so output matches Object.keys() of Node's result. Copyable value type.
class ParsedQuery {
 public:
  struct Entry {
    std::string key;
    std::vector<std::string> values;
    /// True if Node would give an array (the key was repeated).
    bool isArray() const noexcept { return values.size() > 1; }
  };

  /// The first value of `key`, or nullopt if absent (Node: the string, or array[0]).
  std::optional<std::string_view> get(std::string_view key) const;
  /// Every value of `key` in order; empty if absent.
  const std::vector<std::string>& getAll(std::string_view key) const;
  /// True if `key` is present.
  bool has(std::string_view key) const { return find(key) != nullptr; }
  /// The number of distinct keys.
  std::size_t size() const noexcept { return entries_.size(); }
  bool empty() const noexcept { return entries_.empty(); }
  /// The entries in JavaScript property order (see the class comment).
  const std::vector<Entry>& entries() const noexcept { return entries_; }

  /// Adds `value` under `key`, keeping property order; what parse() calls for each pair.
  void add(std::string key, std::string value);

 private:
  const Entry* find(std::string_view key) const;
  std::vector<Entry> entries_;
  std::size_t indexKeys_ = 0;  // entries_[0, indexKeys_) are array-index keys, sorted
};

/// querystring.parse(str, sep, eq, { maxKeys }): splits at `sep`, then at the first `eq`;
/// `+` becomes a space; keys and values with a valid %XX escape are decoded as
/// decodeURIComponent does, falling back to Node's lenient unescape (malformed escapes kept,
/// invalid UTF-8 as U+FFFD) when that would throw. Never throws.
ParsedQuery parse(std::string_view str, const ParseOptions& options = {});

/// querystring.stringify(obj, sep, eq): "k=v" pairs joined by `sep`, each key and value
/// escaped with escape(); an array key repeats (a key with no values is skipped).
std::string stringify(const ParsedQuery& query, std::string_view sep = "&",
                      std::string_view eq = "=");
/// stringify() of pairs in the given order (repeated keys allowed).
std::string stringify(const std::vector<std::pair<std::string, std::string>>& pairs,
                      std::string_view sep = "&", std::string_view eq = "=");

/// querystring.escape(str): percent-encodes the UTF-8 bytes of every character except
/// A-Z a-z 0-9 - . _ ~ ! ' ( ) * (upper-case hex).
std::string escape(std::string_view str);

/// querystring.unescape(str, decodeSpaces): decodeURIComponent(str), or when that would
/// throw, Node's lenient byte-wise unescape (with `+` as space if `decodeSpaces`) read as
/// UTF-8. Never throws.
std::string unescape(std::string_view str, bool decodeSpaces = false);

}  // namespace nx::http::querystring
