// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nx::http {

namespace detail {
inline std::uint64_t load8(const char* p) noexcept {
  std::uint64_t x;
  std::memcpy(&x, p, 8);
  return x;
}
inline std::uint32_t load4(const char* p) noexcept {
  std::uint32_t x;
  std::memcpy(&x, p, 4);
  return x;
}
/// Compares words `x` and `y` of two strings, ASCII case-insensitively: equal, or different
/// only in the case bit (0x20) of bytes that are letters.
template <class W>
inline bool wordEqualsIgnoreCase(W x, W y) noexcept {
  constexpr W kOnes = static_cast<W>(0x0101010101010101ULL);
  const W d = x ^ y;
  if (d == 0) return true;
  if ((d & ~(kOnes * 0x20)) != 0) return false;
  // Letter bytes of x, computed per byte without carries between bytes: the folded byte with
  // its top bit cleared, plus 0x1f, reaches 0x80 from 'a' on; plus 0x05, from '{' on.
  const W lower = x | (kOnes * 0x20);
  const W h = lower & (kOnes * 0x7f);
  const W letters = (h + kOnes * 0x1f) & ~(h + kOnes * 0x05) & ~lower & (kOnes * 0x80);
  return ((d << 2) & ~letters) == 0;  // each differing 0x20 moved to its byte's top bit
}
}  // namespace detail

/// ASCII case-insensitive equality (header names, tokens). Never allocates. Inline: it runs
/// for every field lookup, and most calls end at the length test or at the first word.
inline bool equalsIgnoreCase(std::string_view a, std::string_view b) noexcept {
  const std::size_t n = a.size();
  if (n != b.size()) return false;
  const char* p = a.data();
  const char* q = b.data();
  if (n >= 8) {
    for (std::size_t i = 0; i + 8 < n; i += 8) {
      if (!detail::wordEqualsIgnoreCase(detail::load8(p + i), detail::load8(q + i))) return false;
    }
    return detail::wordEqualsIgnoreCase(detail::load8(p + n - 8), detail::load8(q + n - 8));
  }
  if (n >= 4) {  // two words that overlap when n < 8
    return detail::wordEqualsIgnoreCase(detail::load4(p), detail::load4(q)) &&
           detail::wordEqualsIgnoreCase(detail::load4(p + n - 4), detail::load4(q + n - 4));
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (!detail::wordEqualsIgnoreCase(static_cast<unsigned char>(p[i]),
                                      static_cast<unsigned char>(q[i]))) {
      return false;
    }
  }
  return true;
}

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
  Headers(const Headers&) = default;
  Headers& operator=(const Headers&) = default;
  /// A moved-from Headers is empty.
  Headers(Headers&& other) noexcept
      : entries_(std::move(other.entries_)), size_(std::exchange(other.size_, 0)) {}
  Headers& operator=(Headers&& other) noexcept {
    entries_ = std::move(other.entries_);
    size_ = std::exchange(other.size_, 0);
    return *this;
  }
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
  /// Removes every field; keeps the storage for reuse (the next fields reuse the strings'
  /// capacity, so a response that sets the same fields as the last allocates nothing).
  void clear() noexcept { size_ = 0; }

  /// The distinct names in lower case, in first-appearance order (Node's getHeaderNames()).
  std::vector<std::string> names() const;
  /// Number of fields (a repeated name counts once per field).
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  /// The fields in order, for iteration: `for (auto& [name, value] : headers)`.
  const Entry* begin() const noexcept { return entries_.data(); }
  const Entry* end() const noexcept { return entries_.data() + size_; }

  /// Appends without validating: for fields that came from a parser which already enforced
  /// the same rules (llhttp in strict mode). The caller guarantees them: every stored field,
  /// spare ones included, is valid, which lets set() and append() skip the checks for bytes
  /// equal to a spare field's.
  void appendUnchecked(std::string_view name, std::string_view value);

  friend bool operator==(const Headers& a, const Headers& b) noexcept;

 private:
  Entry* first() noexcept { return entries_.data(); }
  Entry* last() noexcept { return entries_.data() + size_; }
  void eraseFrom(Entry* from, std::string_view name) noexcept;
  void store(std::string_view name, std::string_view value);  // checked append

  // [0, size_) are the fields; the entries after them are spare, kept for their capacity.
  std::vector<Entry> entries_;
  std::size_t size_ = 0;
};

}  // namespace nx::http
