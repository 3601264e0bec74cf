// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nx::http {

/// ASCII case-insensitive equality (header names, tokens). Never allocates.
bool equalsIgnoreCase(std::string_view a, std::string_view b) noexcept;

/// True if `name` is a non-empty RFC 9110 token (Node's checkIsHttpToken): letters, digits and
/// !#$%&'*+-.^_`|~ only.
bool isValidHeaderName(std::string_view name) noexcept;

/// True if `value` holds only bytes Node accepts in a header value (checkInvalidHeaderChar):
/// HTAB, 0x20..0x7E and 0x80..0xFF. CR, LF, NUL and other controls are rejected, which is
/// what keeps response splitting out.
bool isValidHeaderValue(std::string_view value) noexcept;

/// An ordered, case-insensitive multimap of HTTP header fields that owns its strings: the
/// response's header list, the HTTP client's request and response headers, and a copy of a
/// request's headers (IncomingMessage::headers()). Names keep the case they were given in
/// (what goes on the wire), lookups ignore case. Copyable value type; not thread-safe.
///
/// Mutators validate: a name that is not a token throws nx::SystemError
/// ERR_INVALID_HTTP_TOKEN, a value with CR/LF/NUL or another control byte throws
/// ERR_INVALID_CHAR (Node's setHeader checks), so a Headers object can always be serialised.
class Headers {
 public:
  /// One field as stored: the name as given, the value as given.
  struct Entry {
    std::string name;
    std::string value;
  };

  Headers() = default;
  /// Appends each pair in order (validated as append()).
  Headers(std::initializer_list<std::pair<std::string_view, std::string_view>> fields);

  /// The first value of `name`, or nullopt. The view is valid until the next mutation.
  std::optional<std::string_view> get(std::string_view name) const noexcept;
  /// Every value of `name` in order (Set-Cookie); views valid until the next mutation.
  std::vector<std::string_view> getAll(std::string_view name) const;
  /// True if at least one field is named `name`.
  bool has(std::string_view name) const noexcept;
  /// Replaces every field named `name` with one field (at the position of the first one, or
  /// appended). Throws as described above.
  void set(std::string_view name, std::string_view value);
  /// Adds a field after the existing ones, keeping earlier fields of the same name.
  void append(std::string_view name, std::string_view value);
  /// Removes every field named `name`; returns whether there was one.
  bool remove(std::string_view name) noexcept;
  /// Removes every field; keeps the storage for reuse.
  void clear() noexcept { entries_.clear(); }

  /// The distinct names in lower case, in first-appearance order (Node's getHeaderNames()).
  std::vector<std::string> names() const;
  /// Number of fields (a repeated name counts once per field).
  std::size_t size() const noexcept { return entries_.size(); }
  bool empty() const noexcept { return entries_.empty(); }
  /// The fields in order, for iteration: `for (auto& [name, value] : headers)`.
  auto begin() const noexcept { return entries_.begin(); }
  auto end() const noexcept { return entries_.end(); }

  /// Appends without validating: for fields that came from a parser which already enforced
  /// the same rules (llhttp in strict mode).
  void appendUnchecked(std::string_view name, std::string_view value);

  friend bool operator==(const Headers& a, const Headers& b) noexcept;

 private:
  std::vector<Entry> entries_;
};

}  // namespace nx::http
