// SPDX-License-Identifier: MIT
#include "nodexx/net/internal/tls_engine.hpp"

#include <gtest/gtest.h>

#include <openssl/pem.h>
#include <openssl/x509_vfy.h>

#include <string>
#include <vector>

#include "nodexx/core/errors.hpp"
#include "nodexx/net/internal/secure_context_impl.hpp"
#include "nodexx/net/internal/test_certs.hpp"

namespace {

using nx::Buffer;
using nx::tls::SecureContextOptions;
using nx::tls::detail::buildContext;
using nx::tls::detail::TlsEngine;
using nx::tls::testing::TestPki;

std::string joined(const std::vector<Buffer>& parts) {
  std::string s;
  for (const Buffer& b : parts) s += b.byteView();
  return s;
}

std::span<const std::uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// Two engines wired back to back through their outputs.
struct Pair {
  std::shared_ptr<nx::tls::detail::SecureContextImpl> serverCtx;
  std::shared_ptr<nx::tls::detail::SecureContextImpl> clientCtx;
  std::unique_ptr<TlsEngine> client;
  std::unique_ptr<TlsEngine> server;
  std::vector<Buffer> toClient;  // plaintext the client received
  std::vector<Buffer> toServer;
  bool ok = true;

  Pair(const SecureContextOptions& s, const SecureContextOptions& c,
       std::vector<std::string> serverAlpn = {}, bool requestCert = false)
      : serverCtx(buildContext(s, true, requestCert, serverAlpn)),
        clientCtx(buildContext(c, false, false, {})),
        client(std::make_unique<TlsEngine>(clientCtx->ctx, TlsEngine::Role::Client)),
        server(std::make_unique<TlsEngine>(serverCtx->ctx, TlsEngine::Role::Server)) {}

  // Moves bytes until neither side has output left.
  void pump() {
    for (int i = 0; i < 20 && (client->hasOutput() || server->hasOutput()); ++i) {
      Buffer c = client->takeOutput();
      if (!c.empty()) ok = server->receive(c, toServer) && ok;
      Buffer s = server->takeOutput();
      if (!s.empty()) ok = client->receive(s, toClient) && ok;
    }
  }
};

SecureContextOptions serverOptions(const nx::tls::testing::KeyPair& kp, std::string chain = {}) {
  SecureContextOptions o;
  o.key = kp.key;
  o.cert = kp.cert + chain;
  return o;
}

SecureContextOptions trusting(const std::string& caPem) {
  SecureContextOptions o;
  o.ca.emplace_back(caPem);
  return o;
}

TEST(TlsEngineTest, HandshakeThenPlaintextBothWays) {
  const auto& pki = TestPki::get();
  Pair p(serverOptions(pki.leaf), trusting(pki.ca.cert));
  p.client->setServername("localhost");
  p.client->startHandshake();
  ASSERT_TRUE(p.client->send(bytes("hello before handshake")));  // queued until done
  p.pump();
  ASSERT_TRUE(p.ok) << p.client->error() << p.server->error();
  EXPECT_TRUE(p.client->isHandshakeDone());
  EXPECT_TRUE(p.server->isHandshakeDone());
  EXPECT_EQ(p.client->verifyResult(), X509_V_OK);
  EXPECT_EQ(p.server->servername(), "localhost");
  EXPECT_EQ(p.client->protocol(), "TLSv1.3");
  ASSERT_TRUE(p.server->send(bytes("reply")));
  p.pump();
  EXPECT_EQ(joined(p.toServer), "hello before handshake");
  EXPECT_EQ(joined(p.toClient), "reply");
}

TEST(TlsEngineTest, LargePayloadSurvivesRecordSplitting) {
  const auto& pki = TestPki::get();
  Pair p(serverOptions(pki.leaf), trusting(pki.ca.cert));
  p.client->startHandshake();
  p.pump();
  std::string big(1 << 20, 'x');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  ASSERT_TRUE(p.client->send(bytes(big)));
  // Deliver the ciphertext in 1000-byte pieces: records arrive split across reads.
  Buffer wire = p.client->takeOutput();
  for (std::size_t off = 0; off < wire.size(); off += 1000) {
    ASSERT_TRUE(p.server->receive(
        wire.subarray(static_cast<std::ptrdiff_t>(off), static_cast<std::ptrdiff_t>(off + 1000)),
        p.toServer));
  }
  EXPECT_EQ(joined(p.toServer), big);
}

TEST(TlsEngineTest, AlpnPicksTheServersPreferenceTheClientOffers) {
  const auto& pki = TestPki::get();
  Pair p(serverOptions(pki.leaf), trusting(pki.ca.cert), {"h2", "http/1.1"});
  const std::vector<std::string> offered{"http/1.1", "h2"};
  ASSERT_TRUE(p.client->setAlpnProtocols(offered));
  p.client->startHandshake();
  p.pump();
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.client->alpnProtocol(), "h2");
  EXPECT_EQ(p.server->alpnProtocol(), "h2");
}

TEST(TlsEngineTest, AlpnWithoutOverlapFailsTheHandshake) {
  const auto& pki = TestPki::get();
  Pair p(serverOptions(pki.leaf), trusting(pki.ca.cert), {"h2"});
  const std::vector<std::string> offered{"spdy/1"};
  ASSERT_TRUE(p.client->setAlpnProtocols(offered));
  p.client->startHandshake();
  p.pump();
  EXPECT_FALSE(p.ok);
  EXPECT_FALSE(p.client->isHandshakeDone());
  EXPECT_NE(p.client->error().find("no application protocol"), std::string::npos)
      << p.client->error();
}

TEST(TlsEngineTest, AlpnRejectsEmptyNames) {
  const auto& pki = TestPki::get();
  Pair p(serverOptions(pki.leaf), trusting(pki.ca.cert));
  const std::vector<std::string> bad{""};
  EXPECT_FALSE(p.client->setAlpnProtocols(bad));
}

TEST(TlsEngineTest, VerificationFailuresCarryNodesCodes) {
  const auto& pki = TestPki::get();
  {  // A self-signed leaf the client does not trust.
    Pair p(serverOptions(pki.selfSigned), trusting(pki.ca.cert));
    p.client->startHandshake();
    p.pump();
    ASSERT_TRUE(p.client->isHandshakeDone());  // the verdict is read after the handshake
    EXPECT_EQ(nx::tls::detail::verifyErrorCode(p.client->verifyResult()),
              "DEPTH_ZERO_SELF_SIGNED_CERT");
    EXPECT_EQ(nx::tls::detail::verifyErrorMessage(p.client->verifyResult()),
              "self-signed certificate");
  }
  {  // A leaf from an unknown CA, sent alone.
    Pair p(serverOptions(pki.leaf), trusting(pki.selfSigned.cert));
    p.client->startHandshake();
    p.pump();
    EXPECT_EQ(nx::tls::detail::verifyErrorCode(p.client->verifyResult()),
              "UNABLE_TO_VERIFY_LEAF_SIGNATURE");
  }
  {  // The chain ends in a self-signed root the client does not trust.
    Pair p(serverOptions(pki.leaf, pki.ca.cert), trusting(pki.selfSigned.cert));
    p.client->startHandshake();
    p.pump();
    EXPECT_EQ(nx::tls::detail::verifyErrorCode(p.client->verifyResult()),
              "SELF_SIGNED_CERT_IN_CHAIN");
  }
  {  // An expired leaf from a trusted CA.
    Pair p(serverOptions(pki.expired), trusting(pki.ca.cert));
    p.client->startHandshake();
    p.pump();
    EXPECT_EQ(nx::tls::detail::verifyErrorCode(p.client->verifyResult()), "CERT_HAS_EXPIRED");
  }
}

TEST(TlsEngineTest, PeerCertificateDescribesSubjectAndAltNames) {
  const auto& pki = TestPki::get();
  Pair p(serverOptions(pki.leaf), trusting(pki.ca.cert));
  p.client->startHandshake();
  p.pump();
  X509* cert = p.client->peerCertificate();
  ASSERT_NE(cert, nullptr);
  const auto info = nx::tls::detail::describeCertificate(cert);
  EXPECT_EQ(info.subject.at("CN"), "localhost");
  EXPECT_EQ(info.issuer.at("CN"), "nodexx test CA");
  EXPECT_EQ(info.subjectaltname, "DNS:localhost, IP Address:127.0.0.1");
  EXPECT_EQ(info.fingerprint256.size(), 32u * 3 - 1);
  EXPECT_TRUE(nx::tls::detail::checkServerIdentity("localhost", cert).empty());
  EXPECT_TRUE(nx::tls::detail::checkServerIdentity("127.0.0.1", cert).empty());
  EXPECT_EQ(nx::tls::detail::checkServerIdentity("example.com", cert),
            "Host: example.com. is not in the cert's altnames: DNS:localhost, IP "
            "Address:127.0.0.1");
  EXPECT_EQ(nx::tls::detail::checkServerIdentity("127.0.0.2", cert),
            "IP: 127.0.0.2 is not in the cert's list: 127.0.0.1");
  X509_free(cert);
}

TEST(TlsEngineTest, CloseNotifyReachesThePeer) {
  const auto& pki = TestPki::get();
  Pair p(serverOptions(pki.leaf), trusting(pki.ca.cert));
  p.client->startHandshake();
  p.pump();
  p.client->shutdown();
  p.pump();
  EXPECT_TRUE(p.server->peerClosed());
  EXPECT_FALSE(p.client->peerClosed());
}

TEST(TlsEngineTest, GarbageFromThePeerIsAFatalError) {
  const auto& pki = TestPki::get();
  Pair p(serverOptions(pki.leaf), trusting(pki.ca.cert));
  std::vector<Buffer> plain;
  EXPECT_FALSE(p.server->receive(bytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), plain));
  EXPECT_FALSE(p.server->error().empty());
  EXPECT_TRUE(plain.empty());
}

TEST(TlsEngineTest, InvalidPemIsAClearError) {
  SecureContextOptions o;
  o.key = "not a key";
  o.cert = "not a cert";
  try {
    (void)buildContext(o, true, false, {});
    FAIL() << "expected an error";
  } catch (const nx::SystemError& e) {
    EXPECT_EQ(e.code(), "ERR_TLS_INVALID_CONTEXT");
  }
  const auto& pki = TestPki::get();
  SecureContextOptions mismatch;
  mismatch.key = pki.selfSigned.key;
  mismatch.cert = pki.leaf.cert;
  EXPECT_THROW((void)buildContext(mismatch, true, false, {}), nx::SystemError);
}

}  // namespace

namespace {

// A handshaken pair (the client's output flushed), for the plaintext tests below.
std::unique_ptr<Pair> connectedPair() {
  const auto& pki = TestPki::get();
  auto p = std::make_unique<Pair>(serverOptions(pki.leaf), trusting(pki.ca.cert));
  p->client->setServername("localhost");
  p->client->startHandshake();
  p->pump();
  return p;
}

TEST(TlsEngineTest, ReceiveDecryptsIntoTheCallersBufferWhichMayHoldTheCiphertext) {
  auto p = connectedPair();
  ASSERT_TRUE(p->ok);
  const std::string message(40000, 'x');
  ASSERT_TRUE(p->client->send(bytes(message)));
  Buffer wire = p->client->takeOutput();
  ASSERT_GT(wire.size(), message.size());  // records add headers and tags
  // The ciphertext is copied in first, so the same memory takes the plaintext.
  std::vector<std::uint8_t> buf(wire.begin(), wire.end());
  const std::ptrdiff_t n = p->server->receive(std::span<const std::uint8_t>(buf), buf);
  ASSERT_EQ(n, static_cast<std::ptrdiff_t>(message.size()));
  EXPECT_EQ(std::string(buf.begin(), buf.begin() + n), message);
}

TEST(TlsEngineTest, ReceiveIntoASmallBufferLeavesTheRestForTheNextCall) {
  auto p = connectedPair();
  const std::string message = "0123456789abcdefghij";
  ASSERT_TRUE(p->client->send(bytes(message)));
  Buffer wire = p->client->takeOutput();
  std::uint8_t small[8];
  std::string got;
  std::ptrdiff_t n = p->server->receive(wire, small);
  EXPECT_EQ(n, 8);  // full: more may wait
  got.append(reinterpret_cast<char*>(small), static_cast<std::size_t>(n));
  while ((n = p->server->receive({}, small)) > 0) {
    got.append(reinterpret_cast<char*>(small), static_cast<std::size_t>(n));
  }
  EXPECT_EQ(n, 0);
  EXPECT_EQ(got, message);
}

TEST(TlsEngineTest, RecordSplitAcrossReadsWaitsForItsRest) {
  auto p = connectedPair();
  const std::string message(3000, 'y');
  ASSERT_TRUE(p->client->send(bytes(message)));
  Buffer wire = p->client->takeOutput();
  std::vector<std::uint8_t> out(64 * 1024);
  const std::size_t half = wire.size() / 2;
  EXPECT_EQ(p->server->receive(std::span<const std::uint8_t>(wire.data(), half), out), 0);
  const std::ptrdiff_t n = p->server->receive(
      std::span<const std::uint8_t>(wire.data() + half, wire.size() - half), out);
  ASSERT_EQ(n, static_cast<std::ptrdiff_t>(message.size()));
  EXPECT_EQ(std::string(out.begin(), out.begin() + n), message);
}

TEST(TlsEngineTest, OwnedBuffersAreSizedToTheirData) {
  auto p = connectedPair();
  ASSERT_TRUE(p->client->send(bytes("tiny")));
  std::vector<Buffer> plain;
  ASSERT_TRUE(p->server->receive(p->client->takeOutput(), plain));
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_EQ(plain[0].toString(), "tiny");
  // A long run comes in as few Buffers as the 64 KiB scratch allows, not one per record.
  const std::string message(100000, 'z');
  ASSERT_TRUE(p->client->send(bytes(message)));
  plain.clear();
  ASSERT_TRUE(p->server->receive(p->client->takeOutput(), plain));
  ASSERT_EQ(plain.size(), 2u);
  EXPECT_EQ(plain[0].size(), 65536u);
  EXPECT_EQ(plain[1].size(), message.size() - 65536u);
  EXPECT_EQ(joined(plain), message);
}

TEST(TlsEngineTest, PeekAndConsumeOutputSendWithoutCopying) {
  auto p = connectedPair();
  ASSERT_TRUE(p->client->send(bytes("hello")));
  const std::span<const std::uint8_t> out = p->client->peekOutput();
  ASSERT_FALSE(out.empty());
  std::vector<std::uint8_t> copy(out.begin(), out.end());
  p->client->consumeOutput(10);
  EXPECT_EQ(p->client->peekOutput().size(), copy.size() - 10);
  p->client->consumeOutput(copy.size() - 10);
  EXPECT_FALSE(p->client->hasOutput());
  std::vector<Buffer> plain;
  ASSERT_TRUE(p->server->receive(copy, plain));
  EXPECT_EQ(joined(plain), "hello");
}

}  // namespace
