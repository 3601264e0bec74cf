// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "nodexx/core/buffer.hpp"
#include "nodexx/core/event.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/http/headers.hpp"
#include "nodexx/stream/readable.hpp"

namespace nx::tls {
struct PeerCertificate;  // nodexx/net/secure_context.hpp (included by nodexx/http/https.hpp)
struct Cipher;           // the same
}  // namespace nx::tls

namespace nx::http {

namespace detail {
class Connection;
}  // namespace detail

/// One header field of a request as views: `name` as the client spelled it.
struct HeaderField {
  std::string_view name;
  std::string_view value;
};

/// A request received by an http::Server (Node's http.IncomingMessage on the server side).
///
/// Lifetime: the object belongs to its connection and is reused for the next request on it. A
/// handler's `IncomingMessage&` is valid until both the response has finished (end() was called,
/// or the connection closed) and the handler's promise has settled; do not keep it longer.
///
/// Views: method(), url(), path(), query(), header() and headerAt() return views that are
/// valid for the same lifetime. While the head came in one read they point into the server's
/// read buffer; when the request outlives that read (an async handler, a body still arriving)
/// the server copies the head once into the connection's own storage first, so the views stay
/// valid across suspensions without the handler doing anything.
///
/// Thread: the server's loop thread only.
class IncomingMessage {
 public:
  IncomingMessage(const IncomingMessage&) = delete;
  IncomingMessage& operator=(const IncomingMessage&) = delete;

  /// The request method in upper case ("GET").
  std::string_view method() const noexcept;
  /// The raw request target as sent ("/a/b?x=1", "*" or an absolute-form URL).
  std::string_view url() const noexcept;
  /// The part of url() before '?' (and before '#').
  std::string_view path() const noexcept;
  /// The part of url() after the first '?' (without it; empty if none).
  std::string_view query() const noexcept;
  /// "1.1" or "1.0" (Node's httpVersion).
  std::string_view httpVersion() const noexcept;
  int httpVersionMajor() const noexcept;
  int httpVersionMinor() const noexcept;

  /// The value of the first field named `name` (case-insensitive), or nullopt. Node joins
  /// repeated fields in req.headers; use headerAt() to see each one.
  std::optional<std::string_view> header(std::string_view name) const noexcept;
  /// Number of header fields as received (Node's rawHeaders.length / 2).
  std::size_t headerCount() const noexcept;
  /// The i-th field as received (i < headerCount()).
  HeaderField headerAt(std::size_t i) const noexcept;
  /// An owning copy of all fields (allocates; for code that keeps them).
  Headers headers() const;
  /// The trailer fields of a chunked request body, as received (Node's req.trailers and
  /// rawTrailers): empty until the body has ended (complete() is true), and for bodies without
  /// trailers. Allocates. Trailers carrying framing fields or obs-fold never get this far (400).
  Headers trailers() const;

  /// True once the whole body has been received (Node's req.complete).
  bool complete() const noexcept { return complete_; }
  /// True if the connection closed before the request completed (Node's req.aborted).
  bool aborted() const noexcept { return aborted_; }

  /// Raises or lowers the body limit of this request (ServerOptions::maxBodyBytes by default;
  /// 0 = unlimited). Call it in the handler's synchronous part, before the body arrives: a
  /// Content-Length above the limit is answered with 413 right after that part returns.
  void setMaxBodyBytes(std::uint64_t n) noexcept;
  /// The current body limit in bytes (0 = unlimited).
  std::uint64_t maxBodyBytes() const noexcept;

  /// The next chunk of the body, or nullopt at its end. Reading is what lets the socket flow:
  /// while more than ServerOptions::highWaterMark bytes wait unread, the connection stops
  /// reading from the socket (backpressure). Rejects with ECONNRESET if the connection closed
  /// first, and with ERR_HTTP_BODY_TOO_LARGE when the body exceeded the limit.
  Promise<std::optional<Buffer>> read();
  /// The whole body (read() until the end), concatenated.
  Promise<Buffer> body();
  /// The body as a Node Readable (byte mode), for pipe() and pipeline(): created on the first
  /// call (one allocation; requests that never call it pay nothing), the same object after.
  /// Chunks not yet read through read() go to it; use one interface per request. A slow
  /// reader pauses the socket (highWaterMark bytes buffered at most, plus one read). Errors:
  /// destroyed with ECONNRESET if the connection closes first, ERR_HTTP_BODY_TOO_LARGE.
  /// Valid as long as you hold the pointer; it is detached from the connection when the
  /// exchange ends.
  std::shared_ptr<stream::Readable<Buffer>> stream();

  /// The peer's IP address ("127.0.0.1"), or empty when unknown (Unix sockets).
  std::string remoteAddress() const;

  /// True when the request came over TLS, i.e. from a server made by https::createServer
  /// (Node's req.socket.encrypted).
  bool encrypted() const noexcept;
  /// True when the server asked for a client certificate (requestCert) and the one the client
  /// sent verified against the server's `ca` (Node's req.socket.authorized). False on plain
  /// servers and once the connection closed.
  bool authorized() const noexcept;
  /// Why the client's certificate did not verify, as Node's req.socket.authorizationError:
  /// "UNABLE_TO_GET_ISSUER_CERT" (none sent), "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  /// "DEPTH_ZERO_SELF_SIGNED_CERT", "CERT_HAS_EXPIRED", ... Empty when authorized, when no
  /// certificate was requested, on plain servers and once the connection closed. Only seen
  /// with rejectUnauthorized false (otherwise such a client never gets a request through).
  std::string authorizationError() const;
  /// The client's certificate (Node's req.socket.getPeerCertificate()); empty() when it sent
  /// none, on plain servers and once the connection closed. Allocates. Include
  /// nodexx/http/https.hpp (or nodexx/net/secure_context.hpp) to use the result.
  tls::PeerCertificate getPeerCertificate() const;
  /// The negotiated cipher suite (Node's req.socket.getCipher()); every field empty on plain
  /// servers and once the connection closed. Include nodexx/http/https.hpp to use the result.
  tls::Cipher getCipher() const;

  /// Emitted once when the connection closes before the request was complete.
  Event<> onAborted{"aborted", "IncomingMessage"};

 private:
  friend class detail::Connection;
  explicit IncomingMessage(detail::Connection& c) noexcept : conn_(c) {}
  void resetForNext() noexcept;

  detail::Connection& conn_;
  bool complete_ = false;
  bool aborted_ = false;
};

}  // namespace nx::http
