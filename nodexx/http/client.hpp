// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "nodexx/core/abort.hpp"
#include "nodexx/core/buffer.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/core/timers.hpp"
#include "nodexx/http/headers.hpp"
#include "nodexx/stream/duplex.hpp"
#include "nodexx/stream/readable.hpp"
#include "nodexx/stream/writable.hpp"

namespace nx::net {
class Socket;
}

namespace nx::http {

class Agent;
struct AgentLease;
class ClientRequest;

/// Node's default maximum size of a response head (status line and fields), 16 KiB.
inline constexpr std::uint32_t kDefaultMaxHeaderSize = 16 * 1024;

/// Options of http::request(), as Node's http.request(url, options).
///
/// A non-aggregate (it has constructors), so a temporary in a co_await expression is safe with
/// g++ 12 (nodexx/core/README.md): `http::RequestOptions o("http://h/x"); o.method = "POST";`.
class RequestOptions {
 public:
  /// An empty target: set `url`, or protocol/hostname/port/path, before use.
  RequestOptions() = default;
  /// Targets `url` (absolute http: or https:; parsed when request() is called).
  explicit RequestOptions(std::string url) : url(std::move(url)) {}

  /// The absolute URL; when not empty it supplies protocol, hostname, port and path.
  std::string url;
  /// Used when `url` is empty: "http:" (default) or "https:".
  std::string protocol = "http:";
  /// Used when `url` is empty: host name or IP literal ("localhost" by default).
  std::string hostname = "localhost";
  /// Used when `url` is empty: 0 means the protocol's default (80 / 443).
  int port = 0;
  /// Used when `url` is empty: the request target, "/" by default ("/a?b=1").
  std::string path = "/";
  /// The method, sent as given (Node upper-cases nothing either); must be a token.
  std::string method = "GET";
  /// Request fields. Host is added when absent; Content-Length or Transfer-Encoding are
  /// chosen from how the body is written (see ClientRequest) unless set here.
  Headers headers;
  /// Address family for resolving the host name: 0 (any), 4 or 6 (Node's `family`).
  int family = 0;
  /// The connection pool; null means Agent::global(). Must outlive the request.
  Agent* agent = nullptr;
  /// Idle timeout of the socket while this request uses it (Node's `timeout` option): no byte
  /// in or out for this long fails the request with ETIMEDOUT "Socket timeout". 0: none.
  std::chrono::milliseconds timeout{0};
  /// Total time allowed from request() to the end of the response body; when it passes the
  /// request fails with TimeoutError (code ABORT_ERR, as AbortSignal.timeout). 0: none.
  std::chrono::milliseconds deadline{0};
  /// Aborts the request (AbortError, or the signal's reason) at any stage.
  AbortSignal signal;
  /// Response body bytes accepted (as received, before any decoding); more fails the
  /// response with ERR_HTTP_RESPONSE_TOO_LARGE. 0: unlimited (Node's http has no limit).
  std::uint64_t maxResponseBytes = 0;
  /// Maximum response head size (Node's maxHeaderSize); more fails with HPE_HEADER_OVERFLOW.
  std::uint32_t maxHeaderSize = kDefaultMaxHeaderSize;
  /// TLS: verify the server's certificate chain and name (Node's rejectUnauthorized).
  bool rejectUnauthorized = true;
  /// TLS: extra trusted CA certificates in PEM (empty: the system store).
  std::string ca;
};

/// Node's http.IncomingMessage as the client sees it: the status, the fields, and the body as
/// a byte Readable (read it with `co_await res->read()`, "data" events or pipe()). A slow
/// reader pauses the socket (TCP backpressure). If the connection fails before the body ends,
/// the stream is destroyed with ECONNRESET "aborted" (or the failure). Loop-affine; the
/// ClientRequest keeps it alive while bytes arrive.
class IncomingResponse : public stream::Readable<Buffer> {
 public:
  /// The status code (200).
  int statusCode() const noexcept { return statusCode_; }
  /// The reason phrase as sent ("OK").
  const std::string& statusMessage() const noexcept { return statusMessage_; }
  /// "1.1" or "1.0".
  std::string httpVersion() const;
  /// The fields in wire order, names as sent; lookups ignore case.
  const Headers& headers() const noexcept { return headers_; }
  /// True once the whole body was received (Node's message.complete).
  bool complete() const noexcept { return complete_; }

  /// For the client: a response with this status line and these fields.
  IncomingResponse(int statusCode, std::string statusMessage, int httpMajor, int httpMinor,
                   Headers headers);

 protected:
  void _read(std::size_t size) override;

 private:
  friend class ClientRequest;
  int statusCode_;
  std::string statusMessage_;
  int httpMajor_;
  int httpMinor_;
  Headers headers_;
  bool complete_ = false;
  std::weak_ptr<StreamBase> request_;
};

/// Node's http.ClientRequest: a byte Writable for the request body. The head goes out with the
/// first write() or with end(): `end()` without writes sends no body (Content-Length: 0 for
/// methods that usually carry one, nothing for GET/HEAD/DELETE/OPTIONS/TRACE, as Node),
/// `end(data)` without earlier writes sends Content-Length, and any other body is chunked
/// unless the headers say otherwise. write() is backpressured by the socket: it returns false
/// at the high water mark and `co_await req->write(b)` waits for "drain".
///
/// `co_await req->response()` gives the response once its head arrived (1xx interim
/// responses are skipped). Failures reject it: ECONNREFUSED and other connect errors,
/// ECONNRESET "socket hang up" (closed before a response), ETIMEDOUT "Socket timeout",
/// TimeoutError for `deadline`, AbortError for the signal or abort(), HPE_* parse errors
/// (http::ParseError), ERR_INVALID_URL / ERR_INVALID_PROTOCOL / ERR_INVALID_HTTP_TOKEN for bad
/// options (those throw from request() itself). Loop-affine; created by request().
class ClientRequest : public stream::Writable<Buffer> {
 public:
  ~ClientRequest() override;

  /// The response, once its head arrived; the same promise for every call.
  [[nodiscard]] Promise<std::shared_ptr<IncomingResponse>> response();
  /// Aborts: the request and its response (if any) fail with AbortError; the socket is
  /// destroyed, never reused. No effect after the response completed.
  void abort();
  /// Sets a field before the head is sent; throws ERR_HTTP_HEADERS_SENT afterwards.
  void setHeader(std::string_view name, std::string_view value);
  /// A field of the request head, or nullopt.
  std::optional<std::string_view> getHeader(std::string_view name) const noexcept;
  /// Removes a field before the head is sent.
  void removeHeader(std::string_view name);
  /// True once the head was written to the socket.
  bool headersSent() const noexcept { return headSent_; }
  /// Sends the head now, without waiting for body bytes (Node's flushHeaders).
  void flushHeaders();
  /// The method and the request target ("/a?b").
  const std::string& method() const noexcept { return method_; }
  const std::string& path() const noexcept { return path_; }
  /// True when the request went out on a pooled keep-alive connection (Node's
  /// reusedSocket): such a request can fail with ECONNRESET if the server closed the idle
  /// connection at the same moment, and is then safe to retry if idempotent.
  bool reusedSocket() const noexcept { return reused_; }

  /// For request(): use http::request() instead.
  ClientRequest(const RequestOptions& options, std::string method, std::string path,
                std::string originKey, std::string host, int port, bool tls);

 protected:
  void _write(Buffer chunk, stream::Callback callback) override;
  void _final(stream::Callback callback) override;
  void _destroy(std::exception_ptr error, stream::Callback callback) override;

 private:
  friend class IncomingResponse;
  friend std::shared_ptr<ClientRequest> request(const RequestOptions& options);
  struct Impl;
  void start();
  Promise<> run(std::shared_ptr<ClientRequest> self);
  void fail(std::exception_ptr error);
  void onSocket(AgentLease lease);
  void detachSocket(bool reusable);
  void sendHead(bool ending, std::size_t knownLength);
  void writeBody(Buffer chunk, stream::Callback callback);
  void onData(Buffer& chunk);
  void onSocketGone(std::exception_ptr error);
  void finishResponse();
  void maybeRelease();
  void resumeSocket();

  std::string method_;
  std::string path_;
  std::string originKey_;
  std::string host_;
  int port_;
  bool tls_;
  Headers headers_;
  Agent* agent_;
  std::chrono::milliseconds timeout_;
  std::chrono::milliseconds deadline_;
  AbortSignal signal_;
  ListenerId abortListener_ = 0;
  std::uint64_t maxResponseBytes_;
  bool rejectUnauthorized_;
  std::string ca_;
  int family_;

  std::unique_ptr<Impl> impl_;
  std::shared_ptr<stream::Duplex<Buffer, Buffer>> socket_;  // net::Socket or tls::TLSSocket
  net::Socket* tcp_ = nullptr;                              // the TCP socket underneath
  std::shared_ptr<IncomingResponse> response_;
  std::shared_ptr<ClientRequest> self_;  // while in flight: the request lives until it is done
  std::exception_ptr error_;
  std::optional<Promise<std::shared_ptr<IncomingResponse>>::Resolvers> waiting_;
  Timeout deadlineTimer_;
  std::uint64_t ticket_ = 0;                     // the Agent queue entry while waiting for a socket
  std::uint64_t bodyBytes_ = 0;                  // response body bytes received
  std::uint64_t sentBytes_ = 0;                  // request body bytes written
  std::optional<std::uint64_t> declaredLength_;  // a Content-Length the caller set
  // A write or end() that arrived before the socket.
  Buffer pendingChunk_;
  stream::Callback pendingWrite_;
  stream::Callback pendingFinal_;
  bool chunked_ = false;
  bool headSent_ = false;
  bool reused_ = false;
  bool requestDone_ = false;   // the body (if any) went out completely
  bool responseDone_ = false;  // the response completed
  bool socketPaused_ = false;
  bool failed_ = false;
};

/// Node's http.request(url/options): creates the request and starts connecting (through the
/// agent). Write the body with write()/end() (end() is required, also without a body), then
/// `co_await req->response()`. Throws synchronously for bad options: InvalidUrlError
/// (ERR_INVALID_URL), SystemError ERR_INVALID_PROTOCOL ("Protocol "ftp:" not supported.
/// Expected "http:""), ERR_INVALID_HTTP_TOKEN for a bad method, ERR_INVALID_CHAR for a bad
/// header. Must be called on a loop thread.
std::shared_ptr<ClientRequest> request(const RequestOptions& options);

/// Node's http.get: request() with method GET, already ended.
std::shared_ptr<ClientRequest> get(const RequestOptions& options);

}  // namespace nx::http
