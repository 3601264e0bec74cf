// SPDX-License-Identifier: MIT
#include "nodexx/net/secure_context.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <memory>
#include <string>

#include "nodexx/core/errors.hpp"

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

const std::string& alpnOf(SSL* ssl, const SecureContextImpl& impl);

int selectAlpn(SSL* ssl, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
               unsigned inlen, void* arg) {
  // A connection moved to another context by SNI still answers with its server's list.
  const std::string& wire = alpnOf(ssl, *static_cast<const SecureContextImpl*>(arg));
  if (wire.empty()) return SSL_TLSEXT_ERR_NOACK;
  const auto* server = reinterpret_cast<const unsigned char*>(wire.data());
  unsigned char* selected = nullptr;
  // Server preference order, as Node: the first of the server's protocols the client offers.
  if (SSL_select_next_proto(&selected, outlen, server, static_cast<unsigned>(wire.size()), in,
                            inlen) != OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_ALERT_FATAL;  // no_application_protocol, as Node 20
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

int protocolVersion(const std::string& name, std::string_view which) {
  if (name == "TLSv1.3") return TLS1_3_VERSION;
  if (name == "TLSv1.2") return TLS1_2_VERSION;
  if (name == "TLSv1.1") return TLS1_1_VERSION;
  if (name == "TLSv1") return TLS1_VERSION;
  throw net::TypeError(
      std::string(net::codes::kTlsInvalidProtocolVersion),
      "\"" + name + "\" is not a valid " + std::string(which) + " TLS protocol version");
}

[[noreturn]] void throwNoCipherMatch() {
  ERR_clear_error();
  throw SystemError(std::string(net::codes::kSslNoCipherMatch), "no cipher match");
}

// Node's processCiphers: "TLS_" names are TLS 1.3 suites, the rest the TLS 1.2 list.
void applyCiphers(SSL_CTX* ctx, const std::string& ciphers, int& minVersion, int maxVersion) {
  std::string list;
  std::string suites;
  std::size_t start = 0;
  while (start <= ciphers.size()) {
    std::size_t end = ciphers.find(':', start);
    if (end == std::string::npos) end = ciphers.size();
    const std::string_view name = std::string_view(ciphers).substr(start, end - start);
    if (!name.empty()) {
      std::string& to = name.starts_with("TLS_") ? suites : list;
      if (!to.empty()) to += ':';
      to += name;
    }
    start = end + 1;
  }
  if (list.empty() && suites.empty()) {
    throw net::TypeError(std::string(net::codes::kInvalidArgValue),
                         "The property 'options.ciphers' is invalid. Received '" + ciphers + "'");
  }
  if (!suites.empty() && SSL_CTX_set_ciphersuites(ctx, suites.c_str()) != 1) throwNoCipherMatch();
  if (!list.empty() && SSL_CTX_set_cipher_list(ctx, list.c_str()) != 1) throwNoCipherMatch();
  // Only TLS 1.3 suites: TLS 1.2 would have none, so it is not offered (as Node).
  if (list.empty() && minVersion < TLS1_3_VERSION && maxVersion > TLS1_2_VERSION) {
    minVersion = TLS1_3_VERSION;
  }
}

void applyProtocolOptions(SSL_CTX* ctx, const SecureContextOptions& o) {
  int minVersion = o.minVersion.empty() ? TLS1_2_VERSION : protocolVersion(o.minVersion, "minimum");
  const int maxVersion =
      o.maxVersion.empty() ? TLS1_3_VERSION : protocolVersion(o.maxVersion, "maximum");
  if (!o.ciphers.empty()) applyCiphers(ctx, o.ciphers, minVersion, maxVersion);
  SSL_CTX_set_min_proto_version(ctx, minVersion);
  SSL_CTX_set_max_proto_version(ctx, maxVersion);
  if (o.honorCipherOrder) SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (!o.ecdhCurve.empty() && o.ecdhCurve != "auto" &&
      SSL_CTX_set1_groups_list(ctx, o.ecdhCurve.c_str()) != 1) {
    ERR_clear_error();
    throw SystemError("ERR_CRYPTO_OPERATION_FAILED", "Failed to set ECDH curve");
  }
  if (o.sessionTimeout < 0 || o.sessionTimeout > 2147483647LL) {
    throw RangeError("ERR_OUT_OF_RANGE",
                     "The value of \"options.sessionTimeout\" is out of range. It must be >= 0 "
                     "&& <= 2147483647. Received " +
                         std::to_string(o.sessionTimeout));
  }
  SSL_CTX_set_timeout(ctx, static_cast<long>(o.sessionTimeout));
}

}  // namespace

std::shared_ptr<SecureContextImpl> buildContext(const SecureContextOptions& options, bool server,
                                                bool requestCert,
                                                const std::vector<std::string>& alpn) {
  auto impl = std::make_shared<SecureContextImpl>();
  impl->ctx = SSL_CTX_new(TLS_method());
  if (impl->ctx == nullptr) throw std::bad_alloc();
  SSL_CTX* ctx = impl->ctx;
  impl->requestCert = requestCert;
  impl->alpn = alpn;
  applyProtocolOptions(ctx, options);

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
  // Every context gets the session id context and the ALPN callback, client ones too: a
  // server's SNI may select any context (createSecureContext's included), and its
  // connections need both. A client never calls them.
  static const unsigned char kSessionContext[] = "nodexx";
  SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof kSessionContext - 1);
  SSL_CTX_set_alpn_select_cb(ctx, selectAlpn, impl.get());
  if (server) {
    for (const std::string& p : alpn) {
      if (p.empty() || p.size() > 255) {
        throw net::TypeError("ERR_INVALID_ARG_VALUE",
                             "The argument 'ALPNProtocols' has an invalid protocol name");
      }
      impl->alpnWire.push_back(static_cast<char>(p.size()));
      impl->alpnWire += p;
    }
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

// ---- SNI ----------------------------------------------------------------------------------

namespace {

// What a connection switched to by SNI keeps for its lifetime: the selected context (an
// SNICallback may return one nobody else holds) and the server's ALPN list (the selected
// context's own ALPN callback would answer with its list, which may be empty).
struct SniSelection {
  SecureContext context;
  std::string alpnWire;
};

void freeSelection(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<SniSelection*>(ptr);
}

int selectionIndex() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, freeSelection);
  return index;
}

const SniSelection* selectionOf(SSL* ssl) {
  return static_cast<const SniSelection*>(SSL_get_ex_data(ssl, selectionIndex()));
}

const std::string& alpnOf(SSL* ssl, const SecureContextImpl& impl) {
  const SniSelection* selection = selectionOf(ssl);
  return selection != nullptr ? selection->alpnWire : impl.alpnWire;
}

SecureContext findContext(SecureContextImpl& server, std::string_view servername) {
  if (server.sniCallback) return server.sniCallback(servername);
  // Node searches from the last added, so a later addContext overrides an earlier one.
  for (auto it = server.sniContexts.rbegin(); it != server.sniContexts.rend(); ++it) {
    if (servernameMatches(it->first, servername)) return it->second;
  }
  return {};
}

// Switches `ssl` to `chosen`. Throws (bad_alloc, a context without key and certificate).
void select(SSL* ssl, const SecureContextImpl& server, const SecureContext& chosen,
            const char* name) {
  SSL_CTX* ctx = chosen.impl()->ctx;
  if (SSL_CTX_get0_certificate(ctx) == nullptr || SSL_CTX_get0_privatekey(ctx) == nullptr) {
    throw net::TypeError(
        std::string(net::codes::kInvalidArgValue),
        "The SNI context for \"" + std::string(name) + "\" has no key and certificate");
  }
  auto selection = std::make_unique<SniSelection>(SniSelection{chosen, server.alpnWire});
  if (SSL_set_ex_data(ssl, selectionIndex(), selection.get()) != 1) throw std::bad_alloc();
  selection.release();  // freed with the SSL (freeSelection)
  // The certificate, key and session context come from the new context; verification mode,
  // versions and ciphers were copied into the SSL at its creation and stay the server's.
  SSL_set_SSL_CTX(ssl, ctx);
  // Client certificates are checked against the selected context's CAs, as in Node.
  SSL_set1_verify_cert_store(ssl, SSL_CTX_get_cert_store(ctx));
  if (STACK_OF(X509_NAME)* cas = SSL_CTX_get_client_CA_list(ctx)) {
    SSL_set_client_CA_list(ssl, SSL_dup_CA_list(cas));
  }
}

int onServername(SSL* ssl, int* alert, void* arg) {
  auto& server = *static_cast<SecureContextImpl*>(arg);
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (name == nullptr || *name == '\0') return SSL_TLSEXT_ERR_OK;  // Node asks nobody then
  try {
    SecureContext chosen = findContext(server, name);
    if (chosen && chosen.impl()->ctx != server.ctx) select(ssl, server, chosen, name);
    return SSL_TLSEXT_ERR_OK;
  } catch (...) {
    // An exception must not unwind through OpenSSL: it fails the handshake and is reported
    // by the connection's owner.
    TlsEngine::setCallbackError(ssl, std::current_exception());
    *alert = SSL_AD_INTERNAL_ERROR;
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
}

}  // namespace

void enableSni(SecureContextImpl& server) {
  SSL_CTX_set_tlsext_servername_callback(server.ctx, onServername);
  SSL_CTX_set_tlsext_servername_arg(server.ctx, &server);
}

bool servernameMatches(std::string_view pattern, std::string_view name) noexcept {
  // Node builds a RegExp with '*' as [^.]*; backtracking over the star's length suffices.
  std::size_t p = 0;
  std::size_t n = 0;
  std::size_t starP = std::string_view::npos;
  std::size_t starN = 0;
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      starP = p++;
      starN = n;
    } else if (p < pattern.size() && pattern[p] == name[n]) {
      ++p;
      ++n;
    } else if (starP != std::string_view::npos && name[starN] != '.') {
      // Let the star take one more character (never a dot), and retry after it.
      p = starP + 1;
      n = ++starN;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

namespace {
void checkHostname(std::string_view hostname) {
  if (hostname.empty()) {
    throw net::TypeError("ERR_TLS_REQUIRED_SERVER_NAME",
                         "\"servername\" is required parameter for Server.addContext");
  }
}
}  // namespace

void addContext(SecureContextImpl& server, std::string_view hostname,
                const SecureContextOptions& options) {
  checkHostname(hostname);
  SecureContext c(buildContext(options, true, server.requestCert, server.alpn));
  enableSni(server);
  server.sniContexts.emplace_back(std::string(hostname), std::move(c));
}

void addContext(SecureContextImpl& server, std::string_view hostname, SecureContext context) {
  checkHostname(hostname);
  if (!context || SSL_CTX_get0_certificate(context.impl()->ctx) == nullptr ||
      SSL_CTX_get0_privatekey(context.impl()->ctx) == nullptr) {
    throw net::TypeError(std::string(net::codes::kInvalidArgValue),
                         "The argument 'context' must hold a key and a certificate");
  }
  enableSni(server);
  server.sniContexts.emplace_back(std::string(hostname), std::move(context));
}

Cipher cipherOf(const SSL* ssl) {
  Cipher c;
  const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl);
  if (cipher == nullptr) return c;
  c.name = SSL_CIPHER_get_name(cipher);
  const char* standard = SSL_CIPHER_standard_name(cipher);
  c.standardName = standard != nullptr ? standard : c.name;
  c.version = SSL_CIPHER_get_version(cipher);
  return c;
}

}  // namespace detail

SecureContext createSecureContext(const SecureContextOptions& options) {
  return SecureContext(detail::buildContext(options, false, false, {}));
}

}  // namespace nx::tls
