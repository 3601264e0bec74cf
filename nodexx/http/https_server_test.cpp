// SPDX-License-Identifier: MIT
// https::createServer: HTTP/1.1 over TLS on the http server. Most clients run on the server's
// own loop (tls::connect, net::connect), so nothing races; curl and Node's https.request run on
// the thread pool, blocking, while the loop serves them.
#include "nodexx/http/https.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/core/internal/node_runner.hpp"
#include "nodexx/core/sleep.hpp"
#include "nodexx/core/threadpool.hpp"
#include "nodexx/http/internal/https_test_support.hpp"
#include "nodexx/http/internal/serve_test.hpp"
#include "nodexx/http/internal/server_impl.hpp"
#include "nodexx/net/internal/test_certs.hpp"
#include "nodexx/net/socket.hpp"
#include "nodexx/net/tls.hpp"

namespace nx::http {
namespace {

using namespace std::chrono_literals;
using testing::codeOf;
using testing::connectTo;
using testing::serverOptions;
using testing::TlsPeer;
using testing::trustingOptions;
using tls::testing::KeyPair;
using tls::testing::TestPki;

std::string bodyOf(const std::string& response) {
  std::size_t p = response.find("\r\n\r\n");
  return p == std::string::npos ? std::string() : response.substr(p + 4);
}

class HttpsServerTest : public testing::HttpsFixture {
 protected:
  /// Answers "path=<path> encrypted=<0|1>", and "/echo" with the length of the body.
  static https::Server echoServer(https::ServerOptions o = serverOptions()) {
    return https::createServer(std::move(o),
                               [](IncomingMessage& req, ServerResponse& res) -> Promise<> {
                                 if (req.path() == "/echo") {
                                   Buffer body = co_await req.body();
                                   res.end("len=" + std::to_string(body.size()));
                                   co_return;
                                 }
                                 res.end("path=" + std::string(req.path()) +
                                         " encrypted=" + (req.encrypted() ? "1" : "0"));
                               });
  }

  int connections_ = 0;
  std::vector<std::string> tlsErrors_;

  void watch(Server& s) {
    s.onConnection.on([this] { ++connections_; });
    s.onTlsClientError.on([this](std::exception_ptr e) { tlsErrors_.push_back(codeOf(e)); });
  }
};

TEST_F(HttpsServerTest, KeepAliveServesSeveralRequestsOnOneTlsConnection) {
  https::Server server = echoServer();
  watch(server);
  std::vector<std::string> bodies;
  std::string head;
  auto task = [](Server& s, std::vector<std::string>& out, std::string& firstHead) -> Promise<> {
    co_await s.listen(0, "127.0.0.1");
    TlsPeer c = co_await connectTo(s.address().port);
    for (int i = 0; i < 5; ++i) {
      co_await c.send("GET /r" + std::to_string(i) + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
      std::string r = co_await c.response();
      if (i == 0) firstHead = r.substr(0, r.find("\r\n\r\n"));
      out.push_back(bodyOf(r));
    }
    EXPECT_EQ(c.socket().alpnProtocol(), "");  // the client offered none
    c.socket().destroy();
    co_await s.close();
  };
  runUntilSettled(server, task(server, bodies, head));
  EXPECT_EQ(bodies, (std::vector<std::string>{"path=/r0 encrypted=1", "path=/r1 encrypted=1",
                                              "path=/r2 encrypted=1", "path=/r3 encrypted=1",
                                              "path=/r4 encrypted=1"}));
  EXPECT_NE(head.find("Connection: keep-alive\r\nKeep-Alive: timeout=5"), std::string::npos)
      << head;
  EXPECT_EQ(connections_, 1);
  EXPECT_TRUE(tlsErrors_.empty());
}

TEST_F(HttpsServerTest, AnswersQueuedBehindABackedUpSocketArriveWholeAndInOrder) {
  // The first answer is larger than the socket buffers and the client does not read at
  // first, so the later answers, finished on later loop turns, are formatted into the
  // plaintext queue that waits behind the unsent ciphertext.
  const std::string big(16 << 20, 'b');
  https::Server server = https::createServer(
      serverOptions(), [&big](IncomingMessage& req, ServerResponse& res) -> Promise<> {
        if (req.path() == "/big") {
          res.end(big);
          co_return;
        }
        co_await nx::sleep(1);
        res.setHeader("X-Path", req.path());
        res.end(std::string(req.path()) + " done");
      });
  std::vector<std::string> answers;
  std::size_t bigSize = 0;
  auto task = [](Server& s, std::vector<std::string>& out, std::size_t& size) -> Promise<> {
    co_await s.listen(0, "127.0.0.1");
    TlsPeer c = co_await connectTo(s.address().port);
    std::string req = "GET /big HTTP/1.1\r\nHost: x\r\n\r\n";
    for (int i = 0; i < 4; ++i)
      req += "GET /s" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n";
    co_await c.send(req);
    co_await nx::sleep(200);  // the socket stays backed up meanwhile
    size = bodyOf(co_await c.response()).size();
    for (int i = 0; i < 4; ++i) {
      std::string r = co_await c.response();
      out.push_back(r.substr(r.find("X-Path: ")));
    }
    c.socket().destroy();
    co_await s.close();
  };
  runUntilSettled(server, task(server, answers, bigSize));
  EXPECT_EQ(bigSize, big.size());
  ASSERT_EQ(answers.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    const std::string path = "/s" + std::to_string(i);
    EXPECT_EQ(answers[static_cast<std::size_t>(i)].substr(0, 10 + path.size()),
              "X-Path: " + path + "\r\n");
    EXPECT_TRUE(answers[static_cast<std::size_t>(i)].ends_with("\r\n\r\n" + path + " done"));
  }
}

TEST_F(HttpsServerTest, PipelinedRequestsAreAnsweredInOrder) {
  https::Server server = echoServer();
  std::vector<std::string> bodies;
  auto task = [](Server& s, std::vector<std::string>& out) -> Promise<> {
    co_await s.listen(0, "127.0.0.1");
    TlsPeer c = co_await connectTo(s.address().port);
    // One TLS write, so the three requests reach the server in one read.
    co_await c.send(
        "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
        "GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    for (int i = 0; i < 3; ++i) out.push_back(bodyOf(co_await c.response()));
    out.push_back(co_await c.closed());
    co_await s.close();
  };
  runUntilSettled(server, task(server, bodies));
  EXPECT_EQ(bodies, (std::vector<std::string>{"path=/a encrypted=1", "len=5", "path=/c encrypted=1",
                                              "end"}));
}

TEST_F(HttpsServerTest, RequestBodyArrivesDecrypted) {
  https::Server server = https::createServer(
      serverOptions(), [](IncomingMessage& req, ServerResponse& res) -> Promise<> {
        Buffer body = co_await req.body();
        std::uint64_t sum = 0;
        for (std::size_t i = 0; i < body.size(); ++i) sum += body[i];
        res.end(std::to_string(body.size()) + " " + std::to_string(sum));
      });
  std::string got;
  auto task = [](Server& s, std::string& out) -> Promise<> {
    co_await s.listen(0, "127.0.0.1");
    TlsPeer c = co_await connectTo(s.address().port);
    std::string body(700 * 1024, '\0');
    for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>('a' + i % 26);
    co_await c.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                    std::to_string(body.size()) + "\r\n\r\n");
    for (std::size_t off = 0; off < body.size(); off += 100 * 1024) {
      co_await c.send(body.substr(off, 100 * 1024));
    }
    out = bodyOf(co_await c.response());
    c.socket().destroy();
    co_await s.close();
  };
  runUntilSettled(server, task(server, got));
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < 700 * 1024; ++i) sum += static_cast<std::uint64_t>('a' + i % 26);
  EXPECT_EQ(got, std::to_string(700 * 1024) + " " + std::to_string(sum));
}

TEST_F(HttpsServerTest, LargeResponseWaitsForASlowReader) {
  // 16 MiB in 64 KiB writes: far more than the socket buffers hold, so a client that does
  // not read must make write() return false, and the handler waits for "drain".
  constexpr std::size_t kChunk = 64 * 1024;
  constexpr int kChunks = 256;
  struct Progress {
    int written = 0;
    int blocked = 0;
    Promise<>::Resolvers firstBlock = Promise<>::withResolvers();
  } progress;
  https::Server server = https::createServer(
      serverOptions(), [&progress](IncomingMessage&, ServerResponse& res) -> Promise<> {
        std::string chunk(kChunk, 'x');
        for (int i = 0; i < kChunks; ++i) {
          chunk[0] = static_cast<char>('A' + i % 26);  // each chunk's first byte tells its index
          WriteResult w = res.write(chunk);
          ++progress.written;
          if (!w) {
            if (progress.blocked++ == 0) progress.firstBlock.resolve();
            co_await w;
          }
        }
        res.end();
        progress.firstBlock.resolve();  // (no effect if it blocked) never leave the test hanging
      });
  std::string body;
  int writtenWhenBlocked = 0;
  auto task = [](Server& s, Progress& p, std::string& out, int& atBlock) -> Promise<> {
    co_await s.listen(0, "127.0.0.1");
    TlsPeer c = co_await connectTo(s.address().port);
    co_await c.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
    co_await p.firstBlock.promise;  // the client has read nothing yet
    atBlock = p.written;
    out = bodyOf(co_await c.response());
    c.socket().destroy();
    co_await s.close();
  };
  runUntilSettled(server, task(server, progress, body, writtenWhenBlocked));
  EXPECT_GT(progress.blocked, 0);
  EXPECT_LT(writtenWhenBlocked, kChunks);
  ASSERT_EQ(body.size(), kChunk * kChunks);
  bool ordered = true;
  for (int i = 0; i < kChunks; ++i) {
    ordered = ordered && body[static_cast<std::size_t>(i) * kChunk] == 'A' + i % 26;
  }
  EXPECT_TRUE(ordered);
}

TEST_F(HttpsServerTest, OneLargeEndIsEncryptedInSlicesAndArrivesWhole) {
  // 8 MiB handed over at once, without backpressure: encrypted 64 KiB at a time, and what the
  // socket does not take waits as plaintext.
  std::string big(8 * 1024 * 1024, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + (i * 7) % 26);
  https::Server server = https::createServer(
      serverOptions(), [&big](IncomingMessage&, ServerResponse& res) { res.end(big); });
  std::string body;
  auto task = [](Server& s, std::string& out) -> Promise<> {
    co_await s.listen(0, "127.0.0.1");
    TlsPeer c = co_await connectTo(s.address().port);
    co_await c.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
    out = bodyOf(co_await c.response());
    c.socket().destroy();
    co_await s.close();
  };
  runUntilSettled(server, task(server, body));
  EXPECT_TRUE(body == big) << "got " << body.size() << " bytes";
}

TEST_F(HttpsServerTest, ClientCertificateSignedByTheCaIsAuthorized) {
  https::ServerOptions o = serverOptions();
  o.requestCert = true;
  o.ca.emplace_back(TestPki::get().ca.cert);
  https::Server server =
      https::createServer(std::move(o), [](IncomingMessage& req, ServerResponse& res) {
        tls::PeerCertificate cert = req.getPeerCertificate();
        res.end(std::string(req.authorized() ? "authorized" : "unauthorized") +
                " CN=" + cert.subject["CN"] + " error=" + req.authorizationError());
      });
  watch(server);
  std::string got;
  auto task = [](Server& s, std::string& out) -> Promise<> {
    co_await s.listen(0, "127.0.0.1");
    TlsPeer c = co_await connectTo(s.address().port, &TestPki::get().leaf);
    co_await c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    out = bodyOf(co_await c.response());
    c.socket().destroy();
    co_await s.close();
  };
  runUntilSettled(server, task(server, got));
  EXPECT_EQ(got, "authorized CN=localhost error=");
  EXPECT_TRUE(tlsErrors_.empty());
}

TEST_F(HttpsServerTest, UntrustedClientCertificateIsRejected) {
  https::ServerOptions o = serverOptions();
  o.requestCert = true;
  o.ca.emplace_back(TestPki::get().ca.cert);
  int handled = 0;
  https::Server server =
      https::createServer(std::move(o), [&handled](IncomingMessage&, ServerResponse& res) {
        ++handled;
        res.end("served");
      });
  watch(server);
  std::string ending;
  std::string received;
  auto task = [](Server& s, std::string& end, std::string& bytes) -> Promise<> {
    co_await s.listen(0, "127.0.0.1");
    // TLS 1.3: the client's handshake is done before the server judges its certificate.
    TlsPeer c = co_await connectTo(s.address().port, &TestPki::get().selfSigned);
    co_await c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    end = co_await c.closed();
    bytes = c.pending();
    co_await s.close();
  };
  runUntilSettled(server, task(server, ending, received));
  EXPECT_EQ(handled, 0);
  EXPECT_EQ(received, "");
  EXPECT_EQ(tlsErrors_, std::vector<std::string>{"DEPTH_ZERO_SELF_SIGNED_CERT"});
}

TEST_F(HttpsServerTest, MissingClientCertificateFailsTheHandshake) {
  https::ServerOptions o = serverOptions();
  o.requestCert = true;
  o.ca.emplace_back(TestPki::get().ca.cert);
  https::Server server = echoServer(std::move(o));
  watch(server);
  std::string outcome;
  auto task = [](Server& s, std::string& out) -> Promise<> {
    co_await s.listen(0, "127.0.0.1");
    try {
      TlsPeer c = co_await connectTo(s.address().port, nullptr);
      co_await c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      out = co_await c.closed();
    } catch (...) {
      out = codeOf(std::current_exception());
    }
    co_await s.close();
  };
  runUntilSettled(server, task(server, outcome));
  // As Node: the server's alert names the reason, and the client sees it.
  EXPECT_EQ(outcome, "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED");
  EXPECT_EQ(tlsErrors_, std::vector<std::string>{"ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE"});
}

TEST_F(HttpsServerTest, RejectUnauthorizedFalseServesAndSaysWhy) {
  https::ServerOptions o = serverOptions();
  o.requestCert = true;
  o.rejectUnauthorized = false;
  o.ca.emplace_back(TestPki::get().ca.cert);
  https::Server server =
      https::createServer(std::move(o), [](IncomingMessage& req, ServerResponse& res) {
        res.end(std::string(req.authorized() ? "authorized" : "unauthorized") +
                " error=" + req.authorizationError());
      });
  std::vector<std::string> got;
  auto task = [](Server& s, std::vector<std::string>& out) -> Promise<> {
    co_await s.listen(0, "127.0.0.1");
    for (const KeyPair* cert : {&TestPki::get().selfSigned, static_cast<const KeyPair*>(nullptr)}) {
      TlsPeer c = co_await connectTo(s.address().port, cert);
      co_await c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      out.push_back(bodyOf(co_await c.response()));
      c.socket().destroy();
    }
    co_await s.close();
  };
  runUntilSettled(server, task(server, got));
  EXPECT_EQ(got, (std::vector<std::string>{"unauthorized error=DEPTH_ZERO_SELF_SIGNED_CERT",
                                           "unauthorized error=UNABLE_TO_GET_ISSUER_CERT"}));
}

/// A plain TCP client: writes `bytes` (and a FIN when `end`), then reads to the end.
Promise<std::string> rawExchange(int port, std::string bytes, bool end) {
  auto s = co_await net::connect(port, "127.0.0.1");
  if (!bytes.empty()) co_await s->write(Buffer::from(bytes));
  if (end) (void)s->end();
  std::string got;
  try {
    while (auto chunk = co_await s->read()) got += chunk->toString();
  } catch (...) {
    got += "<" + codeOf(std::current_exception()) + ">";
  }
  co_return got;
}

TEST_F(HttpsServerTest, PlainHttpOnTheTlsPortIsClosedAndReported) {
  int handled = 0;
  https::Server server =
      https::createServer(serverOptions(), [&handled](IncomingMessage&, ServerResponse& res) {
        ++handled;
        res.end("served");
      });
  watch(server);
  std::string got = "(none)";
  std::size_t openAfter = 99;
  auto task = [](Server& s, std::string& out, std::size_t& open) -> Promise<> {
    co_await s.listen(0, "127.0.0.1");
    out = co_await rawExchange(s.address().port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", false);
    open = s.connectionCount();
    co_await s.close();
  };
  runUntilSettled(server, task(server, got, openAfter));
  EXPECT_EQ(handled, 0);
  EXPECT_EQ(got.find("HTTP/"), std::string::npos) << got;  // no plaintext answer
  EXPECT_EQ(openAfter, 0u);
  EXPECT_EQ(tlsErrors_, std::vector<std::string>{"ERR_SSL_HTTP_REQUEST"});  // as Node
}

TEST_F(HttpsServerTest, PeerVanishingMidHandshakeIsAHangUp) {
  https::Server server = echoServer();
  watch(server);
  std::string got = "(none)";
  auto task = [](Server& s, std::string& out) -> Promise<> {
    co_await s.listen(0, "127.0.0.1");
    // A handshake record header that promises 512 bytes, five of them, then the FIN.
    out = co_await rawExchange(s.address().port,
                               std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03", 10), true);
    co_await s.close();
  };
  runUntilSettled(server, task(server, got));
  EXPECT_EQ(got, "");
  EXPECT_EQ(tlsErrors_, std::vector<std::string>{"ECONNRESET"});  // Node: "socket hang up"
}

TEST_F(HttpsServerTest, StalledHandshakeCountsAgainstHeadersTimeout) {
  https::ServerOptions o = serverOptions();
  o.headersTimeout = 200ms;
  o.connectionsCheckingInterval = 20ms;
  https::Server server = echoServer(std::move(o));
  auto timedOut = Promise<>::withResolvers();
  std::string code;
  server.onTlsClientError.on([&](std::exception_ptr e) {
    code = codeOf(e);
    timedOut.resolve();
  });
  std::string got;
  auto task = [](Server& s, std::string& out, Promise<> reported) -> Promise<> {
    co_await s.listen(0, "127.0.0.1");
    auto c = co_await net::connect(s.address().port, "127.0.0.1");
    co_await c->write(Buffer::from(std::string("\x16\x03\x01\x02\x00", 5)));
    co_await reported;
    while (auto chunk = co_await c->read()) out += chunk->toString();
    out += "|closed";
    co_await s.close();
  };
  runUntilSettled(server, task(server, got, timedOut.promise));
  EXPECT_EQ(code, "ERR_TLS_HANDSHAKE_TIMEOUT");
  EXPECT_EQ(got, "|closed");  // no HTTP 408 in plaintext
}

TEST_F(HttpsServerTest, HandshakeTimeoutShorterThanHeadersTimeoutApplies) {
  https::ServerOptions o = serverOptions();
  o.handshakeTimeout = 100ms;  // headersTimeout stays 60 s
  o.connectionsCheckingInterval = 20ms;
  https::Server server = echoServer(std::move(o));
  auto timedOut = Promise<>::withResolvers();
  std::string code;
  server.onTlsClientError.on([&](std::exception_ptr e) {
    code = codeOf(e);
    timedOut.resolve();
  });
  auto task = [](Server& s, Promise<> reported) -> Promise<> {
    co_await s.listen(0, "127.0.0.1");
    auto c = co_await net::connect(s.address().port, "127.0.0.1");
    co_await reported;
    while (co_await c->read()) {
    }
    co_await s.close();
  };
  runUntilSettled(server, task(server, timedOut.promise));
  EXPECT_EQ(code, "ERR_TLS_HANDSHAKE_TIMEOUT");
}

TEST_F(HttpsServerTest, CloseEndsAnIdleKeepAliveTlsConnectionAtOnce) {
  https::ServerOptions o = serverOptions();
  o.keepAliveTimeout = 60s;  // close() must not wait for it
  https::Server server = echoServer(std::move(o));
  std::string first;
  std::string ending;
  bool closeEvent = false;
  server.onClose.on([&] { closeEvent = true; });
  auto task = [](Server& s, std::string& body, std::string& end) -> Promise<> {
    co_await s.listen(0, "127.0.0.1");
    TlsPeer c = co_await connectTo(s.address().port);
    co_await c.send("GET /one HTTP/1.1\r\nHost: x\r\n\r\n");
    body = bodyOf(co_await c.response());
    Promise<> closing = s.close();
    end = co_await c.closed();  // close_notify, then the FIN: a clean end
    co_await closing;
  };
  auto started = std::chrono::steady_clock::now();
  runUntilSettled(server, task(server, first, ending));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 30s);
  EXPECT_EQ(first, "path=/one encrypted=1");
  EXPECT_EQ(ending, "end");
  EXPECT_TRUE(closeEvent);
}

TEST_F(HttpsServerTest, ClientOfferingOnlyOtherProtocolsFailsTheHandshake) {
  https::Server server = echoServer();
  watch(server);
  std::string outcome;
  auto task = [](Server& s, std::string& out) -> Promise<> {
    co_await s.listen(0, "127.0.0.1");
    tls::ConnectOptions o = trustingOptions(s.address().port);
    o.ALPNProtocols = {"h2"};
    try {
      auto c = co_await tls::connect(o);
      out = "connected " + c->alpnProtocol();
      c->destroy();
    } catch (...) {
      out = codeOf(std::current_exception());
    }
    co_await s.close();
  };
  runUntilSettled(server, task(server, outcome));
  EXPECT_EQ(outcome, "ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL");
  EXPECT_EQ(tlsErrors_, std::vector<std::string>{"ERR_SSL_NO_APPLICATION_PROTOCOL"});
}

TEST_F(HttpsServerTest, BadKeyOrCertificateThrows) {
  https::ServerOptions noCert;
  noCert.key = TestPki::get().leaf.key;
  try {
    https::Server s(noCert);
    FAIL() << "a server without a certificate was built";
  } catch (const SystemError& e) {
    EXPECT_EQ(e.code(), "ERR_TLS_INVALID_CONTEXT");
  }
  https::ServerOptions mismatched = serverOptions();
  mismatched.key = TestPki::get().selfSigned.key;
  try {
    https::Server s(mismatched);
    FAIL() << "a key that does not match the certificate was accepted";
  } catch (const SystemError& e) {
    EXPECT_EQ(e.code(), "ERR_TLS_INVALID_CONTEXT");
  }
}

TEST_F(HttpsServerTest, PlainServerRequestsAreNotEncrypted) {
  Server server([](IncomingMessage& req, ServerResponse& res) {
    res.end(std::string(req.encrypted() ? "1" : "0") + (req.authorized() ? "1" : "0") +
            (req.getPeerCertificate().empty() ? "e" : "c"));
  });
  std::string got;
  auto task = [](Server& s, std::string& out) -> Promise<> {
    co_await s.listen(0, "127.0.0.1");
    out = bodyOf(co_await rawExchange(
        s.address().port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", false));
    co_await s.close();
  };
  runUntilSettled(server, task(server, got));
  EXPECT_EQ(got, "00e");
}

// ---- external clients ----------------------------------------------------------------------

std::string capture(const std::string& command) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  ::pclose(p);
  return out;
}

TEST_F(HttpsServerTest, CurlUsesOneConnectionAndHttp11ByAlpn) {
  if (std::system("curl --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "curl not installed";
  https::Server server = echoServer();
  watch(server);
  nx::testing::TempFile ca("nx_https_ca", TestPki::get().ca.cert, ".pem");
  const std::string caPath = ca.path();
  std::string out = testing::serveWhile(loop, server, [caPath](int port) {
    const std::string base = "https://localhost:" + std::to_string(port);
    // Two URLs in one run: curl reuses the connection. It offers h2 and http/1.1 by ALPN.
    return capture("curl -sS --cacert " + nx::testing::shellQuote(caPath) +
                   " -w ' %{http_version} %{response_code}\\n' " + base + "/first " + base +
                   "/second 2>&1");
  });
  EXPECT_EQ(out, "path=/first encrypted=1 1.1 200\npath=/second encrypted=1 1.1 200\n");
  EXPECT_EQ(connections_, 1);
  EXPECT_TRUE(tlsErrors_.empty());
}

TEST_F(HttpsServerTest, NodeHttpsRequestReusesTheConnectionAndPostsABody) {
  if (!nx::testing::hasNode()) GTEST_SKIP() << "node is not on PATH";
  https::Server server = echoServer();
  watch(server);
  nx::testing::TempFile ca("nx_https_ca", TestPki::get().ca.cert, ".pem");
  nx::testing::TempFile script("nx_https_client", R"JS(
const https = require('https');
const fs = require('fs');
const [port, caFile] = process.argv.slice(2);
const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: fs.readFileSync(caFile) });
function go(method, path, body) {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: 'localhost', port, method, path, agent }, (res) => {
      const encrypted = res.socket.encrypted;  // the socket goes back to the agent at 'end'
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve(`${res.statusCode} ${text} reused=${req.reusedSocket} ` +
                                  `encrypted=${encrypted}`));
    });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}
(async () => {
  console.log(await go('GET', '/one'));
  console.log(await go('POST', '/echo', 'x'.repeat(100000)));
  console.log(await go('GET', '/three'));
  agent.destroy();
})().catch((e) => { console.log('error', e.code, e.message); process.exitCode = 1; });
)JS",
                               ".js");
  const std::string scriptPath = script.path();
  const std::string caPath = ca.path();
  std::string out = testing::serveWhile(loop, server, [scriptPath, caPath](int port) {
    return nx::testing::runNode({.script = scriptPath, .args = {std::to_string(port), caPath}}).out;
  });
  EXPECT_EQ(out,
            "200 path=/one encrypted=1 reused=false encrypted=true\n"
            "200 len=100000 reused=true encrypted=true\n"
            "200 path=/three encrypted=1 reused=true encrypted=true\n");
  EXPECT_EQ(connections_, 1);
}

}  // namespace
}  // namespace nx::http
