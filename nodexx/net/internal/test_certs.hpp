// SPDX-License-Identifier: MIT
// Test support: certificates made at run time with OpenSSL's API, so the repository holds no
// key material and tests download nothing. Header-only; used by the net tests, the node
// interop tests (which write the PEMs to a temporary folder) and the examples.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace nx::tls::testing {

/// A key and its certificate, both PEM.
struct KeyPair {
  std::string key;
  std::string cert;
};

/// What to put in a generated certificate.
struct CertSpec {
  std::string commonName = "localhost";
  /// subjectAltName entries, OpenSSL syntax: "DNS:localhost", "IP:127.0.0.1".
  std::vector<std::string> altNames = {"DNS:localhost", "IP:127.0.0.1"};
  bool isCa = false;
  /// Validity relative to now, in seconds.
  long notBefore = -3600;
  long notAfter = 30L * 24 * 3600;
};

namespace detail {

inline std::string toPem(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return out;
}

inline std::string toPem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return out;
}

inline void addExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) throw std::runtime_error("bad extension " + value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

}  // namespace detail

/// A new P-256 key and a certificate for `spec`, signed by `issuer` (self-signed when null).
/// Throws std::runtime_error if OpenSSL fails.
inline KeyPair makeCertificate(const CertSpec& spec, const KeyPair* issuer = nullptr) {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (key == nullptr) throw std::runtime_error("keygen failed");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert), spec.notBefore);
  X509_gmtime_adj(X509_getm_notAfter(cert), spec.notAfter);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(spec.commonName.c_str()), -1,
                             -1, 0);

  X509* issuerCert = cert;
  EVP_PKEY* issuerKey = key;
  if (issuer != nullptr) {
    BIO* cb = BIO_new_mem_buf(issuer->cert.data(), static_cast<int>(issuer->cert.size()));
    issuerCert = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
    BIO_free(cb);
    BIO* kb = BIO_new_mem_buf(issuer->key.data(), static_cast<int>(issuer->key.size()));
    issuerKey = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
    BIO_free(kb);
    if (issuerCert == nullptr || issuerKey == nullptr) throw std::runtime_error("bad issuer");
  }
  X509_set_issuer_name(cert, X509_get_subject_name(issuerCert));
  detail::addExtension(cert, issuerCert, NID_basic_constraints,
                       spec.isCa ? "critical,CA:TRUE" : "CA:FALSE");
  detail::addExtension(
      cert, issuerCert, NID_key_usage,
      spec.isCa ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature,keyEncipherment");
  detail::addExtension(cert, issuerCert, NID_subject_key_identifier, "hash");
  if (issuer != nullptr) {
    detail::addExtension(cert, issuerCert, NID_authority_key_identifier, "keyid:always");
  }
  if (!spec.altNames.empty()) {
    std::string san;
    for (const std::string& n : spec.altNames) san += (san.empty() ? "" : ",") + n;
    detail::addExtension(cert, issuerCert, NID_subject_alt_name, san);
  }
  if (X509_sign(cert, issuerKey, EVP_sha256()) == 0) throw std::runtime_error("sign failed");

  KeyPair out{detail::toPem(key), detail::toPem(cert)};
  if (issuer != nullptr) {
    X509_free(issuerCert);
    EVP_PKEY_free(issuerKey);
  }
  X509_free(cert);
  EVP_PKEY_free(key);
  return out;
}

/// A CA, a leaf for localhost/127.0.0.1 signed by it, and a self-signed leaf, made once per
/// process (key generation is the slow part).
struct TestPki {
  KeyPair ca;
  KeyPair leaf;        ///< CN localhost, SAN DNS:localhost, IP:127.0.0.1, signed by ca
  KeyPair selfSigned;  ///< the same names, self-signed
  KeyPair expired;     ///< signed by ca, validity ended an hour ago
  /// For SNI tests, signed by ca like `leaf` (made the same way: makeCertificate with a
  /// CertSpec naming the hosts): CN *.example.com, SAN DNS:*.example.com; and CN
  /// other.test, SAN DNS:other.test.
  KeyPair wildcard;
  KeyPair other;
  static const TestPki& get() {
    static const TestPki pki = [] {
      TestPki p;
      CertSpec caSpec;
      caSpec.commonName = "nodexx test CA";
      caSpec.altNames = {};
      caSpec.isCa = true;
      p.ca = makeCertificate(caSpec);
      p.leaf = makeCertificate(CertSpec{}, &p.ca);
      p.selfSigned = makeCertificate(CertSpec{});
      CertSpec old;
      old.notBefore = -7200;
      old.notAfter = -3600;
      p.expired = makeCertificate(old, &p.ca);
      CertSpec wildcard;
      wildcard.commonName = "*.example.com";
      wildcard.altNames = {"DNS:*.example.com"};
      p.wildcard = makeCertificate(wildcard, &p.ca);
      CertSpec other;
      other.commonName = "other.test";
      other.altNames = {"DNS:other.test"};
      p.other = makeCertificate(other, &p.ca);
      return p;
    }();
    return pki;
  }
};

}  // namespace nx::tls::testing
