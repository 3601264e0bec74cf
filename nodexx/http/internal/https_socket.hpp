// SPDX-License-Identifier: MIT
// The socket of an HTTPS server's connection: the plain server's Socket (poll handle, deadline,
// list links) followed by the TLS engine that turns its ciphertext into the plaintext the
// Connection parses, and back. Only https_*.cpp include this (it brings OpenSSL's headers);
// the rest of the server sees a Socket whose `tls` flag is set.
#pragma once

#include <cstdint>
#include <string>

#include "nodexx/http/internal/connection.hpp"
#include "nodexx/net/internal/tls_engine.hpp"

namespace nx::http::detail {

struct TlsSocket final : Socket {
  /// `ctx` is the server's context (the engine takes a reference). Throws std::bad_alloc.
  TlsSocket(ServerImpl& s, SSL_CTX* ctx, std::uint64_t now);

  tls::detail::TlsEngine engine;
  /// uv_now() at the accept: the request head's deadline counts from here.
  std::uint64_t acceptedAt;
  /// Node's tlsSocket.authorizationError: why the client's certificate did not verify
  /// (requestCert only); empty when it did or was not asked for.
  std::string authorizationError;
  /// The handshake completed and the client was accepted (handshakeCompleted() ran).
  bool secure = false;
  /// Node's tlsSocket.authorized: requestCert was set and the client's certificate verified.
  bool authorized = false;
};

}  // namespace nx::http::detail
