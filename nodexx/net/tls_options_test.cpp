// SPDX-License-Identifier: MIT
// tls::SecureContextOptions' protocol options (versions, ciphers, groups, session timeout),
// getCipher(), and SNI (Server::addContext, ServerOptions::SNICallback). The codes and
// outcomes expected here are Node 20's (node_interop_test.cpp checks some against node).
#include "nodexx/net/tls.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/core/loop.hpp"
#include "nodexx/net/internal/secure_context_impl.hpp"
#include "nodexx/net/internal/test_certs.hpp"

namespace {

using nx::Buffer;
using nx::Promise;
using nx::tls::TLSSocket;
using nx::tls::testing::KeyPair;
using nx::tls::testing::TestPki;

class TlsOptionsTest : public nx::testing::FreshLoop {};

nx::tls::ServerOptions serverOptions(const KeyPair& kp) {
  nx::tls::ServerOptions o;
  o.key = kp.key;
  o.cert = kp.cert;
  return o;
}

std::string errorText(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const nx::SystemError& err) {
    return std::string(err.name()) + " " + std::string(err.code()) + "|" + err.what();
  } catch (const std::exception& err) {
    return std::string("exception|") + err.what();
  }
}

template <class F>
std::string thrown(F&& f) {
  try {
    f();
  } catch (...) {
    return errorText(std::current_exception());
  }
  return "no throw";
}

struct Outcome {
  std::string error;  // the client's
  std::vector<std::string> serverErrors;
  nx::tls::Cipher cipher;
  std::string protocol;
  std::string peerCN;
  std::string serverSawName;
  std::string reply;
};

// Listens, connects with `options`, records what the client sees, echoes one message.
Promise<> exchange(std::shared_ptr<nx::tls::Server> server, nx::tls::ConnectOptions options,
                   Outcome* out) {
  server->tlsClientError().on(
      [out](std::exception_ptr& e) { out->serverErrors.push_back(errorText(e)); });
  co_await server->listen(0, "127.0.0.1");
  options.port = server->address().port;
  try {
    auto c = co_await nx::tls::connect(options);
    out->cipher = c->getCipher();
    out->protocol = c->getProtocol();
    auto cert = c->getPeerCertificate();
    out->peerCN = cert.subject.count("CN") != 0 ? cert.subject.at("CN") : "";
    co_await c->write(Buffer::from("ping"));
    (void)c->end();
    while (auto chunk = co_await c->read()) out->reply += chunk->toString();
  } catch (...) {
    out->error = errorText(std::current_exception());
  }
  co_await server->close();
}

std::shared_ptr<nx::tls::Server> echoServer(nx::tls::ServerOptions o, Outcome* out) {
  return nx::tls::createServer(std::move(o), [out](std::shared_ptr<TLSSocket> s) {
    out->serverSawName = s->servername();
    s->pipe(s);
  });
}

// Connects to 127.0.0.1 with `servername` as SNI and as the name the certificate must match.
nx::tls::ConnectOptions trusting(std::string servername = "localhost") {
  nx::tls::ConnectOptions o(0, "127.0.0.1");
  o.servername = std::move(servername);
  o.ca.emplace_back(TestPki::get().ca.cert);
  return o;
}

TEST_F(TlsOptionsTest, DefaultsNegotiateTls13AndGetCipherNamesTheSuite) {
  Outcome out;
  (void)exchange(echoServer(serverOptions(TestPki::get().leaf), &out), trusting(), &out);
  EXPECT_EQ(nx::run(), 0);
  EXPECT_EQ(out.error, "");
  EXPECT_EQ(out.reply, "ping");
  EXPECT_EQ(out.cipher.name, "TLS_AES_256_GCM_SHA384");
  EXPECT_EQ(out.cipher.standardName, "TLS_AES_256_GCM_SHA384");
  EXPECT_EQ(out.cipher.version, "TLSv1.3");
}

TEST_F(TlsOptionsTest, ClientLimitedToTls12AgainstATls13OnlyServerFailsWithNodesCodes) {
  Outcome out;
  auto so = serverOptions(TestPki::get().leaf);
  so.minVersion = "TLSv1.3";
  auto o = trusting();
  o.maxVersion = "TLSv1.2";
  (void)exchange(echoServer(so, &out), o, &out);
  EXPECT_EQ(nx::run(), 0);
  EXPECT_EQ(out.error, "Error ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION|tlsv1 alert protocol version");
  EXPECT_EQ(out.serverErrors,
            std::vector<std::string>{"Error ERR_SSL_UNSUPPORTED_PROTOCOL|unsupported protocol"});
}

TEST_F(TlsOptionsTest, MaxVersionTls12NegotiatesTls12) {
  Outcome out;
  auto so = serverOptions(TestPki::get().leaf);
  so.maxVersion = "TLSv1.2";
  (void)exchange(echoServer(so, &out), trusting(), &out);
  EXPECT_EQ(nx::run(), 0);
  EXPECT_EQ(out.error, "");
  EXPECT_EQ(out.protocol, "TLSv1.2");
  EXPECT_EQ(out.cipher.version, "TLSv1.2");
}

TEST_F(TlsOptionsTest, Tls12CipherRestrictionShowsInTheNegotiatedCipher) {
  Outcome out;
  auto so = serverOptions(TestPki::get().leaf);
  so.ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256";
  auto o = trusting();
  o.maxVersion = "TLSv1.2";
  (void)exchange(echoServer(so, &out), o, &out);
  EXPECT_EQ(nx::run(), 0);
  EXPECT_EQ(out.error, "");
  EXPECT_EQ(out.cipher.name, "ECDHE-ECDSA-AES128-GCM-SHA256");
  EXPECT_EQ(out.cipher.standardName, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
  EXPECT_EQ(out.cipher.version, "TLSv1.2");
}

TEST_F(TlsOptionsTest, Tls13SuiteInTheSameStringGoesToTheTls13List) {
  Outcome out;
  auto so = serverOptions(TestPki::get().leaf);
  so.ciphers = "TLS_CHACHA20_POLY1305_SHA256:ECDHE-ECDSA-AES256-GCM-SHA384";
  (void)exchange(echoServer(so, &out), trusting(), &out);
  EXPECT_EQ(nx::run(), 0);
  EXPECT_EQ(out.error, "");
  EXPECT_EQ(out.cipher.name, "TLS_CHACHA20_POLY1305_SHA256");
  EXPECT_EQ(out.cipher.version, "TLSv1.3");
}

TEST_F(TlsOptionsTest, OnlyTls13SuitesRefuseATls12Client) {
  Outcome out;
  auto so = serverOptions(TestPki::get().leaf);
  so.ciphers = "TLS_AES_128_GCM_SHA256";
  auto o = trusting();
  o.maxVersion = "TLSv1.2";
  (void)exchange(echoServer(so, &out), o, &out);
  EXPECT_EQ(nx::run(), 0);
  EXPECT_EQ(out.error, "Error ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION|tlsv1 alert protocol version");
}

TEST_F(TlsOptionsTest, HonorCipherOrderPicksTheServersPreference) {
  for (bool honor : {false, true}) {
    Outcome out;
    auto so = serverOptions(TestPki::get().leaf);
    so.ciphers = "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256";
    so.honorCipherOrder = honor;
    auto o = trusting();
    o.maxVersion = "TLSv1.2";
    o.ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384";
    (void)exchange(echoServer(so, &out), o, &out);
    EXPECT_EQ(nx::run(), 0);
    EXPECT_EQ(out.error, "");
    EXPECT_EQ(out.cipher.name,
              honor ? "ECDHE-ECDSA-AES256-GCM-SHA384" : "ECDHE-ECDSA-AES128-GCM-SHA256");
  }
}

TEST_F(TlsOptionsTest, EcdhCurvesWithoutOverlapFailTheHandshake) {
  Outcome out;
  auto so = serverOptions(TestPki::get().leaf);
  so.ecdhCurve = "P-384";
  auto o = trusting();
  o.ecdhCurve = "X25519";
  (void)exchange(echoServer(so, &out), o, &out);
  EXPECT_EQ(nx::run(), 0);
  EXPECT_EQ(out.error, "Error ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE|sslv3 alert handshake failure");
  EXPECT_EQ(out.serverErrors,
            std::vector<std::string>{"Error ERR_SSL_NO_SUITABLE_KEY_SHARE|no suitable key share"});
}

TEST_F(TlsOptionsTest, BadOptionValuesThrowNodesErrors) {
  auto build = [](auto set) {
    return thrown([&] {
      nx::tls::SecureContextOptions o;
      set(o);
      (void)nx::tls::createSecureContext(o);
    });
  };
  using O = nx::tls::SecureContextOptions;
  EXPECT_EQ(build([](O& o) { o.minVersion = "TLSv1.5"; }),
            "TypeError ERR_TLS_INVALID_PROTOCOL_VERSION|\"TLSv1.5\" is not a valid minimum TLS "
            "protocol version");
  EXPECT_EQ(build([](O& o) { o.maxVersion = "foo"; }),
            "TypeError ERR_TLS_INVALID_PROTOCOL_VERSION|\"foo\" is not a valid maximum TLS "
            "protocol version");
  EXPECT_EQ(build([](O& o) { o.ciphers = "NOPE"; }),
            "Error ERR_SSL_NO_CIPHER_MATCH|no cipher match");
  EXPECT_EQ(build([](O& o) { o.ciphers = "TLS_NOPE"; }),
            "Error ERR_SSL_NO_CIPHER_MATCH|no cipher match");
  EXPECT_EQ(build([](O& o) { o.ciphers = "TLS_AES_128_GCM_SHA256:NOPE"; }),
            "Error ERR_SSL_NO_CIPHER_MATCH|no cipher match");
  EXPECT_EQ(build([](O& o) { o.ciphers = ":"; }),
            "TypeError ERR_INVALID_ARG_VALUE|The property 'options.ciphers' is invalid. "
            "Received ':'");
  EXPECT_EQ(build([](O& o) { o.ecdhCurve = "nope"; }),
            "Error ERR_CRYPTO_OPERATION_FAILED|Failed to set ECDH curve");
  EXPECT_EQ(build([](O& o) { o.sessionTimeout = -1; }),
            "RangeError ERR_OUT_OF_RANGE|The value of \"options.sessionTimeout\" is out of "
            "range. It must be >= 0 && <= 2147483647. Received -1");
  // Accepted as Node accepts them.
  EXPECT_EQ(build([](O& o) {
              o.minVersion = "TLSv1.3";
              o.maxVersion = "TLSv1.2";
            }),
            "no throw");
  EXPECT_EQ(build([](O& o) { o.ecdhCurve = "auto"; }), "no throw");
  EXPECT_EQ(build([](O& o) { o.ecdhCurve = "X25519:P-256"; }), "no throw");
  // A server throws the same at construction.
  auto so = serverOptions(TestPki::get().leaf);
  so.ciphers = "NOPE";
  EXPECT_EQ(thrown([&] { (void)nx::tls::createServer(so); }),
            "Error ERR_SSL_NO_CIPHER_MATCH|no cipher match");
}

TEST_F(TlsOptionsTest, SessionTimeoutSetsTheContextsTimeout) {
  nx::tls::SecureContextOptions o;
  EXPECT_EQ(SSL_CTX_get_timeout(nx::tls::createSecureContext(o).impl()->ctx), 300);
  o.sessionTimeout = 42;
  EXPECT_EQ(SSL_CTX_get_timeout(nx::tls::createSecureContext(o).impl()->ctx), 42);
}

// ---- SNI ----------------------------------------------------------------------------------

TEST(TlsServernameMatch, FollowsNodesAddContextPattern) {
  using nx::tls::detail::servernameMatches;
  EXPECT_TRUE(servernameMatches("*.example.com", "a.example.com"));
  EXPECT_TRUE(servernameMatches("*.example.com", "www-1.example.com"));
  EXPECT_FALSE(servernameMatches("*.example.com", "a.b.example.com"));
  EXPECT_FALSE(servernameMatches("*.example.com", "example.com"));
  EXPECT_TRUE(servernameMatches("*.example.com", ".example.com"));    // Node's [^.]* allows it
  EXPECT_FALSE(servernameMatches("*.example.com", "A.EXAMPLE.COM"));  // case-sensitive, as Node
  EXPECT_TRUE(servernameMatches("www*.example.com", "www2.example.com"));
  EXPECT_TRUE(servernameMatches("a.*.com", "a.b.com"));
  EXPECT_FALSE(servernameMatches("a.*.com", "a.b.c.com"));
  EXPECT_TRUE(servernameMatches("example.com", "example.com"));
  EXPECT_FALSE(servernameMatches("example.com", "example.co"));
  EXPECT_FALSE(servernameMatches("example.com", "xexample.com"));
}

TEST_F(TlsOptionsTest, AddContextServesTheCertificateForTheName) {
  const auto& pki = TestPki::get();
  struct Case {
    std::string servername;
    std::string cn;
  };
  for (const Case& c : {Case{"a.example.com", "*.example.com"}, Case{"other.test", "other.test"},
                        Case{"localhost", "localhost"}}) {
    Outcome out;
    auto server = echoServer(serverOptions(pki.leaf), &out);
    nx::tls::SecureContextOptions wildcard;
    wildcard.key = pki.wildcard.key;
    wildcard.cert = pki.wildcard.cert;
    server->addContext("*.example.com", wildcard);
    nx::tls::SecureContextOptions other;
    other.key = pki.other.key;
    other.cert = pki.other.cert;
    server->addContext("other.test", nx::tls::createSecureContext(other));
    (void)exchange(server, trusting(c.servername), &out);
    EXPECT_EQ(nx::run(), 0);
    EXPECT_EQ(out.error, "") << c.servername;
    EXPECT_EQ(out.peerCN, c.cn) << c.servername;
    EXPECT_EQ(out.serverSawName, c.servername);
    EXPECT_EQ(out.reply, "ping");
  }
}

TEST_F(TlsOptionsTest, AddContextWildcardCoversOneLabelOnly) {
  const auto& pki = TestPki::get();
  Outcome out;
  auto server = echoServer(serverOptions(pki.leaf), &out);
  nx::tls::SecureContextOptions wildcard;
  wildcard.key = pki.wildcard.key;
  wildcard.cert = pki.wildcard.cert;
  server->addContext("*.example.com", wildcard);
  auto o = trusting("a.b.example.com");
  o.rejectUnauthorized = false;  // the default certificate does not name it
  (void)exchange(server, o, &out);
  EXPECT_EQ(nx::run(), 0);
  EXPECT_EQ(out.error, "");
  EXPECT_EQ(out.peerCN, "localhost");
}

TEST_F(TlsOptionsTest, LaterAddContextWins) {
  const auto& pki = TestPki::get();
  Outcome out;
  auto server = echoServer(serverOptions(pki.leaf), &out);
  nx::tls::SecureContextOptions a;
  a.key = pki.leaf.key;
  a.cert = pki.leaf.cert;
  server->addContext("*.example.com", a);
  nx::tls::SecureContextOptions b;
  b.key = pki.wildcard.key;
  b.cert = pki.wildcard.cert;
  server->addContext("*.example.com", b);
  (void)exchange(server, trusting("x.example.com"), &out);
  EXPECT_EQ(nx::run(), 0);
  EXPECT_EQ(out.error, "");
  EXPECT_EQ(out.peerCN, "*.example.com");
}

TEST_F(TlsOptionsTest, AddContextArgumentErrors) {
  const auto& pki = TestPki::get();
  auto server = nx::tls::createServer(serverOptions(pki.leaf));
  nx::tls::SecureContextOptions ok;
  ok.key = pki.other.key;
  ok.cert = pki.other.cert;
  EXPECT_EQ(thrown([&] { server->addContext("", ok); }),
            "TypeError ERR_TLS_REQUIRED_SERVER_NAME|\"servername\" is required parameter for "
            "Server.addContext");
  EXPECT_EQ(thrown([&] { server->addContext("x.test", nx::tls::SecureContext()); }),
            "TypeError ERR_INVALID_ARG_VALUE|The argument 'context' must hold a key and a "
            "certificate");
  nx::tls::SecureContextOptions bad = ok;
  bad.cert = "not a certificate";
  EXPECT_EQ(thrown([&] { server->addContext("x.test", bad); }).substr(0, 29),
            "Error ERR_TLS_INVALID_CONTEXT");
}

TEST_F(TlsOptionsTest, SniCallbackChoosesAndAnEmptyResultKeepsTheDefault) {
  const auto& pki = TestPki::get();
  nx::tls::SecureContextOptions otherOptions;
  otherOptions.key = pki.other.key;
  otherOptions.cert = pki.other.cert;
  for (const std::string name : {"other.test", "localhost"}) {
    Outcome out;
    std::vector<std::string> asked;
    auto so = serverOptions(pki.leaf);
    so.ALPNProtocols = {"h2"};
    so.SNICallback = [&asked, otherOptions](std::string_view servername) {
      asked.emplace_back(servername);
      // A context nobody else holds: the connection keeps it alive.
      return servername == "other.test" ? nx::tls::createSecureContext(otherOptions)
                                        : nx::tls::SecureContext();
    };
    auto o = trusting(name);
    o.ALPNProtocols = {"h2"};
    (void)exchange(echoServer(so, &out), o, &out);
    EXPECT_EQ(nx::run(), 0);
    EXPECT_EQ(out.error, "") << name;
    EXPECT_EQ(out.peerCN, name);
    EXPECT_EQ(asked, std::vector<std::string>{name});
    EXPECT_EQ(out.reply, "ping");
  }
}

TEST_F(TlsOptionsTest, SniCallbackKeepsTheServersAlpn) {
  const auto& pki = TestPki::get();
  nx::tls::SecureContextOptions otherOptions;
  otherOptions.key = pki.other.key;
  otherOptions.cert = pki.other.cert;
  auto so = serverOptions(pki.leaf);
  so.ALPNProtocols = {"h2", "http/1.1"};
  so.SNICallback = [otherOptions](std::string_view) {
    return nx::tls::createSecureContext(otherOptions);
  };
  std::string alpn;
  auto server = nx::tls::createServer(so, [&alpn](std::shared_ptr<TLSSocket> s) {
    alpn = s->alpnProtocol();
    s->pipe(s);
  });
  auto o = trusting("other.test");
  o.ALPNProtocols = {"http/1.1"};
  Outcome out;
  (void)exchange(server, o, &out);
  EXPECT_EQ(nx::run(), 0);
  EXPECT_EQ(out.error, "");
  EXPECT_EQ(out.peerCN, "other.test");
  EXPECT_EQ(alpn, "http/1.1");
}

TEST_F(TlsOptionsTest, SniCallbackThrowFailsTheHandshake) {
  const auto& pki = TestPki::get();
  auto so = serverOptions(pki.leaf);
  so.SNICallback = [](std::string_view name) -> nx::tls::SecureContext {
    throw nx::SystemError("ENOCERT", "no certificate for " + std::string(name));
  };
  Outcome out;
  (void)exchange(echoServer(so, &out), trusting("x.test"), &out);
  EXPECT_EQ(nx::run(), 0);
  EXPECT_EQ(out.error, "Error ERR_SSL_TLSV1_ALERT_INTERNAL_ERROR|tlsv1 alert internal error");
  EXPECT_EQ(out.serverErrors, std::vector<std::string>{"Error ENOCERT|no certificate for x.test"});
}

TEST_F(TlsOptionsTest, SniContextWithoutACertificateFailsTheHandshake) {
  const auto& pki = TestPki::get();
  auto so = serverOptions(pki.leaf);
  so.SNICallback = [](std::string_view) {
    nx::tls::SecureContextOptions onlyCa;
    onlyCa.ca.emplace_back(TestPki::get().ca.cert);
    return nx::tls::createSecureContext(onlyCa);
  };
  Outcome out;
  (void)exchange(echoServer(so, &out), trusting("x.test"), &out);
  EXPECT_EQ(nx::run(), 0);
  EXPECT_EQ(out.error, "Error ERR_SSL_TLSV1_ALERT_INTERNAL_ERROR|tlsv1 alert internal error");
  EXPECT_EQ(out.serverErrors,
            std::vector<std::string>{"TypeError ERR_INVALID_ARG_VALUE|The SNI context for "
                                     "\"x.test\" has no key and certificate"});
}

TEST_F(TlsOptionsTest, ClientWithoutSniGetsTheDefaultAndNoCallback) {
  const auto& pki = TestPki::get();
  int calls = 0;
  auto so = serverOptions(pki.leaf);
  so.SNICallback = [&calls](std::string_view) {
    ++calls;
    return nx::tls::SecureContext();
  };
  Outcome out;
  (void)exchange(echoServer(so, &out), trusting("127.0.0.1"), &out);  // no SNI for an IP
  EXPECT_EQ(nx::run(), 0);
  EXPECT_EQ(out.error, "");
  EXPECT_EQ(out.peerCN, "localhost");
  EXPECT_EQ(calls, 0);
}

}  // namespace
