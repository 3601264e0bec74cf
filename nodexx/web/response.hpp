// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "nodexx/core/buffer.hpp"
#include "nodexx/core/move_function.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/json/stringify.hpp"
#include "nodexx/json/value.hpp"
#include "nodexx/web/middleware.hpp"

namespace nx::stream {
template <class T>
class Writable;
}  // namespace nx::stream

namespace nx::web {

struct SendFileOptions;  // send_file.hpp
class Request;

namespace detail {
struct Context;
}  // namespace detail

/// What Response::write() returns: converts to the bool Node's write() returns (false once
/// the transport's buffered output reached its high-water mark), and can be awaited:
/// `co_await res.write(chunk)` resumes at once below the mark, else after "drain" (or when the
/// connection closed).
class [[nodiscard]] WriteResult {
 public:
  explicit operator bool() const noexcept { return ok_; }
  bool operator!() const noexcept { return !ok_; }
  NextResult::Awaiter operator co_await() const;

 private:
  friend class Response;
  WriteResult(Response& res, bool ok) noexcept : res_(&res), ok_(ok) {}
  Response* res_;
  bool ok_;
};

/// Options of Response::cookie() and clearCookie(), with Express's names. Views are read
/// during the call only.
struct CookieOptions {
  /// Max-Age, and Expires = now + maxAge (Express); nullopt = a session cookie.
  std::optional<std::chrono::milliseconds> maxAge{};
  /// Expires as a time point (ignored when maxAge is set).
  std::optional<std::chrono::system_clock::time_point> expires{};
  std::string_view domain{};
  /// Default "/" (Express).
  std::string_view path = "/";
  bool secure = false;
  bool httpOnly = false;
  /// Express's `signed`: sign the value with the first of AppOptions::cookieSecrets
  /// (cookie-signature, `s:` prefix). Throws SystemError ERR_WEB_INVALID_SETTING when no
  /// secret is set.
  bool sign = false;
  /// "Strict", "Lax", "None" or empty (omitted).
  std::string_view sameSite{};
  /// "Low", "Medium", "High" or empty.
  std::string_view priority{};
  bool partitioned = false;
  /// Encode the value with encodeURIComponent (Express's default encode). Default true.
  bool encode = true;
};

/// The response side of one exchange (Express's `res`). Methods that set something return
/// *this for chaining (`res.status(201).json(v)`). Same lifetime and thread rule as Request.
///
/// Errors: changing headers after they were sent throws SystemError ERR_HTTP_HEADERS_SENT;
/// invalid header names or values throw ERR_INVALID_HTTP_TOKEN / ERR_INVALID_CHAR (which keeps
/// response splitting out); writing after end() throws ERR_STREAM_WRITE_AFTER_END.
class Response {
 public:
  Response(const Response&) = delete;
  Response& operator=(const Response&) = delete;

  // ---- Status and headers --------------------------------------------------------------------
  /// Sets the status code (100..999, else SystemError ERR_HTTP_INVALID_STATUS_CODE).
  Response& status(int code);
  /// The status code (default 200).
  int statusCode() const noexcept;
  /// Sets (replaces) a header. For Content-Type without a charset on a text type, Express adds
  /// none; use type() for that.
  Response& set(std::string_view name, std::string_view value);
  Response& set(std::initializer_list<std::pair<std::string_view, std::string_view>> fields);
  /// Alias of set() (Express's res.header()).
  Response& header(std::string_view name, std::string_view value) { return set(name, value); }
  /// Node's setHeader().
  Response& setHeader(std::string_view name, std::string_view value) { return set(name, value); }
  /// The first value of header `name`, or nullopt. Valid until the next header change.
  std::optional<std::string_view> get(std::string_view name) const noexcept;
  std::optional<std::string_view> getHeader(std::string_view name) const noexcept {
    return get(name);
  }
  /// Adds a value to a header (another Set-Cookie field; for other names Express joins, this
  /// adds a field, which HTTP treats the same).
  Response& append(std::string_view name, std::string_view value);
  /// Removes every field named `name`.
  Response& removeHeader(std::string_view name);
  bool hasHeader(std::string_view name) const noexcept { return get(name).has_value(); }
  /// Sets Content-Type: a value with "/" is used as is; otherwise a file extension or a type
  /// name ("json", ".html", "png") looked up in the mime table, with "; charset=utf-8" added
  /// for text types (mime-types' contentType()); unknown → application/octet-stream.
  Response& type(std::string_view type);
  Response& contentType(std::string_view t) { return type(t); }
  /// Adds `field` to Vary (no duplicates; `*` wins).
  Response& vary(std::string_view field);
  /// Sets Content-Disposition: attachment (with filename, and Content-Type from its
  /// extension, as Express).
  Response& attachment(std::string_view filename = {});
  /// Sets Link from (rel, url) pairs, appending to an existing Link (Express's res.links()).
  Response& links(std::initializer_list<std::pair<std::string_view, std::string_view>> links);
  /// Sets Location, encoded with encodeurl; "back" is Referer or "/" (Express 5 keeps "back").
  Response& location(std::string_view url);

  // ---- Cookies -------------------------------------------------------------------------------
  /// Appends a Set-Cookie for `name`=`value` with the options (cookie.serialize). Throws
  /// SystemError ERR_INVALID_ARG_VALUE for an invalid name, value, domain or path.
  Response& cookie(std::string_view name, std::string_view value, const CookieOptions& options);
  Response& cookie(std::string_view name, std::string_view value);
  /// Expires cookie `name` (Expires in 1970, same path and domain as given).
  Response& clearCookie(std::string_view name, const CookieOptions& options);
  Response& clearCookie(std::string_view name);

  // ---- Sending -------------------------------------------------------------------------------
  /// Sends a body and ends the response, as Express's res.send(): a string defaults to
  /// text/html; charset=utf-8, bytes to application/octet-stream, a json::Value is sent as
  /// json(). Sets Content-Length, a weak ETag (AppOptions::etag) for 2xx GET/HEAD bodies
  /// when none is set, answers 304 with no body when the request is fresh, and strips the body
  /// of HEAD, 204 and 304 responses.
  void send(std::string_view body);
  void send(const char* body) { send(std::string_view(body)); }
  void send(const std::string& body) { send(std::string_view(body)); }
  void send(const Buffer& body);
  void send(const json::Value& body) { json(body); }
  /// Ends with no body (Content-Length: 0 unless streaming began).
  void send() { send(std::string_view()); }
  /// Sends `value` as JSON (application/json; charset=utf-8, via the json writer;
  /// AppOptions::jsonSpaces indentation), with send()'s ETag/freshness handling.
  void json(const json::Value& value);
  /// Sends a mapped struct (NX_JSON) as JSON, written straight through the json writer.
  template <class T>
  requires(!std::is_convertible_v<const T&, const json::Value&>) void json(const T& value);
  /// Sets the status and sends its reason phrase as text/plain ("Not Found").
  void sendStatus(int code);
  /// Redirects (302 by default) to `url` (location() rules), with Express's body: for HTML
  /// acceptors a small page with an escaped link, else "Found. Redirecting to <url>".
  void redirect(std::string_view url);
  void redirect(int status, std::string_view url);
  /// Calls the handler of the best match of Accept among the keys ("json", "text/html", ...;
  /// key "default" is the fallback), setting Content-Type and Vary: Accept. With no match and
  /// no default: HttpError 406 `not_acceptable` (thrown).
  void format(std::initializer_list<std::pair<std::string_view, std::function<void()>>> map);
  /// Streams a file (send's behaviour: ETag, Last-Modified, Range, 304/206/416, HEAD). The
  /// promise settles once the file was sent; errors (404, 403, 416...) reject with HttpError.
  /// Defined in send_file.cpp.
  Promise<> sendFile(std::string path);
  Promise<> sendFile(std::string path, SendFileOptions options);
  /// sendFile() as an attachment named `filename` (default: the file's base name).
  Promise<> download(std::string path);
  Promise<> download(std::string path, std::string filename);
  Promise<> download(std::string path, std::string filename, SendFileOptions options);

  // ---- Streaming -----------------------------------------------------------------------------
  /// Sends a body chunk (the head first). Returns false (as WriteResult) once buffered
  /// output reached the high-water mark: `co_await res.write(chunk)` waits for "drain".
  WriteResult write(std::string_view chunk);
  WriteResult write(const Buffer& chunk);
  /// Finishes the response, with an optional last chunk (Node's end; twice is a no-op).
  void end();
  void end(std::string_view chunk);
  void end(const Buffer& chunk);
  /// Sends the head now.
  void flushHeaders();
  /// A promise settled at the next drain (at once when not needed).
  Promise<> drained();
  /// The body as a Node Writable (for pipe()/pipeline()).
  std::shared_ptr<stream::Writable<Buffer>> stream();

  /// True once the head went out (Express's res.headersSent).
  bool headersSent() const noexcept;
  /// True once end() was called.
  bool writableEnded() const noexcept;
  /// Registers `fn` to run once when the response has finished or the connection closed
  /// (Node's "finish"/"close"; for loggers and metrics). Runs on the loop thread; at once
  /// (as a microtask) when already finished.
  void onFinish(MoveFunction<void()> fn);

  /// Per-request values (Express's res.locals; the same object as req.locals()).
  Locals& locals() noexcept;
  /// The request of this exchange (Express's res.req).
  Request& req() noexcept;

 private:
  friend struct detail::Context;
  friend class detail::Dispatch;
  explicit Response(detail::Context& c) noexcept : c_(c) {}
  void sendJsonText(std::string& text);
  json::StringifyOptions jsonOptions() const noexcept;
  std::string& scratch() noexcept;
  detail::Context& c_;
};

}  // namespace nx::web

#include "nodexx/web/response_impl.hpp"  // IWYU pragma: export
