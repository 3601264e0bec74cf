// SPDX-License-Identifier: MIT
#include "nodexx/http/headers.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

#include "nodexx/core/errors.hpp"
#include "nodexx/http/errors.hpp"

namespace nx::http {

namespace {

constexpr unsigned char lower(unsigned char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c | 0x20) : c;
}

constexpr std::array<std::uint8_t, 256> makeTokenTable() {
  std::array<std::uint8_t, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = 1;
  for (int c = 'a'; c <= 'z'; ++c) t[static_cast<std::size_t>(c)] = 1;
  for (int c = 'A'; c <= 'Z'; ++c) t[static_cast<std::size_t>(c)] = 1;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = 1;
  return t;
}
constexpr std::array<std::uint8_t, 256> kToken = makeTokenTable();

// True when a word (eight bytes, or fewer padded with valid ones) may hold a byte that a field
// value must not: one below 0x20 (a tab too, which is allowed: the caller then checks byte by
// byte) or 0x7f. Bytes >= 0x80 are allowed.
constexpr bool mayHoldControl(std::uint64_t x) noexcept {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
  std::uint64_t low = (x - kOnes * 0x20) & ~x & kHigh;
  std::uint64_t del = x ^ (kOnes * 0x7f);
  del = (del - kOnes) & ~del & kHigh;
  return (low | del) != 0;
}

// Out of line and cold: set() and append() run for every response field.
[[noreturn, gnu::noinline, gnu::cold]] void throwInvalid(std::string_view name) {
  if (!isValidHeaderName(name)) {
    throw SystemError(std::string(errc::kInvalidHttpToken),
                      "Header name must be a valid HTTP token [\"" + std::string(name) + "\"]");
  }
  throw SystemError(std::string(errc::kInvalidChar),
                    "Invalid character in header content [\"" + std::string(name) + "\"]");
}

}  // namespace

bool isValidHeaderName(std::string_view name) noexcept {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return kToken[static_cast<unsigned char>(c)] != 0; });
}

bool isValidHeaderValue(std::string_view value) noexcept {
  // Every response field is checked, so the common case goes a word at a time, the last word
  // overlapping the one before (values of 4 to 7 bytes are two overlapping halves). A word
  // that may hold a control byte (a tab, or a false alarm from the borrow) sends the whole
  // value to the exact byte loop.
  const char* p = value.data();
  const std::size_t n = value.size();
  bool suspect = false;
  if (n >= 8) {
    for (std::size_t i = 0; i + 8 <= n; i += 8) {
      std::uint64_t x;
      std::memcpy(&x, p + i, 8);
      suspect |= mayHoldControl(x);
    }
    std::uint64_t x;
    std::memcpy(&x, p + n - 8, 8);
    suspect |= mayHoldControl(x);
  } else if (n >= 4) {
    std::uint32_t head, tail;
    std::memcpy(&head, p, 4);
    std::memcpy(&tail, p + n - 4, 4);
    suspect = mayHoldControl(head | std::uint64_t{tail} << 32);
  } else {
    suspect = true;
  }
  if (!suspect) return true;
  return std::all_of(p, p + n, [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return c == '\t' || (c >= 0x20 && c != 0x7f);
  });
}

Headers::Headers(std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  entries_.reserve(fields.size());
  for (const auto& [n, v] : fields) append(n, v);
}

std::optional<std::string_view> Headers::get(std::string_view name) const noexcept {
  for (const Entry& e : *this) {
    if (equalsIgnoreCase(e.name, name)) return std::string_view(e.value);
  }
  return std::nullopt;
}

std::vector<std::string_view> Headers::getAll(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const Entry& e : *this) {
    if (equalsIgnoreCase(e.name, name)) out.emplace_back(e.value);
  }
  return out;
}

bool Headers::has(std::string_view name) const noexcept { return get(name).has_value(); }

void Headers::set(std::string_view name, std::string_view value) {
  // An invalid name cannot match a stored one (they are all tokens, compared with ASCII case
  // folding only), so the search may come before the checks.
  Entry* it =
      std::find_if(first(), last(), [&](const Entry& e) { return equalsIgnoreCase(e.name, name); });
  if (it == last()) {
    store(name, value);
    return;
  }
  if (!isValidHeaderName(name) || !isValidHeaderValue(value)) [[unlikely]] {
    throwInvalid(name);
  }
  it->name.assign(name);
  it->value.assign(value);
  eraseFrom(it + 1, name);
}

void Headers::append(std::string_view name, std::string_view value) { store(name, value); }

void Headers::store(std::string_view name, std::string_view value) {
  if (size_ == entries_.size()) {
    if (!isValidHeaderName(name) || !isValidHeaderValue(value)) [[unlikely]] {
      throwInvalid(name);
    }
    entries_.push_back(Entry{std::string(name), std::string(value)});
    ++size_;
    return;
  }
  // The spare slot still holds a field of an earlier use (clear() keeps them), and a server
  // mostly sets the same fields in the same order for every response: bytes equal to the
  // stored ones, which passed the checks, need neither the checks nor the copy.
  Entry& e = entries_[size_];
  const bool sameName = e.name == name;
  const bool sameValue = e.value == value;
  if ((!sameName && !isValidHeaderName(name)) || (!sameValue && !isValidHeaderValue(value)))
      [[unlikely]] {
    throwInvalid(name);
  }
  if (!sameName) e.name.assign(name);
  if (!sameValue) e.value.assign(value);
  ++size_;
}

void Headers::appendUnchecked(std::string_view name, std::string_view value) {
  if (size_ < entries_.size()) {
    Entry& e = entries_[size_];
    e.name.assign(name);
    e.value.assign(value);
  } else {
    entries_.push_back(Entry{std::string(name), std::string(value)});
  }
  ++size_;
}

void Headers::eraseFrom(Entry* from, std::string_view name) noexcept {
  // A stable removal that swaps instead of moving, so the removed entries' strings stay in the
  // spare region with their capacity.
  Entry* out = from;
  for (Entry* in = from; in != last(); ++in) {
    if (equalsIgnoreCase(in->name, name)) continue;
    if (out != in) std::swap(*out, *in);
    ++out;
  }
  size_ = static_cast<std::size_t>(out - first());
}

bool Headers::remove(std::string_view name) noexcept {
  std::size_t before = size_;
  eraseFrom(first(), name);
  return size_ != before;
}

std::vector<std::string> Headers::names() const {
  std::vector<std::string> out;
  for (const Entry& e : *this) {
    std::string n(e.name);
    for (char& c : n) c = static_cast<char>(lower(static_cast<unsigned char>(c)));
    if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(std::move(n));
  }
  return out;
}

bool operator==(const Headers& a, const Headers& b) noexcept {
  if (a.size_ != b.size_) return false;
  for (std::size_t i = 0; i < a.size_; ++i) {
    if (!equalsIgnoreCase(a.entries_[i].name, b.entries_[i].name) ||
        a.entries_[i].value != b.entries_[i].value) {
      return false;
    }
  }
  return true;
}

}  // namespace nx::http
