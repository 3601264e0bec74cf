// SPDX-License-Identifier: MIT
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "nodexx/core/buffer.hpp"

namespace nx::tls {

namespace detail {
struct SecureContextImpl;
}  // namespace detail

/// PEM text for a key, a certificate (chain) or CA certificates: built from a std::string,
/// a string literal or a Buffer, as Node accepts strings and Buffers. Holds its own copy.
class Pem {
 public:
  Pem() = default;
  Pem(std::string text) : text_(std::move(text)) {}      // NOLINT(google-explicit-constructor)
  Pem(std::string_view text) : text_(text) {}            // NOLINT(google-explicit-constructor)
  Pem(const char* text) : text_(text) {}                 // NOLINT(google-explicit-constructor)
  Pem(const Buffer& bytes) : text_(bytes.byteView()) {}  // NOLINT(google-explicit-constructor)
  const std::string& text() const noexcept { return text_; }
  bool empty() const noexcept { return text_.empty(); }

 private:
  std::string text_;
};

/// Options of createSecureContext(), as Node's tls.createSecureContext. tls::ServerOptions,
/// tls::ConnectOptions and https::ServerOptions derive from it, so every field below is
/// theirs too. Checked when the context is built (createSecureContext, tls::Server,
/// tls::connect, https::Server): the errors below are thrown then.
struct SecureContextOptions {
  /// The private key (PEM; PKCS#8 or traditional, unencrypted). Required for servers.
  Pem key;
  /// The certificate, optionally followed by its intermediates (PEM). Required for servers.
  Pem cert;
  /// Trusted CA certificates (each Pem may hold several). Empty: the system's store
  /// (SSL_CTX_set_default_verify_paths), as Node's default root set.
  std::vector<Pem> ca;
  /// The lowest and highest protocol versions allowed: "TLSv1.3", "TLSv1.2", "TLSv1.1" or
  /// "TLSv1" (the last two also need "@SECLEVEL=0" in `ciphers`, as in Node 20). Empty: Node
  /// 20's defaults, "TLSv1.2" and "TLSv1.3". Anything else throws TypeError
  /// ERR_TLS_INVALID_PROTOCOL_VERSION ("\"TLSv1.5\" is not a valid minimum TLS protocol
  /// version"). A minimum above the maximum is accepted, as Node, and fails every handshake.
  std::string minVersion;
  std::string maxVersion;
  /// OpenSSL cipher list, colon-separated ("ECDHE-RSA-AES128-GCM-SHA256:TLS_AES_128_GCM_SHA256").
  /// As Node, names starting with "TLS_" are TLS 1.3 suites and set the 1.3 list; the others
  /// set the TLS 1.2 list. Only 1.3 suites given: the minimum version becomes TLSv1.3; only
  /// 1.2 ciphers: the 1.3 suites stay OpenSSL's defaults (as Node 20 does). Empty: OpenSSL's
  /// defaults. A list that selects nothing throws SystemError ERR_SSL_NO_CIPHER_MATCH ("no
  /// cipher match"); one with no names at all (":") TypeError ERR_INVALID_ARG_VALUE.
  std::string ciphers;
  /// Servers: choose the cipher by the server's order, not the client's (Node's
  /// honorCipherOrder; default false).
  bool honorCipherOrder = false;
  /// Key-exchange groups, colon-separated ("X25519:P-256"), Node's ecdhCurve. Empty or "auto":
  /// OpenSSL's defaults. An unknown name throws SystemError ERR_CRYPTO_OPERATION_FAILED
  /// ("Failed to set ECDH curve").
  std::string ecdhCurve;
  /// Servers: seconds after which a session ticket or cached session can no longer resume a
  /// session (Node's sessionTimeout; default 300, OpenSSL's and Node's). Outside
  /// [0, 2147483647] throws RangeError ERR_OUT_OF_RANGE.
  long long sessionTimeout = 300;
};

/// A configured TLS context (OpenSSL SSL_CTX) shared by many connections, as Node's
/// SecureContext. Copies share it. Thread: any, after construction (OpenSSL contexts are
/// thread-safe for this use), but connections built on it are loop-affine.
class SecureContext {
 public:
  SecureContext() = default;
  explicit operator bool() const noexcept { return static_cast<bool>(impl_); }
  /// For the net module's glue.
  detail::SecureContextImpl* impl() const noexcept { return impl_.get(); }
  explicit SecureContext(std::shared_ptr<detail::SecureContextImpl> impl) noexcept
      : impl_(std::move(impl)) {}

 private:
  // Shared: every connection made from the context keeps it alive (Node's object semantics).
  std::shared_ptr<detail::SecureContextImpl> impl_;
};

/// Builds a context. Throws SystemError ERR_TLS_INVALID_CONTEXT (with OpenSSL's reason in the
/// message) for PEM text that does not parse or a key that does not match the certificate.
SecureContext createSecureContext(const SecureContextOptions& options);

/// Node's tlsSocket.getCipher(): the negotiated cipher suite.
struct Cipher {
  /// OpenSSL's name: "ECDHE-RSA-AES128-GCM-SHA256", "TLS_AES_256_GCM_SHA384".
  std::string name;
  /// The IANA name: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256".
  std::string standardName;
  /// The lowest protocol version that defines the suite: "TLSv1.2", "TLSv1.3".
  std::string version;
};

/// The fields of a certificate that Node's getPeerCertificate() returns, same names.
struct PeerCertificate {
  /// Subject and issuer attributes by short name: {"CN": "localhost", "O": "Acme"}.
  std::map<std::string, std::string> subject;
  std::map<std::string, std::string> issuer;
  /// The subjectAltName extension as Node prints it: "DNS:localhost, IP Address:127.0.0.1".
  std::string subjectaltname;
  /// Validity bounds as OpenSSL prints them: "Nov 22 09:51:47 2026 GMT".
  std::string valid_from;
  std::string valid_to;
  /// SHA-256 of the DER encoding, upper-case hex bytes joined by ':'.
  std::string fingerprint256;
  /// Upper-case hex.
  std::string serialNumber;
  /// True for the certificate of a peer that sent none.
  bool empty() const noexcept { return fingerprint256.empty(); }
};

}  // namespace nx::tls
