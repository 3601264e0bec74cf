// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

/// Content negotiation as Express 5 does it: the `negotiator` package (q-values, specificity
/// and order rules), `accepts` on top of it (req.accepts and friends, with extension names such
/// as "json" looked up in the mime table), and `type-is` (req.is). Pure functions over header
/// values; a header that is absent is std::nullopt, which differs from an empty header exactly
/// as in the packages (absent Accept means `*/*`, an empty one accepts nothing).
namespace nx::web {

/// negotiator's functions: each returns the acceptable values in preference order (highest q,
/// then most specific match, then order in the header, then order in `available`), dropping
/// q=0. Without `available`, the header's own values (lower-cased only where the package does).
namespace negotiator {

/// preferredMediaTypes(accept): the header's types ("type/subtype") in preference order.
std::vector<std::string> mediaTypes(std::optional<std::string_view> accept);
/// preferredMediaTypes(accept, available): the entries of `available` that are acceptable, in
/// preference order; the views are the caller's. Parameters in `available` entries must match
/// the header's parameters (case-insensitive), as the package requires.
std::vector<std::string_view> mediaTypes(std::optional<std::string_view> accept,
                                         std::span<const std::string_view> available);

/// preferredCharsets(acceptCharset): an absent header means `*`.
std::vector<std::string> charsets(std::optional<std::string_view> acceptCharset);
/// preferredCharsets(acceptCharset, available).
std::vector<std::string_view> charsets(std::optional<std::string_view> acceptCharset,
                                       std::span<const std::string_view> available);

/// preferredEncodings(acceptEncoding): an absent header counts as empty; `identity` is
/// acceptable unless refused (q=0 on it or on `*`), with the lowest q of the header.
std::vector<std::string> encodings(std::optional<std::string_view> acceptEncoding);
/// preferredEncodings(acceptEncoding, available, preferred): among equal q, entries listed in
/// `preferred` come first in that order (negotiator's `preferred` option; empty = unused).
std::vector<std::string_view> encodings(std::optional<std::string_view> acceptEncoding,
                                        std::span<const std::string_view> available,
                                        std::span<const std::string_view> preferred = {});

/// preferredLanguages(acceptLanguage): an absent header means `*`; prefix rules as the package
/// ("en" accepts "en-US" with lower specificity, and "en-US" accepts "en").
std::vector<std::string> languages(std::optional<std::string_view> acceptLanguage);
/// preferredLanguages(acceptLanguage, available).
std::vector<std::string_view> languages(std::optional<std::string_view> acceptLanguage,
                                        std::span<const std::string_view> available);

}  // namespace negotiator

/// The `accepts` package over one request's four headers (views; the Accepts object must not
/// outlive the header storage). Cheap to construct: nothing is parsed until a method runs.
class Accepts {
 public:
  /// The request's Accept, Accept-Encoding, Accept-Charset and Accept-Language values
  /// (nullopt when absent; a repeated header joined with ", " as Node does).
  Accepts(std::optional<std::string_view> accept, std::optional<std::string_view> acceptEncoding,
          std::optional<std::string_view> acceptCharset,
          std::optional<std::string_view> acceptLanguage) noexcept
      : accept_(accept),
        acceptEncoding_(acceptEncoding),
        acceptCharset_(acceptCharset),
        acceptLanguage_(acceptLanguage) {}

  /// accepts.types(types): the best of `types` for the Accept header, returned as the caller
  /// wrote it (a view into `types`); entries without `/` are extensions or short names
  /// ("json", "html", "png") looked up with mime::lookup (unknown names never match). With no
  /// Accept header the first entry; std::nullopt when none is acceptable (Express's `false`).
  /// An empty `types` returns nullopt; use types() for the full list.
  std::optional<std::string_view> type(std::span<const std::string_view> types) const;
  /// type() over a braced list: `accepts.type({"json", "html"})`.
  std::optional<std::string_view> type(std::initializer_list<std::string_view> types) const {
    return type(std::span<const std::string_view>(types.begin(), types.size()));
  }
  /// accepts.types() with no argument: every type of the Accept header in preference order.
  std::vector<std::string> types() const;

  /// accepts.encodings(encodings): the best of `encodings`, or nullopt.
  std::optional<std::string_view> encoding(std::span<const std::string_view> encodings) const;
  /// encoding() over a braced list.
  std::optional<std::string_view> encoding(std::initializer_list<std::string_view> list) const {
    return encoding(std::span<const std::string_view>(list.begin(), list.size()));
  }
  /// accepts.encodings(): every acceptable encoding in preference order.
  std::vector<std::string> encodings() const;

  /// accepts.charsets(charsets): the best of `charsets`, or nullopt.
  std::optional<std::string_view> charset(std::span<const std::string_view> charsets) const;
  /// charset() over a braced list.
  std::optional<std::string_view> charset(std::initializer_list<std::string_view> list) const {
    return charset(std::span<const std::string_view>(list.begin(), list.size()));
  }
  /// accepts.charsets(): every acceptable charset in preference order.
  std::vector<std::string> charsets() const;

  /// accepts.languages(languages): the best of `languages`, or nullopt.
  std::optional<std::string_view> language(std::span<const std::string_view> languages) const;
  /// language() over a braced list.
  std::optional<std::string_view> language(std::initializer_list<std::string_view> list) const {
    return language(std::span<const std::string_view>(list.begin(), list.size()));
  }
  /// accepts.languages(): every acceptable language in preference order.
  std::vector<std::string> languages() const;

 private:
  std::optional<std::string_view> accept_;
  std::optional<std::string_view> acceptEncoding_;
  std::optional<std::string_view> acceptCharset_;
  std::optional<std::string_view> acceptLanguage_;
};

/// type-is's normalize(): "urlencoded" → "application/x-www-form-urlencoded", "multipart" →
/// "multipart/*", "+json" → "*/*+json", a name without `/` → mime::lookup (nullopt if
/// unknown), anything with `/` unchanged.
std::optional<std::string> normalizeType(std::string_view type);

/// type-is's mimeMatch(expected, actual): `*` wildcards in either part of `expected`, and
/// `*/*+json`-style suffix matches. Both are bare "type/subtype" values (no parameters).
bool mimeMatch(std::string_view expected, std::string_view actual) noexcept;

/// type-is's is(mediaType, types): `mediaType` is a Content-Type value (parameters ignored,
/// case-insensitive). Returns nullopt (the package's `false`) when `mediaType` is empty or not
/// a valid media type, or when nothing in `types` matches. On a match, returns the matching
/// entry as written, except that an entry with `*` or starting with `+` returns the request's
/// normalised media type (as the package). With empty `types`, returns the normalised media
/// type.
std::optional<std::string> typeIs(std::string_view mediaType,
                                  std::span<const std::string_view> types);
/// typeIs() over a braced list: `typeIs(ct, {"json", "text/*"})`.
inline std::optional<std::string> typeIs(std::string_view mediaType,
                                         std::initializer_list<std::string_view> types) {
  return typeIs(mediaType, std::span<const std::string_view>(types.begin(), types.size()));
}

/// True if `mediaType` matches one of `types` by typeIs() rules, without building the result
/// (no allocation when `types` holds full types such as "application/json").
bool typeMatches(std::string_view mediaType, std::span<const std::string_view> types);

/// type-is's hasBody(req): a request has a body when it carries Transfer-Encoding, or a
/// Content-Length that is a number (Node's isNaN rules: "0" counts, "abc" does not).
bool hasBody(std::optional<std::string_view> transferEncoding,
             std::optional<std::string_view> contentLength) noexcept;

}  // namespace nx::web
