// SPDX-License-Identifier: MIT
// https::Server: the plain server plus a TLS context, and the TLS socket kind it accepts
// (https_connection.cpp drives the engine for a connection).
#include "nodexx/http/https.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>

#include <cerrno>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "nodexx/http/internal/connection.hpp"
#include "nodexx/http/internal/https_socket.hpp"
#include "nodexx/http/internal/server_impl.hpp"
#include "nodexx/net/internal/secure_context_impl.hpp"

namespace nx::https {

Server::Server(ServerOptions options) : Server(std::move(options), http::RequestHandler()) {}

Server::Server(ServerOptions options, http::RequestHandler handler)
    : http::Server(std::move(handler), static_cast<const http::ServerOptions&>(options)) {
  // Node's https.Server offers HTTP/1.1 by ALPN unless told otherwise.
  std::vector<std::string> alpn = std::move(options.ALPNProtocols);
  if (alpn.empty()) alpn.emplace_back("http/1.1");
  auto state = std::make_unique<http::detail::TlsServerState>();
  state->context = tls::SecureContext(tls::detail::buildContext(
      static_cast<const tls::SecureContextOptions&>(options), true, options.requestCert, alpn));
  if (options.SNICallback) {
    state->context.impl()->sniCallback = std::move(options.SNICallback);
    tls::detail::enableSni(*state->context.impl());
  }
  state->requestCert = options.requestCert;
  state->rejectUnauthorized = options.rejectUnauthorized;
  state->handshakeTimeout = options.handshakeTimeout;
  http::detail::ServerInternals::of(*this).tls = std::move(state);
}

void Server::addContext(std::string_view hostname, const tls::SecureContextOptions& options) {
  tls::detail::addContext(*http::detail::ServerInternals::of(*this).tls->context.impl(), hostname,
                          options);
}

void Server::addContext(std::string_view hostname, tls::SecureContext context) {
  tls::detail::addContext(*http::detail::ServerInternals::of(*this).tls->context.impl(), hostname,
                          std::move(context));
}

}  // namespace nx::https

namespace nx::http {

namespace detail {

TlsSocket::TlsSocket(ServerImpl& s, SSL_CTX* ctx, std::uint64_t now)
    : Socket(s), engine(ctx, tls::detail::TlsEngine::Role::Server), acceptedAt(now) {
  tls = true;
}

Socket* newTlsSocket(ServerImpl& server) {
  const TlsServerState& state = *server.tls;
  SSL_CTX* ctx = state.context.impl()->ctx;
  auto* s = new TlsSocket(server, ctx, server.now());
  SSL* ssl = s->engine.ssl();
  // An idle keep-alive connection should not keep OpenSSL's record buffers (about 34 KB).
  SSL_set_mode(ssl, SSL_MODE_RELEASE_BUFFERS);
  // A TLS 1.2 client may not renegotiate: HTTP/1.1 has no use for it, and each one costs the
  // server a handshake (Node allows three per ten minutes; TLS 1.3 has no renegotiation).
  SSL_set_options(ssl, SSL_OP_NO_RENEGOTIATION);
  if (state.requestCert && state.rejectUnauthorized) {
    // As Node: a client that sends no certificate at all fails the handshake (TLS alert
    // "certificate required"); one whose certificate does not verify is judged after it.
    SSL_set_verify(ssl, SSL_CTX_get_verify_mode(ctx) | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                   SSL_CTX_get_verify_callback(ctx));
  }
  return s;
}

void deleteSocket(Socket* s) noexcept {
  // No virtual destructor (it would cost every plain socket a vtable pointer): the flag says
  // which object this is.
  if (s->tls) {
    delete static_cast<TlsSocket*>(s);
  } else {
    delete s;
  }
}

void sendCloseNotify(Socket& s) noexcept {
  auto& t = static_cast<TlsSocket&>(s);
  if (!t.secure) return;  // nothing to close before the handshake completed
  t.engine.shutdown();
  Buffer alert = t.engine.takeOutput();
  if (alert.empty()) return;
  // Best effort: the FIN follows at once, and a client that misses close_notify sees a clean
  // end of the TCP stream after a complete response anyway.
  ssize_t n;
  do {
    n = ::send(s.fd(), alert.data(), alert.size(), MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
}

bool Connection::isEncrypted() const noexcept { return server_.tls != nullptr; }

const TlsSocket* Connection::tlsSocket() const noexcept {
  return tls_ && sock_ != nullptr ? static_cast<const TlsSocket*>(sock_) : nullptr;
}

}  // namespace detail

bool IncomingMessage::authorized() const noexcept {
  const detail::TlsSocket* t = conn_.tlsSocket();
  return t != nullptr && t->authorized;
}

std::string IncomingMessage::authorizationError() const {
  const detail::TlsSocket* t = conn_.tlsSocket();
  return t != nullptr ? t->authorizationError : std::string();
}

tls::PeerCertificate IncomingMessage::getPeerCertificate() const {
  const detail::TlsSocket* t = conn_.tlsSocket();
  if (t == nullptr) return {};
  X509* peer = t->engine.peerCertificate();
  tls::PeerCertificate c = tls::detail::describeCertificate(peer);
  X509_free(peer);
  return c;
}

tls::Cipher IncomingMessage::getCipher() const {
  const detail::TlsSocket* t = conn_.tlsSocket();
  return t != nullptr ? tls::detail::cipherOf(t->engine.ssl()) : tls::Cipher{};
}

}  // namespace nx::http
