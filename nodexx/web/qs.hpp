// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "nodexx/json/value.hpp"

/// The `qs` package (6.x): Express 5's "extended" query parser (`req.query` with
/// `query parser: extended`) and the urlencoded body parser's decoder, plus qs.stringify.
/// Nested keys (`a[b][c]=1`), arrays (`a[]=1&a[]=2`, `a[1]=x`), qs's limits and its rules for
/// turning an over-long or sparse array into an object are reproduced exactly; results are
/// json::Value objects whose keys enumerate in JavaScript property order (integer keys first,
/// ascending), so they print as JSON.stringify prints qs's result. Pure functions.
namespace nx::web::qs {

/// qs's `duplicates` option: what a repeated plain key produces.
enum class Duplicates {
  Combine,  ///< an array of every value (default)
  First,    ///< the first value
  Last,     ///< the last value
};

/// qs's `charset` option: how percent-escapes are decoded.
enum class Charset {
  Utf8,    ///< decodeURIComponent rules (default)
  Latin1,  ///< each %XX is one ISO-8859-1 character
};

/// Options of parse(), with qs's defaults. Numbers, flags and views only (a braced temporary
/// is always safe). Express's extended query parser uses the defaults plus
/// `allowPrototypes = true` (ExpressQueryOptions()).
struct ParseOptions {
  /// Maximum bracket depth of a key; deeper brackets stay as one literal key segment (unless
  /// strictDepth). 0 disables nesting (`a[b]` is the key "a[b]"). Nested values are built
  /// and released recursively, so keep it small (body-parser uses 32; 64 is a sane ceiling).
  std::size_t depth = 5;
  /// Maximum number of `&`-separated pairs read; the rest is ignored (or an error with
  /// throwOnLimitExceeded). SIZE_MAX means no limit (qs's Infinity).
  std::size_t parameterLimit = 1000;
  /// Indexes below it make arrays (`a[19]=x` with the default; `a[20]=x` gives the object
  /// {"20":"x"}), and `a[]`/repeated keys make arrays of at most this many elements; beyond
  /// it qs builds an object with numeric keys instead.
  std::size_t arrayLimit = 20;
  /// `a.b=1` as `a[b]=1`.
  bool allowDots = false;
  /// Keep keys named like Object.prototype members ("toString", "hasOwnProperty"); qs drops
  /// them by default, Express keeps them. `__proto__` is always dropped.
  bool allowPrototypes = false;
  /// Keep holes in arrays (`a[1]=x` → [null, "x"]); by default arrays are compacted.
  bool allowSparse = false;
  /// `a[]=` gives an empty array instead of [""].
  bool allowEmptyArrays = false;
  /// Percent-decoding charset.
  Charset charset = Charset::Utf8;
  /// Honour a leading `utf8=✓` sentinel pair that selects the charset (and is dropped).
  bool charsetSentinel = false;
  /// `a=1,2` as ["1","2"].
  bool comma = false;
  /// Pair separator; "" means "&".
  std::string_view delimiter = "&";
  /// Repeated keys.
  Duplicates duplicates = Duplicates::Combine;
  /// Strip one leading `?`.
  bool ignoreQueryPrefix = false;
  /// With Latin1, turn `&#NNNN;` into the character.
  bool interpretNumericEntities = false;
  /// When false, brackets never make arrays (`a[]=b` → {"a":{"0":"b"}}).
  bool parseArrays = true;
  /// Throw (ERR_QS_DEPTH) instead of keeping the rest of a too-deep key literally.
  bool strictDepth = false;
  /// A key without `=` is null instead of "".
  bool strictNullHandling = false;
  /// Throw ERR_QS_PARAMETER_LIMIT / ERR_QS_ARRAY_LIMIT instead of truncating.
  bool throwOnLimitExceeded = false;
};

/// The options Express 5's `query parser: "extended"` passes to qs: defaults plus
/// allowPrototypes.
constexpr ParseOptions ExpressQueryOptions() noexcept {
  ParseOptions o;
  o.allowPrototypes = true;
  return o;
}

/// qs.parse(str, options): a json::Value object (empty for ""); values are strings, arrays
/// and objects (null only with strictNullHandling). Never throws for any input with the
/// default options; with strictDepth or throwOnLimitExceeded, throws nx::RangeError with code
/// ERR_QS_DEPTH, ERR_QS_PARAMETER_LIMIT or ERR_QS_ARRAY_LIMIT and qs's message.
json::Value parse(std::string_view str, const ParseOptions& options = {});

/// qs's `arrayFormat` option of stringify().
enum class ArrayFormat {
  Indices,   ///< a[0]=x&a[1]=y (default)
  Brackets,  ///< a[]=x&a[]=y
  Repeat,    ///< a=x&a=y
  Comma,     ///< a=x,y
};

/// Options of stringify(), with qs's defaults; flags and views only.
struct StringifyOptions {
  /// Percent-encode keys and values (RFC 3986 unreserved kept).
  bool encode = true;
  /// Encode only values, not keys.
  bool encodeValuesOnly = false;
  /// How arrays are written.
  ArrayFormat arrayFormat = ArrayFormat::Indices;
  /// Nested keys as `a.b` instead of `a[b]`.
  bool allowDots = false;
  /// Empty arrays as `a[]`.
  bool allowEmptyArrays = false;
  /// Prefix the result with `?` (when not empty).
  bool addQueryPrefix = false;
  /// Pair separator.
  std::string_view delimiter = "&";
  /// Skip null values entirely.
  bool skipNulls = false;
  /// Null as a bare key `a` instead of `a=`.
  bool strictNullHandling = false;
  /// RFC 1738 formatting: spaces as `+` instead of `%20`.
  bool rfc1738 = false;
};

/// qs.stringify(value, options) of a json::Value object (anything else gives ""). Numbers and
/// booleans are written as JavaScript's String() writes them. Throws nothing.
std::string stringify(const json::Value& value, const StringifyOptions& options = {});

}  // namespace nx::web::qs
