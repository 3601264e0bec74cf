// SPDX-License-Identifier: MIT
#include "nodexx/net/internal/tls_engine.hpp"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <new>

#include "nodexx/net/dns.hpp"

namespace nx::tls::detail {

TlsEngine::TlsEngine(SSL_CTX* ctx, Role role) {
  ssl_ = SSL_new(ctx);
  if (ssl_ == nullptr) throw std::bad_alloc();
  in_ = BIO_new(BIO_s_mem());
  out_ = BIO_new(BIO_s_mem());
  if (in_ == nullptr || out_ == nullptr) {
    BIO_free(in_);
    BIO_free(out_);
    SSL_free(ssl_);
    throw std::bad_alloc();
  }
  // An empty memory BIO means "no data yet", not end of file.
  BIO_set_mem_eof_return(in_, -1);
  BIO_set_mem_eof_return(out_, -1);
  SSL_set_bio(ssl_, in_, out_);
  if (role == Role::Client) {
    SSL_set_connect_state(ssl_);
  } else {
    SSL_set_accept_state(ssl_);
  }
}

TlsEngine::~TlsEngine() { SSL_free(ssl_); }

namespace {

void freeCallbackError(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<std::exception_ptr*>(ptr);
}

int callbackErrorIndex() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, freeCallbackError);
  return index;
}

}  // namespace

std::exception_ptr TlsEngine::callbackError() const noexcept {
  const auto* e =
      static_cast<const std::exception_ptr*>(SSL_get_ex_data(ssl_, callbackErrorIndex()));
  return e != nullptr ? *e : nullptr;
}

void TlsEngine::setCallbackError(SSL* ssl, std::exception_ptr e) noexcept {
  const int index = callbackErrorIndex();
  delete static_cast<std::exception_ptr*>(SSL_get_ex_data(ssl, index));
  auto* stored = new (std::nothrow) std::exception_ptr(std::move(e));
  if (SSL_set_ex_data(ssl, index, stored) != 1) delete stored;
}

void TlsEngine::setServername(std::string_view name) {
  if (name.empty() || dns::isIP(name) != 0) return;  // RFC 6066: no IP literals in SNI
  const std::string n(name);
  SSL_set_tlsext_host_name(ssl_, n.c_str());
}

bool TlsEngine::setAlpnProtocols(std::span<const std::string> protocols) {
  std::string wire;
  for (const std::string& p : protocols) {
    if (p.empty() || p.size() > 255) return false;
    wire.push_back(static_cast<char>(p.size()));
    wire += p;
  }
  if (wire.empty()) return true;
  return SSL_set_alpn_protos(ssl_, reinterpret_cast<const unsigned char*>(wire.data()),
                             static_cast<unsigned>(wire.size())) == 0;
}

void TlsEngine::startHandshake() { handshake(); }

std::string takeOpenSslError(std::string_view fallback) {
  std::string out;
  unsigned long e = 0;
  while ((e = ERR_get_error()) != 0) {
    const char* reason = ERR_reason_error_string(e);
    if (!out.empty()) out += "; ";
    if (reason != nullptr) {
      out += reason;
    } else {
      char buf[256];
      ERR_error_string_n(e, buf, sizeof buf);
      out += buf;
    }
  }
  return out.empty() ? std::string(fallback) : out;
}

bool TlsEngine::fail() {
  failed_ = true;
  // The first reason is the root cause ("tlsv1 alert unknown ca"); the rest is context.
  const unsigned long e = ERR_peek_error();
  const char* reason = e != 0 ? ERR_reason_error_string(e) : nullptr;
  error_ = reason != nullptr ? reason : "TLS protocol error";
  ERR_clear_error();
  return false;
}

bool TlsEngine::handshake() {
  if (failed_) return false;
  if (handshakeDone_) return true;
  ERR_clear_error();
  const int r = SSL_do_handshake(ssl_);
  if (r != 1) {
    const int e = SSL_get_error(ssl_, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return true;
    return fail();
  }
  handshakeDone_ = true;
  justCompleted_ = true;
  // Plaintext the user wrote during the handshake goes out now, in order.
  std::vector<Buffer> queued = std::move(pending_);
  pending_.clear();
  for (const Buffer& b : queued) {
    if (!send(b)) return false;
  }
  return true;
}

std::ptrdiff_t TlsEngine::decrypt(std::span<std::uint8_t> plaintext) {
  // Everything the input holds, as far as `plaintext` goes; a record split across reads
  // waits (inside OpenSSL) for the rest.
  std::size_t off = 0;
  while (off < plaintext.size() && !peerClosed_) {
    const std::size_t room = std::min<std::size_t>(plaintext.size() - off, std::size_t{1} << 30);
    ERR_clear_error();
    const int n = SSL_read(ssl_, plaintext.data() + off, static_cast<int>(room));
    if (n > 0) {
      off += static_cast<std::size_t>(n);
      continue;
    }
    const int e = SSL_get_error(ssl_, n);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) break;
    if (e == SSL_ERROR_ZERO_RETURN) {
      peerClosed_ = true;
      break;
    }
    fail();
    return -1;
  }
  return static_cast<std::ptrdiff_t>(off);
}

std::ptrdiff_t TlsEngine::receive(std::span<const std::uint8_t> ciphertext,
                                  std::span<std::uint8_t> plaintext) {
  justCompleted_ = false;
  if (failed_) return -1;
  if (!ciphertext.empty()) {
    // The memory BIO copies it (its buffer keeps its capacity, so this allocates only while
    // it grows), which frees the caller's memory for the plaintext.
    BIO_write(in_, ciphertext.data(), static_cast<int>(ciphertext.size()));
  }
  if (!handshake()) return -1;
  if (!handshakeDone_) return 0;
  return decrypt(plaintext);
}

bool TlsEngine::receive(std::span<const std::uint8_t> ciphertext, std::vector<Buffer>& plaintext) {
  // Decrypting straight into a Buffer would need its size first, and what a read yields is
  // not known in advance (part of a record may already sit inside OpenSSL): decrypt into
  // scratch and copy out exactly what came.
  constexpr std::size_t kScratch = 64 * 1024;
  thread_local std::unique_ptr<std::uint8_t[]> scratch;
  if (!scratch) scratch.reset(new std::uint8_t[kScratch]);
  const std::span<std::uint8_t> out(scratch.get(), kScratch);
  std::ptrdiff_t n = receive(ciphertext, out);
  const bool completed = justCompleted_;
  while (n > 0) {
    plaintext.push_back(
        Buffer::from(std::span<const std::uint8_t>(out.data(), static_cast<std::size_t>(n))));
    if (static_cast<std::size_t>(n) < out.size()) break;
    n = receive({}, out);
  }
  justCompleted_ = completed;
  return n >= 0;
}

bool TlsEngine::send(std::span<const std::uint8_t> plaintext) {
  if (failed_) return false;
  if (plaintext.empty()) return true;
  if (!handshakeDone_) {
    pending_.push_back(Buffer::from(plaintext));
    return true;
  }
  std::size_t off = 0;
  while (off < plaintext.size()) {
    // A memory BIO grows as needed, so SSL_write takes everything (in 1 GiB steps).
    const std::size_t n = std::min<std::size_t>(plaintext.size() - off, std::size_t{1} << 30);
    ERR_clear_error();
    const int r = SSL_write(ssl_, plaintext.data() + off, static_cast<int>(n));
    if (r <= 0) return fail();
    off += static_cast<std::size_t>(r);
  }
  return true;
}

void TlsEngine::shutdown() {
  if (failed_) return;
  ERR_clear_error();
  SSL_shutdown(ssl_);
  ERR_clear_error();
}

bool TlsEngine::hasOutput() const noexcept { return BIO_ctrl_pending(out_) > 0; }

Buffer TlsEngine::takeOutput() {
  const std::size_t n = BIO_ctrl_pending(out_);
  if (n == 0) return {};
  Buffer b = Buffer::allocUnsafe(n);
  const int r = BIO_read(out_, b.data(), static_cast<int>(n));
  return r > 0 ? b.subarray(0, r) : Buffer();
}

std::span<const std::uint8_t> TlsEngine::peekOutput() const noexcept {
  char* data = nullptr;
  const long n = BIO_get_mem_data(out_, &data);
  if (n <= 0 || data == nullptr) return {};
  return {reinterpret_cast<const std::uint8_t*>(data), static_cast<std::size_t>(n)};
}

void TlsEngine::consumeOutput(std::size_t n) noexcept {
  // A memory BIO cannot skip bytes: read them into a sink (cheaper than the encryption that
  // produced them, and no allocation).
  char sink[4096];
  while (n > 0) {
    const int r = BIO_read(out_, sink, static_cast<int>(std::min(n, sizeof sink)));
    if (r <= 0) return;
    n -= static_cast<std::size_t>(r);
  }
}

long TlsEngine::verifyResult() const noexcept { return SSL_get_verify_result(ssl_); }

std::string TlsEngine::alpnProtocol() const {
  const unsigned char* p = nullptr;
  unsigned len = 0;
  SSL_get0_alpn_selected(ssl_, &p, &len);
  return p != nullptr ? std::string(reinterpret_cast<const char*>(p), len) : std::string();
}

std::string TlsEngine::servername() const {
  const char* n = SSL_get_servername(ssl_, TLSEXT_NAMETYPE_host_name);
  return n != nullptr ? std::string(n) : std::string();
}

std::string TlsEngine::protocol() const { return SSL_get_version(ssl_); }

X509* TlsEngine::peerCertificate() const noexcept { return SSL_get1_peer_certificate(ssl_); }

std::string_view verifyErrorCode(long e) noexcept {
  switch (e) {
#define NX_X509_CASE(name) \
  case X509_V_ERR_##name:  \
    return #name;
    NX_X509_CASE(UNABLE_TO_GET_ISSUER_CERT)
    NX_X509_CASE(UNABLE_TO_GET_CRL)
    NX_X509_CASE(UNABLE_TO_DECRYPT_CERT_SIGNATURE)
    NX_X509_CASE(UNABLE_TO_DECRYPT_CRL_SIGNATURE)
    NX_X509_CASE(UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY)
    NX_X509_CASE(CERT_SIGNATURE_FAILURE)
    NX_X509_CASE(CRL_SIGNATURE_FAILURE)
    NX_X509_CASE(CERT_NOT_YET_VALID)
    NX_X509_CASE(CERT_HAS_EXPIRED)
    NX_X509_CASE(CRL_NOT_YET_VALID)
    NX_X509_CASE(CRL_HAS_EXPIRED)
    NX_X509_CASE(ERROR_IN_CERT_NOT_BEFORE_FIELD)
    NX_X509_CASE(ERROR_IN_CERT_NOT_AFTER_FIELD)
    NX_X509_CASE(ERROR_IN_CRL_LAST_UPDATE_FIELD)
    NX_X509_CASE(ERROR_IN_CRL_NEXT_UPDATE_FIELD)
    NX_X509_CASE(OUT_OF_MEM)
    NX_X509_CASE(DEPTH_ZERO_SELF_SIGNED_CERT)
    NX_X509_CASE(SELF_SIGNED_CERT_IN_CHAIN)
    NX_X509_CASE(UNABLE_TO_GET_ISSUER_CERT_LOCALLY)
    NX_X509_CASE(UNABLE_TO_VERIFY_LEAF_SIGNATURE)
    NX_X509_CASE(CERT_CHAIN_TOO_LONG)
    NX_X509_CASE(CERT_REVOKED)
    NX_X509_CASE(INVALID_CA)
    NX_X509_CASE(PATH_LENGTH_EXCEEDED)
    NX_X509_CASE(INVALID_PURPOSE)
    NX_X509_CASE(CERT_UNTRUSTED)
    NX_X509_CASE(CERT_REJECTED)
    NX_X509_CASE(HOSTNAME_MISMATCH)
#undef NX_X509_CASE
    default:
      return "UNSPECIFIED";
  }
}

std::string sslErrorCode(std::string_view reason) {
  std::string code = "ERR_SSL_";
  for (char c : reason) {
    if (c >= 'a' && c <= 'z') {
      code += static_cast<char>(c - 'a' + 'A');
    } else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
      code += c;
    } else {
      code += '_';
    }
  }
  return code;
}

std::string verifyErrorMessage(long e) { return X509_verify_cert_error_string(e); }

}  // namespace nx::tls::detail
