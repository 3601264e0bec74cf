// SPDX-License-Identifier: MIT
// A tls::TLSSocket built around a session that another driver of the engine handshook: the
// HTTPS server hands an Upgrade or CONNECT connection over this way, as Node's https.Server
// gives its 'upgrade' and 'connect' listeners the connection's TLSSocket. Internal to the
// modules (it brings OpenSSL's headers); the public API gains nothing.
#pragma once

#include <memory>
#include <string>

#include "nodexx/core/buffer.hpp"
#include "nodexx/net/internal/tls_engine.hpp"
#include "nodexx/net/secure_context.hpp"
#include "nodexx/net/socket.hpp"
#include "nodexx/net/tls.hpp"

namespace nx::tls::detail {

/// Everything the adopted socket takes over from the server side of a connection.
struct AdoptedSession {
  /// The TCP (or pipe) socket that owns the descriptor, connected and reading. It should allow
  /// half-open connections: the TLS layer decides when our side ends.
  std::shared_ptr<net::Socket> tcp;
  /// The engine, its handshake complete. Whatever it still holds is taken over as is: a
  /// partial record in its input, a received close_notify.
  std::shared_ptr<TlsEngine> engine;
  /// The server's context (kept for the socket's life, as a tls::Server's sockets do).
  SecureContext context;
  /// The verification verdict the server reached after the handshake (Node's
  /// tlsSocket.authorized / authorizationError); only meaningful with requestCert.
  bool requestCert = false;
  bool authorized = false;
  std::string authorizationError;
  /// Ciphertext still owed to the peer (records the previous driver produced but did not
  /// write): written on `tcp` before anything the new socket writes.
  Buffer pendingOutput;
};

/// A server-side TLSSocket, open and secure (no "secureConnect", no handshake timer), reading
/// from `session.tcp` from now on. Plaintext decrypted before the adoption is not replayed: the
/// caller hands it over itself (the HTTP server's `head`). Throws std::bad_alloc.
std::shared_ptr<TLSSocket> adoptServerSession(AdoptedSession session);

}  // namespace nx::tls::detail
