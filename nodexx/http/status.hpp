// SPDX-License-Identifier: MIT
#pragma once

#include <string_view>

namespace nx::http {

/// The reason phrase Node's `http.STATUS_CODES[code]` gives for `code` ("OK" for 200, "Not Found"
/// for 404, "I'm a Teapot" for 418). Empty for codes Node does not list (and for codes outside
/// 100..999). The returned view refers to static storage.
std::string_view statusText(int code) noexcept;

/// True for status codes a response may carry (100..999, as Node's ERR_HTTP_INVALID_STATUS_CODE
/// check).
constexpr bool isValidStatusCode(int code) noexcept { return code >= 100 && code <= 999; }

/// True when a response with this status never has a body: 1xx, 204 and 304 (RFC 9110 §6.4.1).
constexpr bool statusHasNoBody(int code) noexcept {
  return (code >= 100 && code < 200) || code == 204 || code == 304;
}

/// Named status codes for readability (`res.statusCode = http::status::kNotFound`).
namespace status {
inline constexpr int kContinue = 100;
inline constexpr int kSwitchingProtocols = 101;
inline constexpr int kOk = 200;
inline constexpr int kCreated = 201;
inline constexpr int kAccepted = 202;
inline constexpr int kNoContent = 204;
inline constexpr int kPartialContent = 206;
inline constexpr int kMovedPermanently = 301;
inline constexpr int kFound = 302;
inline constexpr int kSeeOther = 303;
inline constexpr int kNotModified = 304;
inline constexpr int kTemporaryRedirect = 307;
inline constexpr int kPermanentRedirect = 308;
inline constexpr int kBadRequest = 400;
inline constexpr int kUnauthorized = 401;
inline constexpr int kForbidden = 403;
inline constexpr int kNotFound = 404;
inline constexpr int kMethodNotAllowed = 405;
inline constexpr int kRequestTimeout = 408;
inline constexpr int kConflict = 409;
inline constexpr int kGone = 410;
inline constexpr int kLengthRequired = 411;
inline constexpr int kPreconditionFailed = 412;
inline constexpr int kPayloadTooLarge = 413;
inline constexpr int kUriTooLong = 414;
inline constexpr int kUnsupportedMediaType = 415;
inline constexpr int kExpectationFailed = 417;
inline constexpr int kUnprocessableEntity = 422;
inline constexpr int kTooManyRequests = 429;
inline constexpr int kRequestHeaderFieldsTooLarge = 431;
inline constexpr int kInternalServerError = 500;
inline constexpr int kNotImplemented = 501;
inline constexpr int kBadGateway = 502;
inline constexpr int kServiceUnavailable = 503;
inline constexpr int kGatewayTimeout = 504;
inline constexpr int kHttpVersionNotSupported = 505;
}  // namespace status

}  // namespace nx::http
