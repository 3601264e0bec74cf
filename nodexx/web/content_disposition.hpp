// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

/// The `content-disposition` package (2.x): building `Content-Disposition: attachment;
/// filename=...` for res.attachment()/res.download() and parsing the header (multipart parts).
/// Strings are UTF-8 here where the package has JavaScript (UTF-16) strings; the rules that
/// look at characters (US-ASCII, ISO-8859-1) look at Unicode code points. Pure functions.
namespace nx::web::content_disposition {

/// Options of create(); only views and flags, so a braced temporary is always safe.
struct CreateOptions {
  /// The disposition type; "" means "attachment". Must be an RFC 9110 token.
  std::string_view type = "attachment";
  /// When true (default), a filename that is not plain printable US-ASCII (or that contains a
  /// `%XX` sequence) is sent as `filename*` (RFC 8187, UTF-8) plus an ASCII `filename` with each
  /// other character replaced by `?` (one `?` per UTF-16 unit, as the package). When false, only
  /// `filename*` is sent for such names.
  bool fallback = true;
  /// When set, the ASCII fallback name to send as `filename` (must be printable US-ASCII, else
  /// ERR_INVALID_ARG_VALUE "Fallback must be valid US-ASCII: ..."); `filename*` then always
  /// carries the real name unless the two are equal. Overrides `fallback`.
  std::optional<std::string_view> fallbackName;
};

/// contentDisposition.create(filename, options): the header value, e.g.
/// `attachment; filename="r\"eport.pdf"` or `attachment; filename="?.txt";
/// filename*=UTF-8''%E2%82%AC.txt`. nullopt `filename` gives just the type. The filename is used
/// as given (Express passes path.basename of it). Throws nx::SystemError ERR_INVALID_ARG_VALUE
/// for an invalid type ("Invalid type: <type>") or fallback.
std::string create(std::optional<std::string_view> filename, const CreateOptions& options = {});

/// A parsed Content-Disposition value. Copyable.
struct ContentDisposition {
  /// The disposition type, lower-cased ("form-data", "attachment", "inline").
  std::string type;
  /// Parameters in header order; names lower-cased; the first occurrence of a name wins. An
  /// RFC 8187 parameter ("filename*") stays under its own name and, when it decodes (utf-8 or
  /// iso-8859-1), also sets the plain name ("filename"), replacing an earlier plain value, as
  /// the package does.
  std::vector<std::pair<std::string, std::string>> parameters;

  /// The value of parameter `name` (lower-case), or nullopt.
  std::optional<std::string_view> parameter(std::string_view name) const noexcept;
};

/// Options of parse(); flags only.
struct ParseOptions {
  /// Decode RFC 8187 `name*` parameters (default true).
  bool extended = true;
  /// multipart/form-data quoting (WHATWG): inside quotes `%22` is `"`, `%0D`/`%0A` are CR/LF
  /// and `\` is literal. Default false (RFC quoted-string with `\` escapes).
  bool multipart = false;
};

/// contentDisposition.parse(header, options): lenient like the package; never throws. Bytes
/// of `header` are taken as they are (UTF-8 file names from browsers survive).
ContentDisposition parse(std::string_view header, const ParseOptions& options = {});

/// decodeExtended(value): decodes an RFC 8187 value `charset'lang'pct-encoded` (charsets
/// utf-8/utf8 with decodeURIComponent rules, iso-8859-1 byte-wise, output UTF-8); nullopt for
/// another charset or a malformed value.
std::optional<std::string> decodeExtended(std::string_view value);

/// encodeExtended(value): "UTF-8''" + the percent-encoded UTF-8 bytes of `value`, keeping only
/// RFC 8187 attr-chars (upper-case hex).
std::string encodeExtended(std::string_view value);

}  // namespace nx::web::content_disposition
