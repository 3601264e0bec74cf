// SPDX-License-Identifier: MIT
#pragma once

#include <string_view>
#include <type_traits>
#include <utility>

#include "nodexx/core/promise.hpp"
#include "nodexx/http/incoming_message.hpp"
#include "nodexx/http/server.hpp"
#include "nodexx/http/server_response.hpp"
#include "nodexx/net/secure_context.hpp"
#include "nodexx/net/tls.hpp"

/// Node's https module, server side: HTTP/1.1 over TLS on the http module's own server. The
/// client side is http::request / fetch with an "https:" URL.
namespace nx::https {

/// Options of https::createServer: Node's one object that takes tls.createServer's options
/// and http.createServer's. Set the fields by name:
/// `https::ServerOptions o; o.key = key; o.cert = cert; o.keepAliveTimeout = 10s;`.
///
/// From tls::ServerOptions: `key` and `cert` (required), `ca` (CAs for client certificates;
/// empty: the system's store), minVersion, maxVersion, ciphers, honorCipherOrder, ecdhCurve,
/// sessionTimeout (tls::SecureContextOptions), `SNICallback` (a certificate per server name,
/// as tls::ServerOptions::SNICallback; a throw fails the handshake and goes to
/// onTlsClientError), `requestCert` (default false), `rejectUnauthorized` (default
/// true: with requestCert, a client without a certificate that verifies is closed after the
/// handshake and reported on onTlsClientError), `ALPNProtocols` (default {"http/1.1"}, as
/// Node's https; a client offering only other protocols fails the handshake),
/// `handshakeTimeout` (120 s; the handshake also counts against `headersTimeout`, the shorter
/// one applies). `allowHalfOpen` is not used: the HTTP server decides when its side ends, as
/// on a plain server. From http::ServerOptions: every limit and timeout, same defaults.
struct ServerOptions : tls::ServerOptions, http::ServerOptions {};

/// Node's https.Server: an http::Server whose connections speak TLS. Same handlers, events,
/// options, limits, timeouts, keep-alive, pipelining and graceful close as the plain server;
/// requests know it (IncomingMessage::encrypted(), authorized(), getPeerCertificate()). A
/// failed handshake (including plain HTTP sent to the TLS port, a peer that disconnects or
/// stalls mid-handshake, and a rejected client certificate) closes that connection and is
/// emitted on onTlsClientError. Move-only; loop-affine; it has no state of its own, so it may
/// be moved into an http::Server.
class Server : public http::Server {
 public:
  /// A server with no handler (register onRequest listeners). Throws SystemError
  /// ERR_TLS_INVALID_CONTEXT when key or cert is missing, does not parse, or does not match,
  /// and TypeError ERR_INVALID_ARG_VALUE for an empty or too long ALPN protocol name.
  explicit Server(ServerOptions options);
  /// A server calling `handler` for each request; throws as above.
  Server(ServerOptions options, http::RequestHandler handler);

  /// Node's server.addContext(hostname, context): clients whose SNI matches `hostname` get this
  /// certificate; same rules and errors as tls::Server::addContext ('*' matches one label's
  /// characters, the last match wins, ignored when options.SNICallback is set). Applies to
  /// handshakes that start afterwards.
  void addContext(std::string_view hostname, const tls::SecureContextOptions& options);
  void addContext(std::string_view hostname, tls::SecureContext context);
  /// A server calling a synchronous handler `void(IncomingMessage&, ServerResponse&)`.
  template <class F>
  requires(
      std::is_invocable_r_v<void, F&, http::IncomingMessage&, http::ServerResponse&>&&
          std::is_void_v<std::invoke_result_t<F&, http::IncomingMessage&, http::ServerResponse&>>)
      Server(ServerOptions options, F handler)
      : Server(std::move(options),
               http::RequestHandler([h = std::move(handler)](http::IncomingMessage& req,
                                                             http::ServerResponse& res) mutable {
                 h(req, res);
                 return Promise<>();
               })) {}
};

/// Node's https.createServer(options, handler).
template <class F>
Server createServer(ServerOptions options, F handler) {
  return Server(std::move(options), std::move(handler));
}
/// Node's https.createServer(options), for servers that use onRequest listeners.
inline Server createServer(ServerOptions options) { return Server(std::move(options)); }

}  // namespace nx::https
