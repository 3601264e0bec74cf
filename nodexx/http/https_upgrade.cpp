// SPDX-License-Identifier: MIT
// The HTTPS side of the Upgrade/CONNECT hand-over (server_upgrade.cpp does the rest): the TLS
// session moves from the server's socket to a tls::TLSSocket over the adopted descriptor, as
// Node's https.Server gives its 'upgrade' and 'connect' listeners the connection's TLSSocket.
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "nodexx/http/internal/connection.hpp"
#include "nodexx/http/internal/https_socket.hpp"
#include "nodexx/http/internal/server_impl.hpp"
#include "nodexx/net/internal/tls_adopt.hpp"

namespace nx::http::detail {

std::string Connection::encryptOwed(std::string_view corked) {
  // What waited behind unwritten ciphertext (tlsPlain_) is older than what is corked.
  TlsSocket& t = tls();
  std::string plaintext;
  plaintext.swap(tlsPlain_);
  plaintext.append(corked);
  if (!plaintext.empty()) {
    (void)t.engine.send(std::span<const std::uint8_t>(
        reinterpret_cast<const std::uint8_t*>(plaintext.data()), plaintext.size()));
  }
  const Buffer c = t.engine.takeOutput();
  return std::string(c.byteView());
}

std::shared_ptr<stream::Duplex<Buffer, Buffer>> adoptTlsSession(Socket& s,
                                                                std::shared_ptr<net::Socket> tcp,
                                                                std::string ciphertext) {
  auto& t = static_cast<TlsSocket&>(s);
  const TlsServerState& state = *s.server->tls;
  tls::detail::AdoptedSession session;
  session.tcp = std::move(tcp);
  // The engine stays where it is (inside `t`, which OpenSSL's callbacks may point into); the
  // TLSSocket shares it, and `t` is deleted once the TLSSocket lets go of it too.
  s.handOverRefs |= kHandOverEngine;
  session.engine = std::shared_ptr<tls::detail::TlsEngine>(
      &t.engine, [p = &s](tls::detail::TlsEngine*) { handOverDone(p, kHandOverEngine); });
  session.context = state.context;
  session.requestCert = state.requestCert;
  session.authorized = t.authorized;
  session.authorizationError = t.authorizationError;
  session.pendingOutput = Buffer::from(std::span<const std::uint8_t>(
      reinterpret_cast<const std::uint8_t*>(ciphertext.data()), ciphertext.size()));
  return tls::detail::adoptServerSession(std::move(session));
}

}  // namespace nx::http::detail
