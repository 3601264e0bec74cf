// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "nodexx/core/event.hpp"
#include "nodexx/core/move_function.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/http/errors.hpp"
#include "nodexx/http/incoming_message.hpp"
#include "nodexx/http/server_response.hpp"
#include "nodexx/stream/duplex.hpp"

namespace nx::http {

/// Limits and timeouts of an http::Server, with Node's names and defaults. Trivially
/// destructible (the g++ 12 rule for option structs of Promise APIs).
struct ServerOptions {
  /// Time allowed to receive a complete request head, from its first byte (or from the
  /// connection's start). Expiry answers 408 and closes. Node's default 60 s.
  std::chrono::milliseconds headersTimeout{60'000};
  /// Time allowed to receive a complete request (head and body). Expiry answers 408 (if the
  /// response has not started) and closes. 0 = none. Node's default 300 s.
  std::chrono::milliseconds requestTimeout{300'000};
  /// Idle time after a response before a keep-alive connection is closed. Node's default 5 s.
  std::chrono::milliseconds keepAliveTimeout{5'000};
  /// How often the deadlines above are checked (one timer per server, no timer per request
  /// or connection); a deadline fires up to this late. Node checks every 30 s; 1 s here.
  std::chrono::milliseconds connectionsCheckingInterval{1'000};
  /// Largest request head in bytes (request line and fields); more gives 431. Node's 16 KiB.
  std::size_t maxHeaderSize = 16 * 1024;
  /// Requests served on one connection before it is closed; 0 = unlimited (Node's default).
  std::size_t maxRequestsPerSocket = 0;
  /// Default body limit per request in bytes (IncomingMessage::setMaxBodyBytes overrides it);
  /// a larger body gives 413. 0 = unlimited. Default 1 MiB.
  std::uint64_t maxBodyBytes = 1024 * 1024;
  /// Buffered response bytes at which write() returns false, and unread request body bytes at
  /// which the connection stops reading. Default 16 KiB (Node's highWaterMark).
  std::size_t highWaterMark = 16 * 1024;
  /// listen() backlog. Node's default 511.
  int backlog = 511;
  /// Whether an HTTP/1.1 request without a Host field gets 400 and a closed connection
  /// (RFC 9112 §3.2; Node's requireHostHeader). Default true.
  bool requireHostHeader = true;
};

/// The request handler: synchronous (returns void) or a coroutine (returns Promise<>). A thrown
/// exception or a rejection gives a 500 problem response when the head has not been sent (the
/// connection is closed otherwise) and is reported on Server::onHandlerError.
using RequestHandler = MoveFunction<Promise<>(IncomingMessage&, ServerResponse&)>;

/// Where a server listens.
struct AddressInfo {
  std::string address;  ///< "127.0.0.1", "::1", or the socket path for a Unix socket
  std::string family;   ///< "IPv4", "IPv6" or "unix"
  int port = 0;         ///< 0 for a Unix socket
};

class ServerImpl;
namespace detail {
struct ServerInternals;
}  // namespace detail

/// Event arguments for the request/response objects (Event copies its arguments, these are
/// non-copyable): listeners are written `[](IncomingMessage& req, ServerResponse& res) {...}`.
using RequestRef = std::reference_wrapper<IncomingMessage>;
using ResponseRef = std::reference_wrapper<ServerResponse>;
/// The connection handed to Server::onUpgrade / onConnect listeners: a byte Duplex (a
/// net::Socket for http::Server, a tls::TLSSocket for https::Server), as Node's `socket`
/// argument of those events.
using UpgradeSocket = std::shared_ptr<stream::Duplex<Buffer, Buffer>>;

/// An HTTP/1.1 server (Node's http.Server). Move-only resource; loop-affine (the loop current
/// when it is created). Destroying a server that is still listening closes the listener and
/// every connection at once; handlers still running keep their request/response objects alive
/// until they settle.
///
/// Connections: keep-alive and pipelining (responses in request order, never interleaved: a
/// pipelined request is parsed only once the previous exchange is done), chunked bodies both
/// ways, Expect: 100-continue (an automatic "100 Continue" unless onCheckContinue has
/// listeners; 417 for other expectations; 413 instead of 100 when Content-Length exceeds the
/// body limit). Malformed requests get a problem+json 400/413/431/501/505 with
/// `Connection: close` and the connection is closed; see http/README.md.
class Server {
 public:
  /// A server with no handler (register onRequest listeners, or answer nothing: 404).
  explicit Server(ServerOptions options = {});
  /// A server calling `handler` for each request.
  explicit Server(RequestHandler handler, ServerOptions options = {});
  /// A server calling a synchronous handler `void(IncomingMessage&, ServerResponse&)`.
  template <class F>
  requires(std::is_invocable_r_v<void, F&, IncomingMessage&, ServerResponse&>&& std::is_void_v<
           std::invoke_result_t<F&, IncomingMessage&,
                                ServerResponse&>>) explicit Server(F handler,
                                                                   ServerOptions options = {})
      : Server(RequestHandler(
                   [h = std::move(handler)](IncomingMessage& req, ServerResponse& res) mutable {
                     h(req, res);
                     return Promise<>();
                   }),
               options) {}
  Server(Server&& other) noexcept;
  Server& operator=(Server&& other) noexcept;
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  ~Server();

  /// Listens on `host`:`port` (port 0 picks a free one; see address()). Resolves once
  /// listening; rejects with UvError (EADDRINUSE, EACCES, EINVAL) or SystemError
  /// ERR_SERVER_ALREADY_LISTEN. `host` is an IP literal ("127.0.0.1", "::", "0.0.0.0").
  Promise<> listen(std::uint16_t port, std::string_view host = "0.0.0.0");
  /// Listens on a Unix domain socket at `path` (the file must not exist).
  Promise<> listen(std::string_view path);
  /// Where the server listens; empty address when not listening.
  AddressInfo address() const;
  /// True between a successful listen() and close().
  bool listening() const noexcept;

  /// Graceful stop: stops accepting, closes idle keep-alive connections at once, lets
  /// in-flight requests finish (their responses carry `Connection: close`), and resolves when
  /// every connection is gone. close() with no deadline waits as long as it takes (Node);
  /// with a deadline, connections still open then are closed forcibly. Rejects with
  /// ERR_SERVER_NOT_RUNNING if the server is not listening.
  Promise<> close();
  Promise<> close(std::chrono::milliseconds deadline);
  /// Closes every connection that is not handling a request.
  void closeIdleConnections();
  /// Closes every connection at once (in-flight requests are aborted).
  void closeAllConnections();
  /// Open connections.
  std::size_t connectionCount() const noexcept;

  /// Emitted for each request, before the handler runs.
  Event<RequestRef, ResponseRef> onRequest{"request", "Server"};
  /// Emitted for each accepted connection.
  Event<> onConnection{"connection", "Server"};
  /// Emitted once the server has stopped listening and every connection has closed.
  Event<> onClose{"close", "Server"};
  /// Emitted for a malformed request or a timeout (the server answers and closes itself).
  Event<ParseError> onClientError{"clientError", "Server"};
  /// Emitted for `Expect: 100-continue` requests before the handler; when it has listeners the
  /// automatic "100 Continue" is not sent (call res.writeContinue(), or answer with a final
  /// status and the handler still runs unless the response has ended).
  Event<RequestRef, ResponseRef> onCheckContinue{"checkContinue", "Server"};
  /// A handler threw or rejected. Without listeners the error is printed to stderr.
  Event<std::exception_ptr, RequestRef> onHandlerError{"handlerError", "Server"};
  /// HTTPS servers only (https::createServer): a TLS handshake failed, timed out, was cut by
  /// the peer, or the client's certificate was rejected; the connection is already closed.
  /// The error is a SystemError coded as Node's: ERR_SSL_<OPENSSL REASON> (plain HTTP on the
  /// TLS port gives ERR_SSL_HTTP_REQUEST), ERR_TLS_HANDSHAKE_TIMEOUT, ECONNRESET, or the
  /// certificate's verification code (UNABLE_TO_VERIFY_LEAF_SIGNATURE, ...). Without
  /// listeners nothing is printed (Node's tls.Server).
  Event<std::exception_ptr> onTlsClientError{"tlsClientError", "Server"};
  /// Node's 'upgrade': a request with `Connection: upgrade` and an `Upgrade` field, when this
  /// event has listeners (else it goes to the handler like any request, and the connection
  /// closes after its response). The connection leaves the server: the listener gets `socket`,
  /// which owns the descriptor and is already reading, and `head`, the bytes received after the
  /// request head (the first bytes of the new protocol; a request body is in there too). The
  /// listener writes the response itself (`HTTP/1.1 101 Switching Protocols ...`). `req` is
  /// valid only during the call: copy what you need (req.headers(), std::string(req.url())).
  /// close() waits for the socket to close; closeIdleConnections() and closeAllConnections()
  /// do not touch it, and no server timeout applies to it.
  Event<RequestRef, UpgradeSocket, Buffer> onUpgrade{"upgrade", "Server"};
  /// Node's 'connect': a CONNECT request (a tunnel), handed over as for onUpgrade. Without
  /// listeners the connection is destroyed without an answer, as Node 20 does.
  Event<RequestRef, UpgradeSocket, Buffer> onConnect{"connect", "Server"};

 private:
  friend struct detail::ServerInternals;
  ServerImpl* impl_;
};

/// Node's http.createServer(handler): a Server calling `handler` for each request.
template <class F>
Server createServer(F handler, ServerOptions options = {}) {
  return Server(std::move(handler), options);
}
inline Server createServer(ServerOptions options = {}) { return Server(options); }

}  // namespace nx::http
