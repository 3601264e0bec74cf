// SPDX-License-Identifier: MIT
// A TLS connection as a pure byte transformer over OpenSSL memory BIOs: ciphertext in →
// plaintext out, plaintext in → ciphertext out, with the handshake state and close_notify.
// It does no I/O, so tls::TLSSocket drives it over a TCP socket and the HTTP server can drive
// it over its own connection for HTTPS. Never included by public headers.
#pragma once

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "nodexx/core/buffer.hpp"

namespace nx::tls::detail {

/// One TLS connection. Not copyable or movable (OpenSSL keeps a pointer to it for the ALPN
/// callback). Loop-affine like the socket that drives it.
///
/// Driving it: pass every chunk read from the network to receive(), and after every call to
/// receive(), send() or shutdown() write takeOutput() (when not empty) to the network. A
/// client starts the handshake with startHandshake() (then flushes its output).
class TlsEngine {
 public:
  enum class Role { Client, Server };

  /// `ctx` is shared (OpenSSL counts references); the engine takes one for its lifetime.
  TlsEngine(SSL_CTX* ctx, Role role);
  ~TlsEngine();
  TlsEngine(const TlsEngine&) = delete;
  TlsEngine& operator=(const TlsEngine&) = delete;

  /// Client: the SNI name sent in the ClientHello (not sent for an IP literal or "").
  void setServername(std::string_view name);
  /// Client: the ALPN protocols offered, in preference order. Returns false when a name is
  /// empty or longer than 255 bytes.
  bool setAlpnProtocols(std::span<const std::string> protocols);
  /// Client: queues the ClientHello in the output.
  void startHandshake();

  /// Feeds ciphertext from the network (copied: the caller may reuse its memory at once, even
  /// for `plaintext`), drives the handshake, and decrypts into `plaintext` as much as fits.
  /// Returns the number of plaintext bytes written, or -1 on a fatal TLS error (see error();
  /// output may then still hold an alert for the peer). A return equal to plaintext.size()
  /// means more may be waiting: call again with no ciphertext. Allocates nothing itself
  /// (OpenSSL's BIO and record buffers keep their size between calls).
  std::ptrdiff_t receive(std::span<const std::uint8_t> ciphertext,
                         std::span<std::uint8_t> plaintext);
  /// receive() into owned Buffers, appended to `plaintext`, each sized to its data (for
  /// readers that keep the chunks): the plaintext is decrypted into a per-thread scratch
  /// buffer and copied out, one Buffer per 64 KiB. Returns false on a fatal TLS error.
  bool receive(std::span<const std::uint8_t> ciphertext, std::vector<Buffer>& plaintext);
  /// Encrypts `plaintext` into the output; before the handshake completes, it is queued and
  /// encrypted when it does. Returns false on a fatal error.
  bool send(std::span<const std::uint8_t> plaintext);
  /// Queues close_notify (Node's socket.end() on a TLS socket sends it before the FIN).
  void shutdown();

  /// The ciphertext waiting to go to the network (empty when none); takes it.
  Buffer takeOutput();
  /// The ciphertext waiting to go to the network, without taking it (valid until the next
  /// call on the engine); consumeOutput() what was written.
  std::span<const std::uint8_t> peekOutput() const noexcept;
  /// Drops the first `n` bytes of the output (n <= peekOutput().size()).
  void consumeOutput(std::size_t n) noexcept;
  bool hasOutput() const noexcept;

  bool isHandshakeDone() const noexcept { return handshakeDone_; }
  /// True once the handshake completed during the last receive() (cleared by the next call).
  bool handshakeJustCompleted() const noexcept { return justCompleted_; }
  /// True once the peer's close_notify arrived.
  bool peerClosed() const noexcept { return peerClosed_; }
  /// OpenSSL's reason for the last fatal error, e.g. "tlsv1 alert unknown ca".
  const std::string& error() const noexcept { return error_; }
  /// The exception a server's SNI callback threw (it failed the handshake), else null.
  std::exception_ptr callbackError() const noexcept;
  /// For callbacks inside OpenSSL (SNI): records on `ssl` what fails the handshake. Costs a
  /// connection nothing until it is used.
  static void setCallbackError(SSL* ssl, std::exception_ptr e) noexcept;

  /// X509_V_OK, or the chain verification failure (valid after the handshake).
  long verifyResult() const noexcept;
  /// The negotiated ALPN protocol; empty when none.
  std::string alpnProtocol() const;
  /// Server: the SNI name the client sent; empty when none.
  std::string servername() const;
  /// The negotiated protocol version ("TLSv1.3").
  std::string protocol() const;
  /// The peer's leaf certificate (a new reference, free with X509_free), or null.
  X509* peerCertificate() const noexcept;
  SSL* ssl() const noexcept { return ssl_; }

 private:
  bool handshake();
  std::ptrdiff_t decrypt(std::span<std::uint8_t> plaintext);
  bool fail();

  SSL* ssl_ = nullptr;
  BIO* in_ = nullptr;            // network → OpenSSL (owned by ssl_)
  BIO* out_ = nullptr;           // OpenSSL → network (owned by ssl_)
  std::vector<Buffer> pending_;  // plaintext written before the handshake completed
  std::string error_;
  bool handshakeDone_ = false;
  bool justCompleted_ = false;
  bool peerClosed_ = false;
  bool failed_ = false;
};

/// Node's err.code for an X509_V_ERR_* value ("DEPTH_ZERO_SELF_SIGNED_CERT") and OpenSSL's
/// message for it ("self-signed certificate").
std::string_view verifyErrorCode(long x509Error) noexcept;
std::string verifyErrorMessage(long x509Error);

/// Node's code for an OpenSSL reason: "tlsv1 alert unknown ca" → "ERR_SSL_TLSV1_ALERT_UNKNOWN_CA".
std::string sslErrorCode(std::string_view reason);

/// The whole OpenSSL error queue as one reason string (cleared afterwards); `fallback` when
/// the queue is empty.
std::string takeOpenSslError(std::string_view fallback);

}  // namespace nx::tls::detail
