// SPDX-License-Identifier: MIT
#include "nodexx/net/secure_context.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdio>

#include "nodexx/net/dns.hpp"
#include "nodexx/net/errors.hpp"
#include "nodexx/net/internal/secure_context_impl.hpp"
#include "nodexx/net/internal/tls_engine.hpp"

namespace nx::tls {

namespace detail {

namespace {

[[noreturn]] void throwContextError(std::string_view what) {
  throw SystemError(std::string(net::codes::kTlsInvalidSecureContext),
                    std::string(what) + ": " + takeOpenSslError("invalid PEM data"));
}

struct BioDeleter {
  void operator()(BIO* b) const noexcept { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

BioPtr memoryBio(const std::string& text) {
  BioPtr b(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  if (!b) throw std::bad_alloc();
  return b;
}

// Every certificate in `pem`, in order; throws when there is none or one does not parse.
std::vector<X509*> readCertificates(const std::string& pem, std::string_view what) {
  std::vector<X509*> out;
  BioPtr bio = memoryBio(pem);
  ERR_clear_error();
  while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) out.push_back(x);
  // The loop ends with "no start line" at the end of the text; only a parse error before
  // any certificate, or a broken one after some, is a failure.
  const unsigned long e = ERR_peek_last_error();
  if (out.empty() || (e != 0 && ERR_GET_REASON(e) != PEM_R_NO_START_LINE)) {
    for (X509* x : out) X509_free(x);
    throwContextError(what);
  }
  ERR_clear_error();
  return out;
}

int acceptAnyPeer(int, X509_STORE_CTX*) { return 1; }

int selectAlpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
               unsigned inlen, void* arg) {
  const auto* impl = static_cast<const SecureContextImpl*>(arg);
  const auto* server = reinterpret_cast<const unsigned char*>(impl->alpnWire.data());
  unsigned char* selected = nullptr;
  // Server preference order, as Node: the first of the server's protocols the client offers.
  if (SSL_select_next_proto(&selected, outlen, server, static_cast<unsigned>(impl->alpnWire.size()),
                            in, inlen) != OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_ALERT_FATAL;  // no_application_protocol, as Node 20
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace

std::shared_ptr<SecureContextImpl> buildContext(const SecureContextOptions& options, bool server,
                                                bool requestCert,
                                                const std::vector<std::string>& alpn) {
  auto impl = std::make_shared<SecureContextImpl>();
  impl->ctx = SSL_CTX_new(TLS_method());
  if (impl->ctx == nullptr) throw std::bad_alloc();
  SSL_CTX* ctx = impl->ctx;
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);  // Node 20's default minimum

  if (!options.cert.empty()) {
    std::vector<X509*> chain = readCertificates(options.cert.text(), "cert");
    const int ok = SSL_CTX_use_certificate(ctx, chain[0]);
    X509_free(chain[0]);
    for (std::size_t i = 1; i < chain.size(); ++i) SSL_CTX_add0_chain_cert(ctx, chain[i]);
    if (ok != 1) throwContextError("cert");
  }
  if (!options.key.empty()) {
    BioPtr bio = memoryBio(options.key.text());
    ERR_clear_error();
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
    if (key == nullptr) throwContextError("key");
    const int ok = SSL_CTX_use_PrivateKey(ctx, key);
    EVP_PKEY_free(key);
    if (ok != 1) throwContextError("key");
    if (!options.cert.empty() && SSL_CTX_check_private_key(ctx) != 1) {
      throwContextError("key does not match cert");
    }
  }
  if (server && (options.key.empty() || options.cert.empty())) {
    throw SystemError(std::string(net::codes::kTlsInvalidSecureContext),
                      "A TLS server needs both key and cert");
  }

  if (options.ca.empty()) {
    SSL_CTX_set_default_verify_paths(ctx);
  } else {
    X509_STORE* store = SSL_CTX_get_cert_store(ctx);
    for (const Pem& pem : options.ca) {
      for (X509* x : readCertificates(pem.text(), "ca")) {
        X509_STORE_add_cert(store, x);
        if (server) SSL_CTX_add_client_CA(ctx, x);
        X509_free(x);
      }
    }
  }

  if (!server || requestCert) SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, acceptAnyPeer);
  if (server) {
    static const unsigned char kSessionContext[] = "nodexx";
    SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof kSessionContext - 1);
    for (const std::string& p : alpn) {
      if (p.empty() || p.size() > 255) {
        throw net::TypeError("ERR_INVALID_ARG_VALUE",
                             "The argument 'ALPNProtocols' has an invalid protocol name");
      }
      impl->alpnWire.push_back(static_cast<char>(p.size()));
      impl->alpnWire += p;
    }
    if (!impl->alpnWire.empty()) SSL_CTX_set_alpn_select_cb(ctx, selectAlpn, impl.get());
  }
  return impl;
}

namespace {

std::map<std::string, std::string> nameFields(X509_NAME* name) {
  std::map<std::string, std::string> out;
  if (name == nullptr) return out;
  for (int i = 0; i < X509_NAME_entry_count(name); ++i) {
    X509_NAME_ENTRY* e = X509_NAME_get_entry(name, i);
    const int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e));
    const char* key = nid != NID_undef ? OBJ_nid2sn(nid) : "UNDEF";
    unsigned char* utf8 = nullptr;
    const int len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
    if (len < 0) continue;
    out[key] = std::string(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(len));
    OPENSSL_free(utf8);
  }
  return out;
}

std::string timeText(const ASN1_TIME* t) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || ASN1_TIME_print(bio.get(), t) != 1) return {};
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

// The SAN entries as Node prints them ("DNS:a, IP Address:127.0.0.1"), and split by kind.
std::string altNames(X509* cert, std::vector<std::string>* dns, std::vector<std::string>* ips) {
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  std::string out;
  if (names == nullptr) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
    std::string entry;
    if (n->type == GEN_DNS) {
      std::string v(reinterpret_cast<const char*>(ASN1_STRING_get0_data(n->d.dNSName)),
                    static_cast<std::size_t>(ASN1_STRING_length(n->d.dNSName)));
      if (dns != nullptr) dns->push_back(v);
      entry = "DNS:" + v;
    } else if (n->type == GEN_IPADD) {
      const int len = ASN1_STRING_length(n->d.iPAddress);
      const unsigned char* p = ASN1_STRING_get0_data(n->d.iPAddress);
      char text[64] = {0};
      if (len == 4) {
        std::snprintf(text, sizeof text, "%u.%u.%u.%u", p[0], p[1], p[2], p[3]);
      } else if (len == 16) {
        // OpenSSL and Node print IPv6 SANs as eight upper-case groups.
        std::snprintf(text, sizeof text, "%X:%X:%X:%X:%X:%X:%X:%X", (p[0] << 8) | p[1],
                      (p[2] << 8) | p[3], (p[4] << 8) | p[5], (p[6] << 8) | p[7],
                      (p[8] << 8) | p[9], (p[10] << 8) | p[11], (p[12] << 8) | p[13],
                      (p[14] << 8) | p[15]);
      }
      if (ips != nullptr) ips->push_back(text);
      entry = std::string("IP Address:") + text;
    } else if (n->type == GEN_URI) {
      entry =
          "URI:" +
          std::string(
              reinterpret_cast<const char*>(ASN1_STRING_get0_data(n->d.uniformResourceIdentifier)),
              static_cast<std::size_t>(ASN1_STRING_length(n->d.uniformResourceIdentifier)));
    } else if (n->type == GEN_EMAIL) {
      entry = "email:" +
              std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(n->d.rfc822Name)),
                          static_cast<std::size_t>(ASN1_STRING_length(n->d.rfc822Name)));
    } else {
      continue;
    }
    if (!out.empty()) out += ", ";
    out += entry;
  }
  GENERAL_NAMES_free(names);
  return out;
}

}  // namespace

PeerCertificate describeCertificate(X509* cert) {
  PeerCertificate c;
  if (cert == nullptr) return c;
  c.subject = nameFields(X509_get_subject_name(cert));
  c.issuer = nameFields(X509_get_issuer_name(cert));
  c.subjectaltname = altNames(cert, nullptr, nullptr);
  c.valid_from = timeText(X509_get0_notBefore(cert));
  c.valid_to = timeText(X509_get0_notAfter(cert));
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  if (X509_digest(cert, EVP_sha256(), md, &len) == 1) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (unsigned i = 0; i < len; ++i) {
      if (i != 0) c.fingerprint256 += ':';
      c.fingerprint256 += kHex[md[i] >> 4];
      c.fingerprint256 += kHex[md[i] & 15];
    }
  }
  if (BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr)) {
    if (char* hex = BN_bn2hex(bn)) {
      c.serialNumber = hex;
      OPENSSL_free(hex);
    }
    BN_free(bn);
  }
  return c;
}

std::string checkServerIdentity(std::string_view host, X509* cert) {
  if (cert == nullptr) return "Cert is empty";
  std::vector<std::string> dnsNames;
  std::vector<std::string> ips;
  const std::string alt = altNames(cert, &dnsNames, &ips);
  const std::string h(host);
  if (dns::isIP(host) != 0) {
    if (X509_check_ip_asc(cert, h.c_str(), 0) == 1) return {};
    std::string list;
    for (const std::string& ip : ips) list += (list.empty() ? "" : ", ") + ip;
    return "IP: " + h + " is not in the cert's list: " + list;
  }
  // Node checks the subject CN only when the certificate has no subjectAltName at all.
  const unsigned flags =
      alt.empty() ? X509_CHECK_FLAG_ALWAYS_CHECK_SUBJECT : X509_CHECK_FLAG_NEVER_CHECK_SUBJECT;
  if (X509_check_host(cert, h.data(), h.size(), flags | X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS,
                      nullptr) == 1) {
    return {};
  }
  if (!alt.empty()) return "Host: " + h + ". is not in the cert's altnames: " + alt;
  const auto subject = nameFields(X509_get_subject_name(cert));
  const auto cn = subject.find("CN");
  if (cn == subject.end()) return "Cert does not contain a DNS name";
  return "Host: " + h + ". is not cert's CN: " + cn->second;
}

}  // namespace detail

SecureContext createSecureContext(const SecureContextOptions& options) {
  return SecureContext(detail::buildContext(options, false, false, {}));
}

}  // namespace nx::tls
