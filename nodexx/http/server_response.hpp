// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nodexx/core/buffer.hpp"
#include "nodexx/core/event.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/http/headers.hpp"
#include "nodexx/stream/writable.hpp"

namespace nx::http {

namespace detail {
class Connection;
class ResponseWritable;
}  // namespace detail

class ServerResponse;

/// What ServerResponse::write() returns: converts to the bool Node's write() returns (false
/// once the connection's buffered output reached highWaterMark), and can be awaited:
/// `co_await res.write(chunk)` resumes at once when the write was below the mark, or after
/// the "drain" otherwise (or when the connection closed).
class [[nodiscard]] WriteResult {
 public:
  explicit operator bool() const noexcept { return ok_; }
  bool operator!() const noexcept { return !ok_; }
  Promise<>::Awaiter operator co_await() const;

 private:
  friend class ServerResponse;
  WriteResult(ServerResponse& res, bool ok) noexcept : res_(&res), ok_(ok) {}
  ServerResponse* res_;
  bool ok_;
};

/// The response to one request (Node's http.ServerResponse). Same lifetime rule as
/// IncomingMessage: valid until it has finished and the handler's promise has settled.
///
/// The head is serialised straight into the connection's output when it is first needed (the
/// first write(), end(), flushHeaders()); everything produced while the server handles one read
/// goes out in one socket write. Automatic fields, as Node: `Date` (cached, refreshed once a
/// second; off with sendDate = false), `Connection: keep-alive` + `Keep-Alive: timeout=N` or
/// `Connection: close`, and `Content-Length` (end() with the whole body) or
/// `Transfer-Encoding: chunked` (write() without a Content-Length on HTTP/1.1; an HTTP/1.0
/// response is then delimited by closing the connection). HEAD responses carry the head of the
/// equivalent GET and no body; 1xx, 204 and 304 carry no body.
///
/// Errors: header mutations after the head went out throw SystemError ERR_HTTP_HEADERS_SENT;
/// invalid names/values throw as Headers does; write()/end() after end() throw
/// ERR_STREAM_WRITE_AFTER_END; writeHead with a status outside 100..999 throws
/// ERR_HTTP_INVALID_STATUS_CODE. Writes after the connection closed are dropped.
class ServerResponse {
 public:
  ServerResponse(const ServerResponse&) = delete;
  ServerResponse& operator=(const ServerResponse&) = delete;

  /// Status of the response (default 200), read when the head goes out.
  int statusCode = 200;
  /// Reason phrase; empty means statusText(statusCode).
  std::string statusMessage;
  /// Whether to add the automatic Date field (default true).
  bool sendDate = true;

  /// Sets (replaces) a response field. Returns *this for chaining.
  ServerResponse& setHeader(std::string_view name, std::string_view value);
  /// Sets a numeric field (Content-Length).
  ServerResponse& setHeader(std::string_view name, std::uint64_t value);
  /// Adds a field without replacing earlier ones of the same name (Set-Cookie).
  ServerResponse& appendHeader(std::string_view name, std::string_view value);
  /// The first value of `name`, or nullopt. Valid until the next change to the headers.
  std::optional<std::string_view> getHeader(std::string_view name) const noexcept;
  bool hasHeader(std::string_view name) const noexcept;
  /// Removes every field named `name`; throws ERR_HTTP_HEADERS_SENT after the head went out.
  void removeHeader(std::string_view name);
  /// Distinct field names, lower case.
  std::vector<std::string> getHeaderNames() const;
  /// The response fields set so far.
  const Headers& getHeaders() const noexcept { return headers_; }

  /// Sets the status (and optional reason phrase and fields) and sends the head now.
  ServerResponse& writeHead(int status, std::string_view message = {});
  ServerResponse& writeHead(
      int status, std::initializer_list<std::pair<std::string_view, std::string_view>> fields);
  ServerResponse& writeHead(int status, const Headers& fields);

  /// Sends a body chunk (the head first if needed). Chunked framing is added automatically
  /// when no Content-Length was set. Returns false (as WriteResult) once buffered output
  /// reaches the high-water mark; wait for onDrain or co_await the result.
  WriteResult write(std::string_view chunk);
  WriteResult write(const Buffer& chunk);
  /// Finishes the response, with an optional last chunk. When nothing was written before,
  /// Content-Length is computed from `chunk`. Calling end() twice is a no-op, as in Node.
  void end();
  void end(std::string_view chunk);
  void end(const Buffer& chunk);

  /// Node's addTrailers: fields sent after the last chunk of a chunked response, replacing those
  /// given before. A response that is not chunked (Content-Length, HEAD, 1xx/204/304, HTTP/1.0)
  /// drops them silently, as Node does; after end() this does nothing. Announce them with a
  /// `Trailer` field: with trailers added, such a response is sent chunked also by end(body),
  /// and one that cannot be chunked throws ERR_HTTP_TRAILER_INVALID "Trailers are invalid with
  /// this transfer encoding" when its head is sent (nothing is sent then). Unlike Node, a
  /// `Trailer` field without addTrailers() is an ordinary field. Throws ERR_INVALID_HTTP_TOKEN
  /// for an invalid name and ERR_INVALID_CHAR for an invalid value (keeping the previous ones).
  void addTrailers(const Headers& trailers);
  void addTrailers(std::initializer_list<std::pair<std::string_view, std::string_view>> trailers);

  /// Sends "HTTP/1.1 100 Continue" (for a checkContinue listener).
  void writeContinue();
  /// Sends the head now, without a body chunk.
  void flushHeaders();

  /// True once the head has been written (Node's headersSent).
  bool headersSent() const noexcept { return headersSent_; }
  /// True once end() was called (Node's writableEnded).
  bool writableEnded() const noexcept { return ended_; }
  /// True once the whole response was handed to the socket (Node's writableFinished).
  bool writableFinished() const noexcept { return finished_; }
  /// True while write() would return true.
  bool writableNeedDrain() const noexcept;

  /// "finish": the response was handed to the socket. "close": the connection closed, or
  /// the response finished. "drain": buffered output fell below the mark after write() returned
  /// false.
  Event<> onFinish{"finish", "ServerResponse"};
  Event<> onClose{"close", "ServerResponse"};
  Event<> onDrain{"drain", "ServerResponse"};

  /// A promise settled at the next "drain" (or at once if not needed).
  Promise<> drained();

  /// The response body as a Node Writable (byte mode), for pipe() and pipeline(): write()
  /// goes to write() above, end() to end(). Created on the first call (one allocation), the
  /// same object after; detached (later writes fail) when the exchange ends.
  std::shared_ptr<stream::Writable<Buffer>> stream();

 private:
  friend class detail::Connection;
  friend class WriteResult;
  explicit ServerResponse(detail::Connection& c) noexcept : conn_(c) {}
  void resetForNext() noexcept;
  void checkNotSent(std::string_view what) const;
  // Sends the head once; with `body` (end()'s chunk) it also writes the body when it needs no
  // chunk framing, and returns true when it did.
  bool sendHead(bool ending, std::size_t endSize, std::string_view body = {});
  void writeBody(std::string_view chunk);
  void endWith(std::string_view chunk);
  void settleDrain() noexcept;
  void setTrailers(std::string block) noexcept;
  // The `ending` argument of sendHead: with trailers to send (checked out of line, so that
  // other responses pay one test, outside sendHead), false when a `Trailer` field asks for
  // chunked framing; throws ERR_HTTP_TRAILER_INVALID when the response cannot be chunked.
  bool headEnding(bool ending) {
    return trailer_.empty() || headersSent_ ? ending : trailerFraming(ending);
  }
  [[gnu::noinline, gnu::cold]] bool trailerFraming(bool ending);

  detail::Connection& conn_;
  Headers headers_;
  bool headersSent_ = false;
  bool ended_ = false;
  bool finished_ = false;
  bool chunked_ = false;
  bool noBody_ = false;      // HEAD, 1xx, 204, 304
  bool closeByEof_ = false;  // HTTP/1.0 without Content-Length: the body ends at close
  bool hasContentLength_ = false;
  std::uint64_t contentLength_ = 0;
  std::uint64_t bodyWritten_ = 0;
  std::string trailer_;  // "Name: value\r\n" lines from addTrailers(), sent by end()
  std::optional<Promise<>::Resolvers> drain_;
  std::shared_ptr<detail::ResponseWritable> stream_;
};

}  // namespace nx::http
