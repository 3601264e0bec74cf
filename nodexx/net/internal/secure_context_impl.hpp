// SPDX-License-Identifier: MIT
// The OpenSSL side of tls::SecureContext. Never included by public headers.
#pragma once

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nodexx/net/secure_context.hpp"

namespace nx::tls::detail {

struct SecureContextImpl {
  SecureContextImpl() = default;
  SecureContextImpl(const SecureContextImpl&) = delete;
  SecureContextImpl& operator=(const SecureContextImpl&) = delete;
  ~SecureContextImpl() { SSL_CTX_free(ctx); }

  SSL_CTX* ctx = nullptr;
  std::string alpnWire;  // server: the protocols it accepts, in preference order (wire format)

  // Servers: what SNI contexts built from options get (the server's own settings).
  bool requestCert = false;
  std::vector<std::string> alpn;
  // Servers: Node's addContext() list (the last match wins) and SNICallback (replaces the
  // list). Installed on `ctx` by enableSni(); read during handshakes on the loop thread.
  std::vector<std::pair<std::string, SecureContext>> sniContexts;
  std::function<SecureContext(std::string_view)> sniCallback;
};

/// Builds an SSL_CTX for a client or a server. Peer verification never fails the handshake:
/// as in Node, the result is read afterwards (authorized / authorizationError) and the
/// connection is rejected then when rejectUnauthorized is set. `requestCert` (servers) asks
/// clients for a certificate. `alpn` (servers) is the accepted list.
std::shared_ptr<SecureContextImpl> buildContext(const SecureContextOptions& options, bool server,
                                                bool requestCert,
                                                const std::vector<std::string>& alpn);

/// Servers: turns on SNI dispatch for `server` (idempotent): a ClientHello's servername
/// selects a context by `server.sniCallback`, else by `server.sniContexts`; none keeps the
/// default. The selected context's certificate and key (and CAs for client certificates)
/// apply; protocol versions, ciphers, verification mode and ALPN stay the server's, as with
/// Node's SNICallback. A throwing callback fails the handshake (its exception is the engine's
/// callbackError()).
void enableSni(SecureContextImpl& server);

/// Node's Server.addContext(hostname, options): builds a server context with the server's
/// ALPN and requestCert, and adds it. Throws TypeError ERR_TLS_REQUIRED_SERVER_NAME for an
/// empty hostname and as createSecureContext for bad options.
void addContext(SecureContextImpl& server, std::string_view hostname,
                const SecureContextOptions& options);
/// The same with a context made by createSecureContext (must hold a key and certificate,
/// else TypeError ERR_INVALID_ARG_VALUE).
void addContext(SecureContextImpl& server, std::string_view hostname, SecureContext context);

/// Node's addContext pattern rule: case-sensitive, '*' matches any run of characters other
/// than '.', so "*.example.com" matches "a.example.com", not "a.b.example.com".
bool servernameMatches(std::string_view pattern, std::string_view servername) noexcept;

/// getCipher() of a connection.
Cipher cipherOf(const SSL* ssl);

/// getPeerCertificate()'s fields of `cert` (may be null: an empty result).
PeerCertificate describeCertificate(X509* cert);

/// Node's checkServerIdentity: an empty string when `cert` matches `host` (DNS name or IP
/// literal), else the reason, e.g. "Host: a.example. is not in the cert's altnames: DNS:b".
std::string checkServerIdentity(std::string_view host, X509* cert);

}  // namespace nx::tls::detail
