// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "nodexx/core/buffer.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/json/parse.hpp"
#include "nodexx/web/middleware.hpp"
#include "nodexx/web/multipart.hpp"

/// Body parsers (Express's body-parser 2.x: json, urlencoded, text, raw) and multipart
/// uploads (multer/busboy), as middleware factories in nx::mw. docs/body-parsing.md is the
/// guide; this header is the contract.
///
/// Common rules, as body-parser's:
/// - A parser skips the request (calls next() and leaves req.body() null) when another parser
///   already consumed the body (req.bodyParsed()), when the request has no body (type-is's
///   hasBody: no Transfer-Encoding and no numeric Content-Length), or when its `type` does not
///   match the Content-Type. req.body() is then json::Value null, the equivalent of Express's
///   `undefined`.
/// - A parser that runs marks the request (setBodyParsed()) and sets req.body().
/// - `limit` bounds the body after decompression; a Content-Length above it is refused before
///   anything is read, and the limit (plus 1/16 and 1 KiB of slack for compressed bodies) is
///   handed to the transport with req.setMaxBodyBytes() so that a larger body stops early.
/// - Errors reach error middleware as web::HttpError (problem+json), with these codes:
///   413 `payload_too_large`, 415 `unsupported_content_encoding`, 415 `unsupported_charset`,
///   400 `invalid_content_encoding` (corrupt gzip/deflate/br data), 400 `invalid_json`
///   (detail: V8-style message with the byte position), 413 `too_many_parameters`,
///   400 `depth_exceeded`, 403 `verify_failed` (a verify hook threw something that is not an
///   HttpError), 400 `request_aborted` (the client went away mid-body).
namespace nx::web {

class Request;
class Response;

/// Stable problem codes of the body parsers (web::HttpError::code()).
namespace errc::body {
inline constexpr std::string_view kPayloadTooLarge = "payload_too_large";
inline constexpr std::string_view kUnsupportedEncoding = "unsupported_content_encoding";
inline constexpr std::string_view kInvalidEncoding = "invalid_content_encoding";
inline constexpr std::string_view kUnsupportedCharset = "unsupported_charset";
inline constexpr std::string_view kInvalidJson = "invalid_json";
inline constexpr std::string_view kTooManyParameters = "too_many_parameters";
inline constexpr std::string_view kDepthExceeded = "depth_exceeded";
inline constexpr std::string_view kVerifyFailed = "verify_failed";
inline constexpr std::string_view kRequestAborted = "request_aborted";
}  // namespace errc::body

/// The `type` option: which requests a parser handles. Empty (default-constructed): the
/// parser's default ("application/json", "application/x-www-form-urlencoded", "text/plain",
/// "application/octet-stream", "multipart/form-data"). Otherwise one or more type-is patterns
/// ("json", "text/*", "*/*", "+json", "application/vnd.api+json") or a predicate on the
/// request (body-parser's function form).
class BodyType {
 public:
  using Predicate = std::function<bool(const Request&)>;
  BodyType() = default;
  BodyType(const char* type) : types_{type} {}                    // NOLINT: implicit by design
  BodyType(std::string_view type) : types_{std::string(type)} {}  // NOLINT
  BodyType(std::string type) : types_{std::move(type)} {}         // NOLINT
  BodyType(std::initializer_list<std::string_view> types) : types_(types.begin(), types.end()) {}
  BodyType(std::vector<std::string> types) : types_(std::move(types)) {}  // NOLINT
  template <class F>
  requires std::is_invocable_r_v<bool, F&, const Request&> BodyType(F predicate)  // NOLINT
      : predicate_(std::move(predicate)) {}

  /// True when neither types nor a predicate were given.
  bool empty() const noexcept { return types_.empty() && !predicate_; }
  /// Whether `req` is to be parsed: the predicate, or type-is over the Content-Type.
  bool matches(const Request& req) const;

 private:
  std::vector<std::string> types_;
  Predicate predicate_;
};

/// body-parser's `verify(req, res, buf, encoding)`: called with the raw (decompressed) body
/// before it is parsed, and the request charset ("utf-8" when none; "" for raw). Throw to
/// reject the request: an HttpError keeps its status, anything else becomes 403
/// `verify_failed`. Typical use: checking a webhook signature over the exact bytes.
using VerifyFn = std::function<void(Request&, Response&, const Buffer& body, std::string_view)>;

/// The default `limit` of every parser: 1 MiB (body-parser's is 100 KiB; nodexx matches the
/// HTTP layer's default body limit instead).
inline constexpr std::uint64_t kDefaultBodyLimit = std::uint64_t{1} << 20;

/// Options of mw::json().
struct JsonOptions {
  /// Largest body in bytes, after decompression (0: no limit). Default 1 MiB. 413
  /// `payload_too_large`.
  std::uint64_t limit = kDefaultBodyLimit;
  /// Which requests to parse. Default "application/json" (so also "...; charset=utf-8").
  BodyType type = {};
  /// Decompress gzip, deflate and br bodies (Content-Encoding). When false, an encoded body
  /// is 415 `unsupported_content_encoding`. Default true.
  bool inflate = true;
  /// Accept only objects and arrays at the top level (body-parser's check on the first
  /// non-whitespace character); 400 `invalid_json` otherwise. Default true.
  bool strict = true;
  /// Document limits (depth 64, string and container sizes). maxBytes is raised to `limit`.
  json::ParseOptions parse = {};
  /// See VerifyFn. Default none.
  VerifyFn verify = nullptr;
};

/// Options of mw::urlencoded().
struct UrlencodedOptions {
  /// Largest body in bytes, after decompression. Default 1 MiB.
  std::uint64_t limit = kDefaultBodyLimit;
  /// Default "application/x-www-form-urlencoded".
  BodyType type = {};
  bool inflate = true;
  /// false (default): flat keys, `a[b]=1` stays the key "a[b]", repeated keys give an array
  /// (body-parser 2's simple mode: qs with depth 0). true: qs's nested objects and arrays.
  bool extended = false;
  /// Most `&`-separated parameters; more is 413 `too_many_parameters`. Default 1000.
  std::size_t parameterLimit = 1000;
  /// Nesting depth of extended keys; deeper is 400 `depth_exceeded`. Default 32.
  std::size_t depth = 32;
  /// Charset when the Content-Type has none: "utf-8" (default) or "iso-8859-1". Any other
  /// request charset is 415 `unsupported_charset`.
  std::string defaultCharset = "utf-8";
  /// qs's charsetSentinel (`utf8=✓` selects the charset) and interpretNumericEntities.
  bool charsetSentinel = false;
  bool interpretNumericEntities = false;
  VerifyFn verify = nullptr;
};

/// Options of mw::text(): req.body() becomes a string (UTF-8).
struct TextOptions {
  std::uint64_t limit = kDefaultBodyLimit;
  /// Default "text/plain".
  BodyType type = {};
  bool inflate = true;
  /// Charset when the Content-Type has none. Supported: utf-8 (invalid sequences become
  /// U+FFFD, as Node decodes), iso-8859-1/latin1/us-ascii (converted to UTF-8). Others are
  /// 415 `unsupported_charset`. Default "utf-8".
  std::string defaultCharset = "utf-8";
  VerifyFn verify = nullptr;
};

/// Options of mw::raw(): the bytes are kept as a Buffer, read them with rawBody(req).
struct RawOptions {
  std::uint64_t limit = kDefaultBodyLimit;
  /// Default "application/octet-stream".
  BodyType type = {};
  bool inflate = true;
  VerifyFn verify = nullptr;
};

/// Options of readBody(): numbers and flags only (g++ 12 rule for Promise APIs).
struct ReadBodyOptions {
  /// Largest body in bytes after decompression (413 beyond it). 0 = no limit.
  std::uint64_t limit = kDefaultBodyLimit;
  /// Decompress per Content-Encoding (gzip, x-gzip, deflate, br, identity).
  bool inflate = true;
};

/// The whole body of `req` (raw-body's getBody with body-parser's decompression): reads it
/// chunk by chunk, decompressing per Content-Encoding on the thread pool (zlib module), and
/// enforces `limit` as the bytes arrive. A single-chunk identity body is returned without a
/// copy. Rejects with HttpError (codes above: payload_too_large, unsupported_content_encoding,
/// invalid_content_encoding, request_aborted). Consumes the body: call it once per request.
Promise<Buffer> readBody(Request& req, ReadBodyOptions options = {});

/// The bytes mw::raw() stored for `req`, or nullptr when it did not parse the request.
const Buffer* rawBody(Request& req) noexcept;

}  // namespace nx::web

namespace nx::mw {

/// body-parser's json(): parses a JSON body into req.body() (an object or array in strict
/// mode; `{}` for an empty body, as body-parser). Charset must be utf-8 (415
/// `unsupported_charset` otherwise; body-parser also decodes utf-16/32). A UTF-8 BOM is
/// skipped. Malformed JSON is 400 `invalid_json` with V8's message and the byte position.
web::Middleware json(web::JsonOptions options = {});
/// body-parser's urlencoded(): parses a form body into req.body() (an object of strings,
/// arrays, and with `extended` nested objects).
web::Middleware urlencoded(web::UrlencodedOptions options = {});
/// body-parser's text(): req.body() becomes the body as a UTF-8 string.
web::Middleware text(web::TextOptions options = {});
/// body-parser's raw(): keeps the body as bytes (web::rawBody(req)); req.body() stays null.
web::Middleware raw(web::RawOptions options = {});
/// multer-style multipart/form-data: text fields into req.body() (an object; a repeated
/// name becomes an array of strings), files into req.files() (stored to `dest`, streamed to
/// `onFile`, or kept in memory). The body is parsed as it streams (multipart::Parser), never
/// buffered whole. Skips like the other parsers (type "multipart/form-data"). Errors: 400
/// `invalid_multipart_boundary` (missing/invalid boundary), 400 `malformed_multipart`, 413
/// `limit_*` naming the limit (multipart::errorCode), 413 `payload_too_large` (`limit`),
/// 400 `request_aborted`. On any error, files already stored for the request are removed.
web::Middleware multipart(web::MultipartOptions options = {});

}  // namespace nx::mw
