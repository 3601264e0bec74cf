// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nodexx/json/value.hpp"

/// Cookies as Express 5 handles them: the `cookie` package (parse a Cookie header, serialize a
/// Set-Cookie value), `cookie-signature` (HMAC-SHA256 signatures) and `cookie-parser`'s rules
/// for signed (`s:`) and JSON (`j:`) cookies. Pure functions, any thread.
namespace nx::web::cookie {

/// One cookie of a Cookie header. Copyable.
struct Cookie {
  /// The name as written (trimmed, never decoded, as the package).
  std::string name;
  /// The value, unquoted and, when it contains `%`, decoded with decodeURIComponent (left as
  /// is if that fails, as the package).
  std::string value;
};

/// cookie.parse(header): name/value pairs in header order; the first occurrence of a name wins;
/// pairs without `=` are skipped; spaces and tabs around names and values are trimmed; a value
/// in double quotes is unquoted. A pair named `__proto__` is dropped (JavaScript objects
/// cannot hold it). Never throws.
std::vector<Cookie> parse(std::string_view header);

/// The value of cookie `name` in `header` without building the whole list (first occurrence,
/// decoded as parse() does), or nullopt.
std::optional<std::string> get(std::string_view header, std::string_view name);

/// Options of serialize(): views, numbers and flags only, so a braced temporary is always safe.
/// The attribute values are validated as the package validates them.
struct SerializeOptions {
  /// `Max-Age` in seconds (the package's unit; Express's res.cookie takes milliseconds and
  /// converts). May be zero or negative.
  std::optional<std::int64_t> maxAge;
  /// `Domain`; "" omits it. Must match the package's domain syntax (labels of [a-z0-9-],
  /// optional leading dot).
  std::string_view domain;
  /// `Path`; "" omits it. Bytes 0x20-0x7E except `;` and `<`.
  std::string_view path;
  /// `Expires`, written in IMF-fixdate form ("Thu, 01 Jan 1970 00:00:00 GMT"), second
  /// precision (the fraction is truncated as Date.toUTCString does). system_clock counts
  /// nanoseconds in 64 bits here, so dates are limited to years 1678-2262.
  std::optional<std::chrono::system_clock::time_point> expires;
  /// `HttpOnly`.
  bool httpOnly = false;
  /// `Secure`.
  bool secure = false;
  /// `Partitioned` (CHIPS).
  bool partitioned = false;
  /// `Priority`: "low", "medium" or "high" (any case); "" omits it.
  std::string_view priority;
  /// `SameSite`: "strict", "lax", "none" (any case) or "true" (= Strict); "" omits it.
  std::string_view sameSite;
  /// When true (default) the value is encoded with encodeURIComponent; when false it is used
  /// as given and must already be a valid cookie-value.
  bool encode = true;
};

/// cookie.serialize(name, value, options): "name=value; Max-Age=...; Domain=...; Path=...;
/// Expires=...; HttpOnly; Secure; Partitioned; Priority=...; SameSite=..." (that order).
/// Throws nx::SystemError ERR_INVALID_ARG_VALUE with the package's message: "argument name is
/// invalid" (not an RFC 6265 token), "argument val is invalid", "option domain is invalid",
/// "option path is invalid", "option priority is invalid", "option sameSite is invalid".
std::string serialize(std::string_view name, std::string_view value,
                      const SerializeOptions& options = {});

/// The IMF-fixdate form of `t` (Date.prototype.toUTCString), e.g.
/// "Wed, 21 Oct 2015 07:28:00 GMT".
std::string toUTCString(std::chrono::system_clock::time_point t);

/// cookie-signature sign(value, secret): `value + "." + base64(HMAC-SHA256(secret, value))`
/// without `=` padding.
std::string sign(std::string_view value, std::string_view secret);

/// cookie-signature unsign(input, secret): the value (a view into `input`) if `input` is
/// `value.signature` with a valid signature, compared in constant time; nullopt otherwise.
std::optional<std::string_view> unsign(std::string_view input, std::string_view secret);

/// unsign() trying each secret in order (cookie-parser accepts a list to rotate secrets).
std::optional<std::string_view> unsign(std::string_view input,
                                       std::span<const std::string_view> secrets);

/// cookie-parser's signedCookie(value, secrets): a value not starting with "s:" is returned
/// unchanged (not signed); otherwise the unsigned value, or nullopt if no secret verifies it
/// (Express's `false`). `secrets` may be empty (then every signed value fails).
std::optional<std::string_view> signedCookie(std::string_view value,
                                             std::span<const std::string_view> secrets);

/// cookie-parser's JSONCookie(value): for a value starting with "j:", the JSON text after it
/// parsed as a json::Value; nullopt if it does not start with "j:" or does not parse.
std::optional<json::Value> JSONCookie(std::string_view value);

/// What cookie-parser stores on the request: req.cookies and req.signedCookies, both JSON
/// objects (cookies in header order).
struct ParsedCookies {
  /// Unsigned cookies: strings, or the parsed JSON of "j:" cookies whose JSON is truthy (as
  /// the package: `j:0`, `j:false`, `j:null`, `j:""` stay strings).
  json::Value cookies;
  /// Signed ("s:") cookies when `secrets` is non-empty: the verified value (JSON-decoded like
  /// cookies), or `false` when the signature is wrong. Empty object without secrets.
  json::Value signedCookies;
};

/// cookie-parser over one Cookie header. With no secrets, "s:" cookies stay in `cookies` as
/// they are, as the package does. Never throws.
ParsedCookies parseCookies(std::string_view header, std::span<const std::string_view> secrets);

}  // namespace nx::web::cookie
