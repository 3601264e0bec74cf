// SPDX-License-Identifier: MIT
// https::Server's 'upgrade' and 'connect' events: the connection handed over as a
// tls::TLSSocket that carries the session on (Node's https.Server). Node's https client drives
// the WebSocket-style exchange; the other clients are tls::connect on the test's own loop.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "nodexx/core/crypto.hpp"
#include "nodexx/core/errors.hpp"
#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/core/internal/node_runner.hpp"
#include "nodexx/http/https.hpp"
#include "nodexx/http/internal/https_test_support.hpp"
#include "nodexx/http/internal/serve_test.hpp"
#include "nodexx/http/internal/upgrade_test_support.hpp"
#include "nodexx/net/internal/test_certs.hpp"
#include "nodexx/net/server.hpp"
#include "nodexx/net/socket.hpp"
#include "nodexx/net/tls.hpp"

namespace nx::http {
namespace {

using namespace std::chrono_literals;
using testing::bytes;
using testing::codeOf;
using testing::connectTo;
using testing::echo;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::kHandshake;
using testing::serverOptions;
using ::testing::StartsWith;
using testing::TlsPeer;
using testing::tunnel;
using testing::webSocketAccept;
using tls::testing::KeyPair;
using tls::testing::TestPki;

const std::string kSwitched =
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";  // RFC 6455 §1.3's example

void switchProtocols(IncomingMessage& req, const UpgradeSocket& socket) {
  (void)socket->write(bytes("HTTP/1.1 101 Switching Protocols\r\nUpgrade: " +
                            std::string(req.header("Upgrade").value_or("")) +
                            "\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
                            webSocketAccept(req.header("Sec-WebSocket-Key").value_or("")) +
                            "\r\n\r\n"));
}

class HttpsUpgradeTest : public testing::HttpsFixture {};

TEST_F(HttpsUpgradeTest, NodesHttpsClientUpgradesAndALargePayloadEchoesWithBackpressure) {
  if (!nx::testing::hasNode()) GTEST_SKIP() << "node is not on PATH";
  int handled = 0, upgrades = 0, pauses = 0;
  std::string seen;
  https::Server server =
      https::createServer(serverOptions(), [&](IncomingMessage&, ServerResponse& res) {
        ++handled;
        res.end("no");
      });
  server.onUpgrade.on([&](IncomingMessage& req, UpgradeSocket socket, Buffer head) {
    ++upgrades;
    auto t = std::dynamic_pointer_cast<tls::TLSSocket>(socket);
    ASSERT_NE(t, nullptr);
    seen = std::string(req.url()) + " secure=" + (t->isSecure() ? "1" : "0") +
           " servername=" + t->servername() + " remote=" + t->remoteAddress();
    switchProtocols(req, socket);
    echo(socket, head, &pauses);
  });
  nx::testing::TempFile ca("nx_https_upgrade_ca", TestPki::get().ca.cert, ".pem");
  const std::string caPath = ca.path();
  constexpr std::size_t kSize = 400 * 1024;  // far above every buffer's high water mark
  std::string out = testing::serveWhile(loop, server, [caPath](int port) {
    return nx::testing::runNode({.script = "nodexx/http/testdata/https_upgrade_client.js",
                                 .args = {std::to_string(port), caPath, std::to_string(kSize)}})
        .out;
  });
  EXPECT_EQ(out, "101 upgrade=websocket accept=s3pPLMBiTxaQ9kYGzzhZRbK+xOo= echoed=" +
                     std::to_string(kSize) + " same=true encrypted=true\n");
  EXPECT_EQ(seen, "/chat secure=1 servername=localhost remote=127.0.0.1");
  EXPECT_EQ(upgrades, 1);
  EXPECT_EQ(handled, 0);
  // The echo's writes went over the high water mark, so it paused reading until 'drain'.
  EXPECT_GT(pauses, 0);
  EXPECT_EQ(server.connectionCount(), 0U);
}

TEST_F(HttpsUpgradeTest, PipelinedAnswersGoFirstEncryptedAndBytesAfterTheHeadArriveInHead) {
  // Two connections. On the first, an answer pipelined before the Upgrade is still corked
  // (plaintext) when the head is parsed. On the second, the first answer is larger than the
  // kernel's buffers take (the client reads it only once it saw the 101), so its ciphertext and
  // plaintext wait in the connection; a second answer queues behind them. All must come first.
  const std::string big(16 * 1024 * 1024, 'b');
  std::vector<std::string> heads;
  https::Server server =
      https::createServer(serverOptions(), [&](IncomingMessage& req, ServerResponse& res) {
        res.end(req.url() == "/big" ? big : "small " + std::string(req.url()));
      });
  server.onUpgrade.on([&](IncomingMessage& req, UpgradeSocket socket, Buffer head) {
    heads.emplace_back(head.byteView());
    switchProtocols(req, socket);
    echo(socket, head);
  });
  std::vector<std::string> got;
  auto task = [](Server& s, std::vector<std::string>& out,
                 const std::string& bigBody) -> Promise<> {
    co_await s.listen(0, "127.0.0.1");
    const int port = s.address().port;
    // One write each time: the frame bytes and the request after the head come with the head.
    const std::string upgrade = "GET /s HTTP/1.1\r\nHost: x\r\n\r\n" + kHandshake +
                                "\x81\x05hello" + "GET /after HTTP/1.1\r\nHost: x\r\n\r\n";
    for (bool withBig : {false, true}) {
      TlsPeer a = co_await connectTo(port);
      std::string first;
      if (withBig) {
        co_await a.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
        first = co_await a.readUntil("HTTP/1.1 200 OK\r\n");  // it is being sent
      }
      co_await a.send(upgrade);
      first += co_await a.readUntil(kSwitched);
      // The big body whole, then the small answer, then the 101, and nothing in between.
      const bool bigFirst =
          !withBig || first.find("\r\n\r\n" + bigBody + "HTTP/1.1 200 OK\r\n") != std::string::npos;
      const bool smallLast = first.ends_with("\r\n\r\nsmall /s" + kSwitched);
      out.push_back(bigFirst && smallLast ? "answers in order" : "answers missing or misordered");
      (void)a.socket().end();
      out.push_back(co_await a.rest());
    }
    co_await s.close();
  };
  runUntilSettled(server, task(server, got, big));
  const std::string echoed = "\x81\x05helloGET /after HTTP/1.1\r\nHost: x\r\n\r\n";
  EXPECT_THAT(
      got, ElementsAre("answers in order", echoed + "|end", "answers in order", echoed + "|end"));
  EXPECT_THAT(heads, ElementsAre(echoed, echoed));
}

TEST_F(HttpsUpgradeTest, ConnectTunnelsThroughTheTlsSessionToALocalEchoServer) {
  // The target answers every chunk with "echo:" and the chunk, and ends when the client does.
  auto target = net::createServer([](std::shared_ptr<net::Socket> s) {
    net::Socket* raw = s.get();
    raw->events().data.on([raw](Buffer& b) { (void)raw->write(bytes("echo:" + b.toString())); });
  });
  int handled = 0;
  int targetPort = 0;
  std::string url;
  https::Server server =
      https::createServer(serverOptions(), [&](IncomingMessage&, ServerResponse& res) {
        ++handled;
        res.end();
      });
  server.onConnect.on([&](IncomingMessage& req, UpgradeSocket socket, Buffer head) {
    url = std::string(req.method()) + " " + std::string(req.url());
    EXPECT_NE(std::dynamic_pointer_cast<tls::TLSSocket>(socket), nullptr);
    (void)tunnel(std::move(socket), std::move(head), targetPort);
  });
  std::vector<std::string> got;
  auto task = [](Server& s, std::shared_ptr<net::Server> t, int& tport,
                 std::vector<std::string>& out) -> Promise<> {
    co_await t->listen(0, "127.0.0.1");
    tport = t->address().port;
    co_await s.listen(0, "127.0.0.1");
    TlsPeer c = co_await connectTo(s.address().port);
    const std::string host = "127.0.0.1:" + std::to_string(tport);
    co_await c.send("CONNECT " + host + " HTTP/1.1\r\nHost: " + host + "\r\n\r\nhello");
    out.push_back(co_await c.readUntil("echo:hello"));
    co_await c.send("again");
    out.push_back(co_await c.readUntil("echo:again"));
    (void)c.socket().end();  // close_notify: the tunnel ends both ways
    out.push_back(co_await c.rest());
    co_await s.close();
    co_await t->close();
  };
  runUntilSettled(server, task(server, target, targetPort, got));
  EXPECT_THAT(got, ElementsAre("HTTP/1.1 200 Connection Established\r\n\r\necho:hello",
                               "echo:again", "|end"));
  EXPECT_EQ(url, "CONNECT 127.0.0.1:" + std::to_string(targetPort));
  EXPECT_EQ(handled, 0);
}

TEST_F(HttpsUpgradeTest, MutualTlsStateIsVisibleOnTheUpgradedSocket) {
  https::ServerOptions o = serverOptions();
  o.requestCert = true;
  o.rejectUnauthorized = false;  // so that an untrusted client is served and told why
  o.ca.emplace_back(TestPki::get().ca.cert);
  https::Server server =
      https::createServer(std::move(o), [](IncomingMessage&, ServerResponse& res) { res.end(); });
  server.onUpgrade.on([](IncomingMessage& req, UpgradeSocket socket, Buffer) {
    auto t = std::dynamic_pointer_cast<tls::TLSSocket>(socket);
    ASSERT_NE(t, nullptr);
    tls::PeerCertificate cert = t->getPeerCertificate();
    switchProtocols(req, socket);
    (void)t->end(bytes(std::string(t->authorized() ? "authorized" : "unauthorized") +
                       " CN=" + cert.subject["CN"] + " error=" + t->authorizationError() +
                       " alpn=" + t->alpnProtocol() + " " + t->getProtocol()));
  });
  std::vector<std::string> got;
  auto task = [](Server& s, std::vector<std::string>& out) -> Promise<> {
    co_await s.listen(0, "127.0.0.1");
    for (const KeyPair* cert : {&TestPki::get().leaf, &TestPki::get().selfSigned}) {
      TlsPeer c = co_await connectTo(s.address().port, cert);
      co_await c.send(kHandshake);
      (void)co_await c.readUntil("\r\n\r\n");
      out.push_back(co_await c.rest());
    }
    co_await s.close();
  };
  runUntilSettled(server, task(server, got));
  EXPECT_THAT(got, ElementsAre("authorized CN=localhost error= alpn= TLSv1.3|end",
                               "unauthorized CN=localhost error=DEPTH_ZERO_SELF_SIGNED_CERT "
                               "alpn= TLSv1.3|end"));
}

TEST_F(HttpsUpgradeTest, CloseNotifyRightAfterTheHeadEndsTheUpgradedSocketAsNode) {
  // The client's close_notify usually arrives in the read that holds the head: the engine has
  // seen it before the hand-over, and the new socket must still end. As in Node (whose
  // https.Server's TLSSocket has allowHalfOpen false), our side then ends too.
  https::Server server = https::createServer(
      serverOptions(), [](IncomingMessage&, ServerResponse& res) { res.end(); });
  std::vector<std::string> events;
  server.onUpgrade.on([&](IncomingMessage& req, UpgradeSocket socket, Buffer head) {
    switchProtocols(req, socket);
    (void)socket->write(head);
    socket->events().end.on([&events] { events.emplace_back("end"); });
    socket->events().finish.on([&events] { events.emplace_back("finish"); });
    socket->resume();
  });
  std::string got;
  auto task = [](Server& s, std::string& out) -> Promise<> {
    co_await s.listen(0, "127.0.0.1");
    TlsPeer c = co_await connectTo(s.address().port);
    (void)c.socket().write(bytes(kHandshake + "last words"));
    (void)c.socket().end();
    out = co_await c.rest();
    co_await s.close();
  };
  runUntilSettled(server, task(server, got));
  EXPECT_EQ(got, kSwitched + "last words|end");
  EXPECT_THAT(events, ElementsAre("end", "finish"));
}

TEST_F(HttpsUpgradeTest, CloseWaitsForAnUpgradedTlsSocketThatCloseAllConnectionsLeavesOpen) {
  https::Server server = https::createServer(
      serverOptions(), [](IncomingMessage&, ServerResponse& res) { res.end(); });
  std::optional<Promise<>> closed;
  bool closedBeforeDestroy = true;
  std::size_t countAfterCloseAll = 0;
  server.onUpgrade.on([&](IncomingMessage& req, UpgradeSocket socket, Buffer head) {
    switchProtocols(req, socket);
    echo(socket, head);
    server.closeAllConnections();
    server.closeIdleConnections();
    countAfterCloseAll = server.connectionCount();
    closed = server.close();
    stream::Duplex<Buffer, Buffer>* s = socket.get();
    s->events().data.on([&, s](Buffer& b) {
      if (b.toString().find("bye") == std::string::npos) return;
      closedBeforeDestroy = closed->isFulfilled();
      s->destroy();
    });
  });
  std::string got;
  auto task = [](Server& s, std::string& out) -> Promise<> {
    co_await s.listen(0, "127.0.0.1");
    TlsPeer c = co_await connectTo(s.address().port);
    co_await c.send(kHandshake);
    out = co_await c.readUntil("\r\n\r\n");
    co_await c.send("bye");
    out += co_await c.rest();
  };
  runUntilSettled(server, task(server, got));
  EXPECT_THAT(got, StartsWith("HTTP/1.1 101 Switching Protocols\r\n"));
  // Echoed, then cut by destroy(): no close_notify, so the client sees a reset or a bare FIN.
  EXPECT_THAT(got, HasSubstr("\r\n\r\nbye|"));
  EXPECT_EQ(countAfterCloseAll, 1U);
  EXPECT_FALSE(closedBeforeDestroy);
  ASSERT_TRUE(closed.has_value());
  EXPECT_TRUE(closed->isFulfilled());
  EXPECT_EQ(server.connectionCount(), 0U);
}

TEST_F(HttpsUpgradeTest, WithoutListenersAnUpgradeIsARequestAndAConnectIsDestroyed) {
  https::Server server =
      https::createServer(serverOptions(), [](IncomingMessage& req, ServerResponse& res) {
        res.end("path=" + std::string(req.path()));
      });
  int taken = 0;
  // Each event takes only its own kind of request.
  const ListenerId connectListener =
      server.onConnect.on([&taken](IncomingMessage&, UpgradeSocket, Buffer) { ++taken; });
  std::vector<std::string> out;
  auto task = [](Server& s, ListenerId connectListener, std::vector<std::string>& o) -> Promise<> {
    co_await s.listen(0, "127.0.0.1");
    TlsPeer up = co_await connectTo(s.address().port);
    co_await up.send(kHandshake);
    std::string r = co_await up.rest();
    o.push_back(r.find("Connection: close\r\n") != std::string::npos ? "close" : "keep");
    o.push_back(r.substr(r.find("\r\n\r\n") + 4));
    s.onConnect.off(connectListener);
    TlsPeer tunnel = co_await connectTo(s.address().port);
    co_await tunnel.send("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
    o.push_back(co_await tunnel.rest());
    co_await s.close();
  };
  runUntilSettled(server, task(server, connectListener, out));
  EXPECT_THAT(out, ElementsAre("close", "path=/chat|end", "|end"));
  EXPECT_EQ(taken, 0);
}

}  // namespace
}  // namespace nx::http
