// SPDX-License-Identifier: MIT
// The OpenSSL side of tls::SecureContext. Never included by public headers.
#pragma once

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <string>

#include "nodexx/net/secure_context.hpp"

namespace nx::tls::detail {

struct SecureContextImpl {
  SecureContextImpl() = default;
  SecureContextImpl(const SecureContextImpl&) = delete;
  SecureContextImpl& operator=(const SecureContextImpl&) = delete;
  ~SecureContextImpl() { SSL_CTX_free(ctx); }

  SSL_CTX* ctx = nullptr;
  std::string alpnWire;  // server: the protocols it accepts, in preference order (wire format)
};

/// Builds an SSL_CTX for a client or a server. Peer verification never fails the handshake:
/// as in Node, the result is read afterwards (authorized / authorizationError) and the
/// connection is rejected then when rejectUnauthorized is set. `requestCert` (servers) asks
/// clients for a certificate. `alpn` (servers) is the accepted list.
std::shared_ptr<SecureContextImpl> buildContext(const SecureContextOptions& options, bool server,
                                                bool requestCert,
                                                const std::vector<std::string>& alpn);

/// getPeerCertificate()'s fields of `cert` (may be null: an empty result).
PeerCertificate describeCertificate(X509* cert);

/// Node's checkServerIdentity: an empty string when `cert` matches `host` (DNS name or IP
/// literal), else the reason, e.g. "Host: a.example. is not in the cert's altnames: DNS:b".
std::string checkServerIdentity(std::string_view host, X509* cert);

}  // namespace nx::tls::detail
