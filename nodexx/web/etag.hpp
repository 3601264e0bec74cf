// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nx::fs {
struct Stats;
}

namespace nx::web {

namespace detail {
struct ETagAccess;
}

/// An entity tag as the `etag` npm package produces it, held inline (no heap allocation):
/// `"<length hex>-<hash>"` for a body, `"<size hex>-<mtime ms hex>"` for a file, each with a
/// `W/` prefix when weak. At most kMaxSize bytes; converts to std::string_view (valid while the
/// ETag lives) and to std::string.
class ETag {
 public:
  /// The longest tag: `W/"` + 16 hex digits + `-` + 27 base64 characters + `"`.
  static constexpr std::size_t kMaxSize = 48;

  ETag() noexcept = default;

  std::string_view view() const noexcept { return {data_.data(), size_}; }
  operator std::string_view() const noexcept { return view(); }
  std::string str() const { return std::string(view()); }
  bool weak() const noexcept { return size_ > 1 && data_[0] == 'W' && data_[1] == '/'; }
  bool empty() const noexcept { return size_ == 0; }

  friend bool operator==(const ETag& a, std::string_view b) noexcept { return a.view() == b; }
  friend bool operator==(const ETag& a, const ETag& b) noexcept { return a.view() == b.view(); }

 private:
  friend struct detail::ETagAccess;
  std::array<char, kMaxSize> data_{};
  std::size_t size_ = 0;
};

/// Options of etag(), as the `etag` package's `{ weak }`. Unset means the package's default:
/// strong for bodies, weak for file stats.
struct ETagOptions {
  std::optional<bool> weak = std::nullopt;
};

/// The entity tag of a response body (etag(body) in npm): `"<byte length hex>-<first 27
/// characters of the base64 SHA-1 of the body>"`, `W/` prefixed when weak. The empty body is
/// `"0-2jmj7l5rSw0yVb/vlWAYkK/YBwk"`. Strong by default; Express's `res.send` uses the weak
/// form (`{.weak = true}`). Costs one SHA-1 pass over the body; never throws.
ETag etag(std::string_view body, ETagOptions options = {}) noexcept;

/// The entity tag of a file (etag(stats) in npm): `W/"<size hex>-<mtime ms hex>"`, where the
/// modification time is rounded to whole milliseconds as Node's fs.Stats#mtime is
/// (`Math.round(mtimeMs)`). Weak by
/// default (a file's size and time do not prove byte equality). Never throws.
ETag etag(const fs::Stats& stats, ETagOptions options = {}) noexcept;

/// The same file tag from its parts: `size` in bytes, `mtimeMs` in milliseconds since the epoch
/// (rounded as Math.round; negative times use JavaScript's `-hex` form).
ETag statTag(std::uint64_t size, double mtimeMs, bool weak = true) noexcept;

}  // namespace nx::web
