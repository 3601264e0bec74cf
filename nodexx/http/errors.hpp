// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "nodexx/core/errors.hpp"

namespace nx::http {

/// The stable error codes of the http module (Node's names where Node has one). Every error the
/// module throws or emits is an nx::SystemError (or subclass) whose code() is one of these, or
/// a libuv errno name ("ECONNRESET", "EADDRINUSE") for socket failures.
namespace errc {
/// A header was set, or writeHead called, after the head went out.
inline constexpr std::string_view kHeadersSent = "ERR_HTTP_HEADERS_SENT";
/// A header name is not an RFC 9110 token.
inline constexpr std::string_view kInvalidHttpToken = "ERR_INVALID_HTTP_TOKEN";
/// A header value holds a byte Node rejects (CR, LF, NUL, other controls except HTAB).
inline constexpr std::string_view kInvalidHeaderValue = "ERR_HTTP_INVALID_HEADER_VALUE";
/// A character not allowed where it was used (Node's ERR_INVALID_CHAR).
inline constexpr std::string_view kInvalidChar = "ERR_INVALID_CHAR";
/// A status code outside 100..999.
inline constexpr std::string_view kInvalidStatusCode = "ERR_HTTP_INVALID_STATUS_CODE";
/// write() or end() after end().
inline constexpr std::string_view kWriteAfterEnd = "ERR_STREAM_WRITE_AFTER_END";
/// A body write on a response that must not have one (HEAD, 204, 304).
inline constexpr std::string_view kBodyNotAllowed = "ERR_HTTP_BODY_NOT_ALLOWED";
/// A response with trailers (a `Trailer` field and addTrailers()) that cannot be chunked.
inline constexpr std::string_view kTrailerInvalid = "ERR_HTTP_TRAILER_INVALID";
/// More (or fewer) body bytes than the Content-Length that was set.
inline constexpr std::string_view kContentLengthMismatch = "ERR_HTTP_CONTENT_LENGTH_MISMATCH";
/// headersTimeout or requestTimeout expired.
inline constexpr std::string_view kRequestTimeout = "ERR_HTTP_REQUEST_TIMEOUT";
/// A request body exceeded maxBodyBytes.
inline constexpr std::string_view kBodyTooLarge = "ERR_HTTP_BODY_TOO_LARGE";
/// The request head exceeded maxHeaderSize (llhttp's HPE_HEADER_OVERFLOW in Node).
inline constexpr std::string_view kHeaderOverflow = "HPE_HEADER_OVERFLOW";
/// close() on a server that is not listening.
inline constexpr std::string_view kServerNotRunning = "ERR_SERVER_NOT_RUNNING";
/// listen() on a server that is already listening.
inline constexpr std::string_view kServerAlreadyListen = "ERR_SERVER_ALREADY_LISTEN";
/// The peer closed the connection before the message was complete ("aborted" in Node).
inline constexpr std::string_view kConnectionReset = "ECONNRESET";
}  // namespace errc

/// A malformed HTTP message, as Node's parser errors: code() is llhttp's name with the `HPE_`
/// prefix ("HPE_INVALID_METHOD", "HPE_UNEXPECTED_CONTENT_LENGTH", "HPE_HEADER_OVERFLOW"),
/// what() llhttp's reason ("Invalid method encountered"). status() is the HTTP status the server
/// answers with (400, 413, 431, 501, 505, 408). Emitted by Server::clientError; the HTTP client
/// throws it for malformed responses.
class ParseError : public SystemError {
 public:
  ParseError(std::string code, const std::string& reason, int status, std::size_t bytesParsed);
  /// The status a server answers with for this error.
  int status() const noexcept { return status_; }
  /// Bytes of the current read that were consumed before the error (Node's err.bytesParsed).
  std::size_t bytesParsed() const noexcept { return bytesParsed_; }

 private:
  int status_;
  std::size_t bytesParsed_;
};

/// An RFC 9457 problem-details document, the one error body shape of nodexx
/// (`application/problem+json`): {"type":"about:blank","title":<status text>,"status":<status>,
/// "detail":<detail>,"code":<code>}. `code` is a snake_case stable code ("bad_request");
/// `detail` is escaped as a JSON string. Allocates the returned string.
std::string problemJson(int status, std::string_view code, std::string_view detail);

/// The snake_case problem code for a status the server generates itself ("bad_request",
/// "request_timeout", "payload_too_large", "request_header_fields_too_large",
/// "not_implemented", "http_version_not_supported", "expectation_failed",
/// "internal_server_error"); "error" for others.
std::string_view problemCode(int status) noexcept;

}  // namespace nx::http
