// SPDX-License-Identifier: MIT
// Connection over TLS: ciphertext from the socket goes through the engine and the plaintext to
// handleRead(), exactly as a plain read would; the corked output batch is encrypted in one
// SSL_write (one run of records) and leaves in one send. Handshake failures, plain HTTP on the
// TLS port, peers that vanish or stall mid-handshake and rejected client certificates close
// the connection and are reported on Server::onTlsClientError.
#include <openssl/x509.h>
#include <sys/socket.h>
#include <uv.h>

#include <cerrno>
#include <cstring>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "nodexx/core/errors.hpp"
#include "nodexx/http/internal/connection.hpp"
#include "nodexx/http/internal/https_socket.hpp"
#include "nodexx/http/internal/server_impl.hpp"
#include "nodexx/http/internal/write_batch.hpp"
#include "nodexx/net/errors.hpp"

namespace nx::http::detail {

namespace {

std::span<const std::uint8_t> bytesOf(std::string_view s) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace

TlsSocket& Connection::tls() noexcept { return *static_cast<TlsSocket*>(sock_); }

void Connection::receiveTls(ssize_t nread, const char* data) {
  if (closing_) return;
  TlsSocket& t = tls();
  if (nread < 0) {
    if (t.secure) {
      handleRead(nread, data);
      return;
    }
    // Node's https.Server reports a client that disconnects mid-handshake this way.
    eof_ = true;
    tlsClientError(net::codes::kTlsSocketDisconnected, "socket hang up");
    destroy();
    return;
  }
  // The engine copies the ciphertext in before it decrypts, so the plaintext goes into the
  // thread's read buffer (where `data` usually is): no allocation per read. Plaintext is never
  // longer than the ciphertext it comes from, so a read fits unless records carried over
  // from the previous read add to a full one.
  WriteBatch& shared = WriteBatch::current();
  const std::span<std::uint8_t> room(reinterpret_cast<std::uint8_t*>(shared.readBuffer),
                                     sizeof shared.readBuffer);
  std::ptrdiff_t n =
      t.engine.receive(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(data),
                                                     static_cast<std::size_t>(nread)),
                       room);
  // A full buffer may be all there is (four whole records fill it exactly): a small probe
  // tells, and only plaintext beyond the buffer is joined into a string.
  std::string more;
  if (n == static_cast<std::ptrdiff_t>(room.size())) {
    std::uint8_t probe[4096];
    std::ptrdiff_t m = t.engine.receive({}, probe);
    if (m > 0) more.assign(shared.readBuffer, room.size());
    while (m > 0) {
      more.append(reinterpret_cast<const char*>(probe), static_cast<std::size_t>(m));
      m = t.engine.receive({}, probe);
    }
    if (m < 0) n = -1;
  }
  // Handshake messages, alerts and resumption tickets go out before anything the plaintext
  // produces (that is encrypted later, so its records follow).
  sendCiphertext();
  if (n < 0) {
    // A failure after the handshake is the peer's protocol error: the connection just closes.
    if (!t.secure) {
      if (t.engine.callbackError()) {
        // What the SNICallback threw, as it was.
        Server* owner = server_.owner;
        if (owner != nullptr && owner->onTlsClientError.listenerCount() > 0) {
          owner->onTlsClientError.emit(t.engine.callbackError());
        }
      } else {
        const std::string& reason = t.engine.error();
        tlsClientError(tls::detail::sslErrorCode(reason), reason);
      }
    }
    destroy();
    return;
  }
  if (!closing_ && !t.secure && t.engine.isHandshakeDone()) handshakeCompleted();
  if (!closing_ && !more.empty()) {
    handleRead(static_cast<ssize_t>(more.size()), more.data());
  } else if (!closing_ && n > 0) {
    handleRead(n, shared.readBuffer);
  }
  // close_notify: the end of the request stream, as a FIN is on a plain socket.
  if (!closing_ && t.engine.peerClosed()) handleRead(UV_EOF, data);
}

bool Connection::handshakeCompleted() {
  TlsSocket& t = tls();
  t.secure = true;
  const TlsServerState& state = *server_.tls;
  if (state.requestCert) {
    // The verification result is read after the handshake, as Node does: the context accepts
    // any certificate during it, so that rejectUnauthorized false can still serve the client.
    std::string code;
    std::string message;
    const long v = t.engine.verifyResult();
    X509* peer = t.engine.peerCertificate();
    if (v != X509_V_OK) {
      code = std::string(tls::detail::verifyErrorCode(v));
      message = tls::detail::verifyErrorMessage(v);
    } else if (peer == nullptr) {
      code = "UNABLE_TO_GET_ISSUER_CERT";  // Node's report of a client that sent none
      message = tls::detail::verifyErrorMessage(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT);
    }
    X509_free(peer);
    t.authorized = code.empty();
    t.authorizationError = code;
    if (!code.empty() && state.rejectUnauthorized) {
      tlsClientError(code, std::move(message));
      destroy();
      return false;
    }
  }
  // The handshake may have run against a shorter handshakeTimeout; the request head's
  // deadline counts from the accept.
  requestStart_ = t.acceptedAt;
  setDeadline(DeadlineKind::Headers,
              t.acceptedAt + static_cast<std::uint64_t>(server_.options.headersTimeout.count()));
  return true;
}

bool Connection::handshakeExpired() {
  if (tls().secure) return false;
  tlsClientError(net::codes::kTlsHandshakeTimeout, "TLS handshake timeout");
  destroy();
  return true;
}

void Connection::tlsClientError(std::string_view code, std::string message) {
  Server* owner = server_.owner;
  if (owner == nullptr || owner->onTlsClientError.listenerCount() == 0) return;
  owner->onTlsClientError.emit(
      std::make_exception_ptr(SystemError(std::string(code), std::move(message))));
}

void Connection::flushTls(std::string_view plaintext) {
  WriteBatch& batch = WriteBatch::current();
  if (!out_.empty()) {
    // Handshake output is still waiting for the socket: this goes behind it.
    tlsPlain_.append(plaintext);
    batch.clear();
    return;
  }
  encryptAndSend(plaintext);
  batch.clear();
  if (closing_ || !out_.empty()) return;
  afterFlush();
}

void Connection::drainTlsPlain() {
  std::string plaintext;
  plaintext.swap(tlsPlain_);
  encryptAndSend(plaintext);
}

void Connection::encryptAndSend(std::string_view plaintext) {
  // Everything one read produced is usually one slice: one SSL_write (full-size records) and
  // one send. Larger output goes in slices, so that the engine's output buffer (which never
  // shrinks) and the copies stay bounded, and what the socket does not take waits as
  // plaintext instead of being encrypted ahead of it.
  constexpr std::size_t kSlice = 64 * 1024;
  while (!plaintext.empty()) {
    const std::string_view slice = plaintext.substr(0, kSlice);
    if (!tls().engine.send(bytesOf(slice))) {
      destroy();
      return;
    }
    plaintext.remove_prefix(slice.size());
    if (!sendCiphertext()) return;
    if (!out_.empty()) {
      tlsPlain_.append(plaintext);
      return;
    }
  }
}

bool Connection::sendCiphertext() {
  if (closing_) return false;  // the descriptor is closed (and its number may be reused)
  // Sent from the engine's output buffer itself: no copy and no allocation unless the socket
  // is full.
  tls::detail::TlsEngine& engine = tls().engine;
  const std::span<const std::uint8_t> c = engine.peekOutput();
  if (c.empty()) return true;
  if (!out_.empty()) {
    out_.append(reinterpret_cast<const char*>(c.data()), c.size());
    engine.consumeOutput(c.size());
    return true;
  }
  ssize_t n = sendSome(sock_->fd(), c.data(), c.size());
  if (n < 0) {
    destroy();
    return false;
  }
  if (static_cast<std::size_t>(n) < c.size()) {
    out_.assign(reinterpret_cast<const char*>(c.data()) + n,
                c.size() - static_cast<std::size_t>(n));
    outOff_ = 0;
    updateReading();  // wait for the socket to be writable
  }
  engine.consumeOutput(c.size());
  return true;
}

}  // namespace nx::http::detail
