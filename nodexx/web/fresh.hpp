// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nx::http {
class Headers;
}

namespace nx::web {

/// The request fields that decide freshness. Empty means absent (as the `fresh` package treats
/// an empty string). Views; nothing is kept.
struct FreshRequestFields {
  std::string_view ifNoneMatch = {};      ///< `If-None-Match`
  std::string_view ifModifiedSince = {};  ///< `If-Modified-Since`
  std::string_view cacheControl = {};     ///< `Cache-Control`
};

/// The response validators. Empty means absent.
struct FreshResponseFields {
  std::string_view etag = {};          ///< `ETag`
  std::string_view lastModified = {};  ///< `Last-Modified`
};

/// Whether a cached response is still fresh, so that a GET/HEAD can be answered 304 (the `fresh`
/// 2.x npm package, which Express 5's req.fresh and `send` use):
/// - no If-None-Match and no If-Modified-Since: false;
/// - `Cache-Control` holding the directive `no-cache` (end-to-end reload): false;
/// - If-None-Match: `*` (the whole value) is true; otherwise true when one of its
///   comma-separated tags equals the ETag under the weak comparison (`W/` ignored on either
///   side); false when the response has no ETag. If-Modified-Since is then ignored;
/// - If-Modified-Since alone: true when Last-Modified is present and not later than it (both
///   parsed by parseHttpDate(); an unparsable date is stale).
/// Pure, allocation-free, never throws.
bool fresh(const FreshRequestFields& request, const FreshResponseFields& response) noexcept;

/// fresh() reading the request fields from `requestHeaders` and the validators from
/// `responseHeaders` (field names are case-insensitive).
bool fresh(const http::Headers& requestHeaders, const http::Headers& responseHeaders) noexcept;

/// A time stamp in milliseconds since the Unix epoch parsed from an HTTP date, as the dates
/// that JavaScript's Date.parse reads in practice: IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`,
/// what toUTCString() writes), RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`), asctime
/// (`Sun Nov  6 08:49:37 1994`, read as UTC here) and the ISO 8601 forms
/// `YYYY-MM-DD[THH:MM[:SS[.sss]]][Z|±HH:MM]`. The weekday is not checked (as V8). nullopt for
/// anything else (where Date.parse gives NaN; V8's more exotic legacy forms are not read).
std::optional<std::int64_t> parseHttpDate(std::string_view text) noexcept;

/// `ms` (milliseconds since the epoch, fraction dropped) as an IMF-fixdate, as JavaScript's
/// Date.prototype.toUTCString(): `Sun, 06 Nov 1994 08:49:37 GMT`. Years outside 0..9999 are
/// clamped to that range.
std::string formatHttpDate(std::int64_t ms);

/// Whether `requestCacheControl` holds the `no-cache` directive in the way `fresh` tests it
/// (`(?:^|,)\s*?no-cache\s*?(?:,|$)`).
bool hasNoCacheDirective(std::string_view requestCacheControl) noexcept;

/// Splits a comma-separated token list as `fresh` and `send` do (spaces before a token are
/// skipped, empty items kept by `fresh`), calling `fn(token)` for each item; stops and returns
/// true as soon as `fn` returns true.
template <class Fn>
bool anyToken(std::string_view list, Fn&& fn) {
  std::size_t start = 0;
  std::size_t end = 0;
  for (std::size_t i = 0; i < list.size(); ++i) {
    switch (list[i]) {
      case ' ':
        if (start == end) start = end = i + 1;
        break;
      case ',':
        if (fn(list.substr(start, end - start))) return true;
        start = end = i + 1;
        break;
      default:
        end = i + 1;
        break;
    }
  }
  return fn(list.substr(start, end - start));
}

/// The weak comparison of two entity tags as `fresh` applies it: equal, or equal once a `W/`
/// prefix is put in front of either one.
bool weakMatch(std::string_view a, std::string_view b) noexcept;

}  // namespace nx::web
