// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "nodexx/core/buffer.hpp"
#include "nodexx/core/event.hpp"
#include "nodexx/core/move_function.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/core/timers.hpp"
#include "nodexx/net/secure_context.hpp"
#include "nodexx/net/server.hpp"
#include "nodexx/net/socket.hpp"
#include "nodexx/stream/duplex.hpp"

/// Node's tls module: TLS 1.2/1.3 over net sockets, on OpenSSL 3. Defined in the net module's
/// folder (it is built on net::Socket and net::Server); the namespace is Node's module name.
namespace nx::tls {

namespace detail {
class TlsEngine;
struct TlsAccess;
}  // namespace detail

/// The events of a TLSSocket: the Duplex's and "secureConnect" (client: the handshake and,
/// with rejectUnauthorized, the verification succeeded).
struct TLSSocketEvents : stream::DuplexEvents<Buffer> {
  Event<>& secureConnect;
};

/// Node's tls.TLSSocket: a Duplex<Buffer, Buffer> of plaintext over an encrypted net::Socket,
/// driven by an OpenSSL engine over memory BIOs. Writes made before the handshake completes
/// are sent after it. end() sends close_notify, then a FIN. A received close_notify (or a bare
/// FIN) ends the readable side. Backpressure runs through: a full plaintext buffer pauses the
/// TCP socket, and a write completes when its ciphertext has been written.
///
/// Get one from tls::connect(), a tls::Server's "secureConnection", or an https::Server's
/// onUpgrade / onConnect listeners (the UpgradeSocket is a TLSSocket). It keeps itself alive
/// while open. TLS failures destroy it with SystemError "ERR_SSL_<REASON>" (e.g.
/// ERR_SSL_TLSV1_ALERT_UNKNOWN_CA, the code Node derives from OpenSSL's reason). Loop-affine.
class TLSSocket : public stream::Duplex<Buffer, Buffer> {
 public:
  ~TLSSocket() override;

  /// True when the peer's certificate chain verified against the CAs (and, on a client, its
  /// names matched the host).
  bool authorized() const noexcept { return authorized_; }
  /// Why not: "DEPTH_ZERO_SELF_SIGNED_CERT", "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  /// "SELF_SIGNED_CERT_IN_CHAIN", "CERT_HAS_EXPIRED", "ERR_TLS_CERT_ALTNAME_INVALID", ...
  /// Empty when authorized.
  const std::string& authorizationError() const noexcept { return authorizationError_; }
  /// The peer's certificate (empty() when it sent none).
  PeerCertificate getPeerCertificate() const;
  /// The negotiated ALPN protocol ("h2"); empty when none (Node's false).
  std::string alpnProtocol() const;
  /// Server side: the SNI name the client asked for; client side: the name it sent.
  std::string servername() const;
  /// "TLSv1.3" or "TLSv1.2".
  std::string getProtocol() const;
  /// Node's getCipher(): the negotiated suite (all fields empty before the handshake).
  Cipher getCipher() const;
  /// True once the handshake is complete.
  bool isSecure() const noexcept;
  /// Always true (Node's tlsSocket.encrypted).
  static constexpr bool encrypted() noexcept { return true; }

  /// The TCP socket underneath: addresses, byte counts (ciphertext), setTimeout, setNoDelay.
  net::Socket& socket() noexcept { return *tcp_; }
  /// The peer's address and port (those of socket()).
  const std::string& remoteAddress() const noexcept { return tcp_->remoteAddress(); }
  int remotePort() const noexcept { return tcp_->remotePort(); }

  /// Every event; see TLSSocketEvents.
  TLSSocketEvents events() noexcept;

 protected:
  void _read(std::size_t size) override;
  void _write(Buffer chunk, stream::Callback callback) override;
  void _final(stream::Callback callback) override;
  void _destroy(std::exception_ptr error, stream::Callback callback) override;

 private:
  friend struct detail::TlsAccess;
  struct Private {};

 public:
  /// For the module's glue (use tls::connect or a tls::Server).
  TLSSocket(Private, std::shared_ptr<net::Socket> tcp, SecureContext context, bool server);
  /// For the module's glue: the server side of a session whose handshake another driver
  /// completed (the HTTPS server's Upgrade/CONNECT hand-over; see internal/tls_adopt.hpp).
  TLSSocket(Private, std::shared_ptr<net::Socket> tcp, std::shared_ptr<detail::TlsEngine> engine,
            SecureContext context);

 private:
  void start();
  void onCiphertext(Buffer chunk);
  void onHandshakeDone();
  void fail(std::exception_ptr error);
  void flush(MoveFunction<void(std::exception_ptr)> done = nullptr);
  void detachTcp();

  std::shared_ptr<net::Socket> tcp_;
  SecureContext context_;
  // Shared only with the HTTPS server's connection that handshook an adopted session (it keeps
  // the engine inside its own socket object); otherwise this socket's alone.
  std::shared_ptr<detail::TlsEngine> engine_;
  bool server_;
  bool requestCert_ = false;
  bool rejectUnauthorized_ = true;
  std::string host_;  // client: the name the certificate must match
  bool authorized_ = false;
  bool ended_ = false;  // the readable side has been ended
  std::string authorizationError_;
  std::vector<stream::Callback> handshakeWaiters_;  // writes made before the handshake
  std::vector<ListenerId> tcpListeners_;
  Timeout handshakeTimer_;
  // Settles tls::connect / reports to the server: called once with null (secure) or an error.
  MoveFunction<void(std::exception_ptr)> onSecure_;
  std::shared_ptr<TLSSocket> self_;  // while open, as net::Socket
  Event<> secureConnect_{"secureConnect", "TLSSocket"};
};

/// Options of tls::createServer (Node's names). Held by the server, so owned strings are fine.
/// From SecureContextOptions: `key` and `cert` (required; intermediates appended to cert),
/// `ca` (CAs for client certificates; empty: the system's store), minVersion, maxVersion,
/// ciphers, honorCipherOrder, ecdhCurve, sessionTimeout.
struct ServerOptions : SecureContextOptions {
  /// Ask clients for a certificate; with rejectUnauthorized, unverified clients are dropped.
  bool requestCert = false;
  bool rejectUnauthorized = true;
  /// Accepted protocols in preference order; no overlap with the client's list fails the
  /// handshake (no_application_protocol), as Node 20.
  std::vector<std::string> ALPNProtocols;
  /// Abort a handshake that takes longer (ERR_TLS_HANDSHAKE_TIMEOUT); Node's default 120 s.
  std::chrono::milliseconds handshakeTimeout{120000};
  /// As net::ServerOptions.
  bool allowHalfOpen = false;
  /// Node's SNICallback, synchronous: called during a handshake whose ClientHello names a
  /// server (not for clients that send no SNI) with that name; the context it returns
  /// serves the connection (its certificate, key and CAs; versions, ciphers, ALPN and
  /// requestCert stay the server's). An empty SecureContext keeps the default. A throw fails
  /// the handshake (the client gets an internal_error alert) and is what "tlsClientError"
  /// reports. When set, addContext() entries are not consulted, as in Node. Called on the
  /// loop thread.
  std::function<SecureContext(std::string_view servername)> SNICallback;
};

/// Node's tls.Server: a net::Server whose connections are wrapped in TLSSockets.
/// "secureConnection" gets each one after a successful handshake; "tlsClientError" gets the
/// error of a failed one (the socket is destroyed). listen()/close()/address() as net::Server.
class Server : public net::Server {
 public:
  /// Throws as createSecureContext for bad key/cert/CA text.
  explicit Server(ServerOptions options);

  /// "secureConnection": a client completed the handshake (and verification, if required).
  Event<std::shared_ptr<TLSSocket>>& secureConnection() noexcept { return secureConnection_; }
  /// "tlsClientError": a handshake failed or timed out; the socket is already destroyed.
  Event<std::exception_ptr>& tlsClientError() noexcept { return tlsClientError_; }

  /// Node's server.addContext(hostname, context): clients whose SNI matches `hostname` get
  /// this certificate. `hostname` may hold '*' for any run of characters other than '.'
  /// ("*.example.com" matches "a.example.com", not "example.com" or "a.b.example.com");
  /// matching is case-sensitive, as Node's. The last matching entry wins. The options form
  /// builds a context with this server's ALPN and requestCert. Applies to handshakes that
  /// start afterwards. Throws TypeError ERR_TLS_REQUIRED_SERVER_NAME for an empty hostname,
  /// as createSecureContext for bad options, TypeError ERR_INVALID_ARG_VALUE for a context
  /// without key and certificate.
  void addContext(std::string_view hostname, const SecureContextOptions& options);
  void addContext(std::string_view hostname, SecureContext context);

 private:
  ServerOptions options_;
  SecureContext context_;
  Event<std::shared_ptr<TLSSocket>> secureConnection_{"secureConnection", "Server"};
  Event<std::exception_ptr> tlsClientError_{"tlsClientError", "Server"};
};

/// tls.createServer(options, secureConnectionListener).
std::shared_ptr<Server> createServer(
    ServerOptions options,
    MoveFunction<void(std::shared_ptr<TLSSocket>)> secureConnectionListener = nullptr);

/// Options of tls::connect. A non-aggregate (safe as a temporary in co_await with g++ 12):
/// `tls::ConnectOptions o(443, "example.com"); o.ALPNProtocols = {"h2"};`.
/// From SecureContextOptions: `ca` (trusted CAs; empty: the system's store), `key` and `cert`
/// (a client certificate, for servers that request one), minVersion, maxVersion, ciphers,
/// ecdhCurve; they build the connection's context unless `secureContext` is given.
class ConnectOptions : public SecureContextOptions {
 public:
  ConnectOptions(int port, std::string host = "localhost") : port(port), host(std::move(host)) {}

  int port;
  std::string host;
  /// SNI name and the name the certificate must match; default: host (not sent for an IP).
  std::string servername;
  /// Fail unless the server's certificate verifies and matches (default true, as Node).
  bool rejectUnauthorized = true;
  std::vector<std::string> ALPNProtocols;
  /// A context to reuse across connections instead of building one from the fields above.
  SecureContext secureContext;
  /// An already connected socket to run TLS over (Node's `socket` option: a proxy tunnel, a
  /// pooled connection); port and host then only name the peer. Null: connect to port/host.
  std::shared_ptr<net::Socket> socket;
  /// TCP connect timeout (ETIMEDOUT) and dns family, as net::ConnectOptions.
  std::chrono::milliseconds timeout{0};
  int family = 0;
};

/// tls.connect: connects, handshakes, verifies, and resolves after "secureConnect" with the
/// socket. Rejects with the TCP errors of net::connect, with SystemError coded as Node's
/// verification codes ("DEPTH_ZERO_SELF_SIGNED_CERT": "self-signed certificate";
/// "ERR_TLS_CERT_ALTNAME_INVALID": "Hostname/IP does not match certificate's altnames: ...")
/// when rejectUnauthorized is set, with "ERR_SSL_<REASON>" for a failed handshake, and with
/// ECONNRESET "Client network socket disconnected before secure TLS connection was
/// established" when the peer closes first.
[[nodiscard]] Promise<std::shared_ptr<TLSSocket>> connect(ConnectOptions options);

}  // namespace nx::tls
