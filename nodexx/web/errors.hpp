// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nodexx/core/errors.hpp"

namespace nx::web {

/// One entry of a problem's `errors` array: where (`path`, e.g. "$.items[2].price" or
/// "query.limit") and what is wrong.
struct FieldError {
  std::string path{};
  std::string message{};
};

/// An error with an HTTP status, thrown by handlers (`throw web::HttpError(404,
/// "user_not_found", "no such user")`) or passed to `next(error)`. The final handler renders it
/// as RFC 9457 problem details (`application/problem+json`):
/// `{"type":"about:blank","title":<reason phrase>,"status":<status>,"detail":<message>,
/// "code":<code>,"requestId":<req.id()>[,"errors":[{"path","message"}...]]}`.
///
/// `code()` is the stable snake_case code clients switch on; `what()` is the message (shown as
/// `detail` for 4xx always, for 5xx only in development: a 5xx detail in production is the
/// reason phrase). Headers added with setHeader() are set on the problem response (e.g.
/// `Allow`, `Retry-After`, `WWW-Authenticate`). A status outside 400..599 renders as 500.
class HttpError : public SystemError {
 public:
  /// `status` the HTTP status (400..599), `code` the stable code, `message` the detail.
  HttpError(int status, std::string code, std::string message);
  /// The same with a list of field errors (validation: rendered as `errors`).
  HttpError(int status, std::string code, std::string message, std::vector<FieldError> errors);
  /// `HttpError(404)`: the code and message derived from the status ("not_found", "Not Found").
  explicit HttpError(int status);

  /// The HTTP status.
  int status() const noexcept { return status_; }
  /// True when the message may reach the client in production (status < 500; Express's
  /// `expose`).
  bool expose() const noexcept { return status_ < 500; }
  /// Field errors, empty unless given.
  const std::vector<FieldError>& errors() const noexcept { return errors_; }
  /// Extra response headers of the problem response, in order.
  const std::vector<std::pair<std::string, std::string>>& headers() const noexcept {
    return headers_;
  }
  /// Adds a header to the problem response; returns *this for chaining before `throw`.
  HttpError& setHeader(std::string name, std::string value);
  std::string_view name() const noexcept override { return "HttpError"; }

 private:
  int status_;
  std::vector<FieldError> errors_;
  std::vector<std::pair<std::string, std::string>> headers_;
};

/// The snake_case problem code for a status ("not_found" for 404, "payload_too_large" for
/// 413, "internal_server_error" for 500); "error" for statuses without a reason phrase.
std::string problemCode(int status);

/// Stable codes produced by the web core itself. The body parsers' codes are in
/// `web::errc::body` (body_parser.hpp); sendFile's are listed in send_file.hpp.
namespace errc {
/// 404: no route matched the path.
inline constexpr std::string_view kNotFound = "not_found";
/// 405: a route matched the path but not the method (the response carries `Allow`).
inline constexpr std::string_view kMethodNotAllowed = "method_not_allowed";
/// 400: a route parameter holds a malformed percent-escape (decodeURIComponent failed).
inline constexpr std::string_view kInvalidParam = "invalid_param_encoding";
/// 400: `bodyAs<T>()` could not map the body; `errors` says where.
inline constexpr std::string_view kValidationFailed = "validation_failed";
/// 500: an exception that is not an HttpError reached the final handler.
inline constexpr std::string_view kInternal = "internal_server_error";
}  // namespace errc

/// Library misuse in the web layer throws nx::SystemError with these codes.
/// ERR_WEB_INVALID_SETTING: an App option has an invalid value (listen(), trust proxy).
inline constexpr std::string_view kErrInvalidSetting = "ERR_WEB_INVALID_SETTING";
/// ERR_WEB_INVALID_ARG: a bad argument to a Response method (redirect to "", bad status).
inline constexpr std::string_view kErrInvalidArg = "ERR_WEB_INVALID_ARG";
/// ERR_ROUTE_PATTERN: a route path is not path-to-regexp 8 syntax (RoutePatternError, thrown
/// at registration, with the position and what to write instead).
inline constexpr std::string_view kErrRoutePattern = "ERR_ROUTE_PATTERN";
/// Codes of the header utilities (cookie, content_type, qs, proxy_addr, vary,
/// content_disposition): a bad argument, with the npm package's message.
inline constexpr std::string_view kErrInvalidArgValue = "ERR_INVALID_ARG_VALUE";
/// content_type::parseStrict: not a media type.
inline constexpr std::string_view kErrInvalidMediaType = "ERR_INVALID_MEDIA_TYPE";
/// qs::parse with its strict options (RangeError): depth, parameter count, array length.
inline constexpr std::string_view kErrQsDepth = "ERR_QS_DEPTH";
inline constexpr std::string_view kErrQsParameterLimit = "ERR_QS_PARAMETER_LIMIT";
inline constexpr std::string_view kErrQsArrayLimit = "ERR_QS_ARRAY_LIMIT";

}  // namespace nx::web
