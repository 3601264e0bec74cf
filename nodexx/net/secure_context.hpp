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

/// Options of createSecureContext(), as Node's tls.createSecureContext.
struct SecureContextOptions {
  /// The private key (PEM; PKCS#8 or traditional, unencrypted). Required for servers.
  Pem key;
  /// The certificate, optionally followed by its intermediates (PEM). Required for servers.
  Pem cert;
  /// Trusted CA certificates (each Pem may hold several). Empty: the system's store
  /// (SSL_CTX_set_default_verify_paths), as Node's default root set.
  std::vector<Pem> ca;
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
