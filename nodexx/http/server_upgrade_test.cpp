// SPDX-License-Identifier: MIT
// http::Server's 'upgrade' and 'connect' events (the connection handed over as a net::Socket)
// and trailers both ways, checked on the wire and against Node's own http.Server
// (testdata/upgrade_twin.js) and http client.
#include "nodexx/http/server.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "nodexx/core/crypto.hpp"
#include "nodexx/core/errors.hpp"
#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/core/internal/node_runner.hpp"
#include "nodexx/core/threadpool.hpp"
#include "nodexx/http/internal/serve_test.hpp"
#include "nodexx/http/internal/server_test_client.hpp"
#include "nodexx/http/internal/upgrade_test_support.hpp"
#include "nodexx/net/server.hpp"
#include "nodexx/net/socket.hpp"

namespace nx::http {
namespace {

using namespace std::chrono_literals;
using testing::bytes;
using testing::echo;
using ::testing::HasSubstr;
using testing::kHandshake;
using ::testing::Not;
using testing::RawClient;
using testing::statusOf;
using testing::tunnel;
using testing::webSocketAccept;

std::string str(const Buffer& b) { return std::string(b.byteView()); }
// Every Date field's value replaced by "X", so that two answers compare byte for byte.
std::string withoutDates(std::string r) {
  for (std::size_t p = 0; (p = r.find("\r\nDate: ", p)) != std::string::npos; p += 8) {
    std::size_t e = r.find("\r\n", p + 2);
    r.replace(p + 8, e - (p + 8), "X");
  }
  return r;
}

// Sends `request`, half-closes, and returns everything until the server closes.
std::string roundTrip(int port, std::string_view request) {
  RawClient c(port);
  c.send(request);
  c.shutdownWrite();
  return c.readAll();
}

// The listeners of the twin (testdata/upgrade_twin.js has the same in JavaScript): answer, send
// `head` back, then echo every byte until the client ends.
void upgradeListener(IncomingMessage& req, UpgradeSocket socket, Buffer head) {
  (void)socket->write(bytes("HTTP/1.1 101 Switching Protocols\r\nUpgrade: " +
                            std::string(req.header("Upgrade").value_or("")) +
                            "\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
                            webSocketAccept(req.header("Sec-WebSocket-Key").value_or("")) +
                            "\r\n\r\n"));
  echo(socket, head);
}

void connectListener(IncomingMessage& req, UpgradeSocket socket, Buffer head) {
  (void)socket->write(bytes(
      "HTTP/1.1 200 Connection Established\r\nX-Target: " + std::string(req.url()) + "\r\n\r\n"));
  echo(socket, head);
}

Promise<> twinHandler(IncomingMessage& req, ServerResponse& res) {
  if (req.url() == "/trailers") {
    res.setHeader("Trailer", "X-Sum");
    (void)res.write("ab");
    res.addTrailers({{"X-Sum", "3"}, {"x-more", "a b"}});
    res.end("c");
  } else if (req.url() == "/trailers-end") {
    res.setHeader("Trailer", "X-Sum");
    res.addTrailers({{"X-Sum", "3"}});
    res.end("abc");
  } else if (req.url() == "/cl-trailers") {
    res.addTrailers({{"X-Sum", "3"}});
    res.end("abc");
  } else if (req.url() == "/req-trailers") {
    (void)co_await req.body();
    std::string out;
    for (const auto& f : req.trailers()) out += f.name + "=" + f.value + ";";
    res.end(out);
  } else {
    res.end("plain " + std::string(req.method()) + " " + std::string(req.url()));
  }
}

class ServerUpgradeTest : public nx::testing::FreshLoop {
 protected:
  template <class F>
  auto withClient(Server& server, F client) {
    return testing::serveWhile(loop, server, std::move(client));
  }
};

TEST_F(ServerUpgradeTest, WebSocketHandshakeHandsTheConnectionOverAndBytesFlowBothWays) {
  int handled = 0, upgrades = 0;
  Server server([&](IncomingMessage&, ServerResponse& res) {
    ++handled;
    res.end("no");
  });
  server.onUpgrade.on([&](IncomingMessage& req, UpgradeSocket socket, Buffer head) {
    ++upgrades;
    EXPECT_EQ(req.url(), "/chat");
    EXPECT_EQ(req.remoteAddress(), "127.0.0.1");
    EXPECT_NE(std::dynamic_pointer_cast<net::Socket>(socket), nullptr);
    upgradeListener(req, std::move(socket), std::move(head));
  });
  const std::string big(300 * 1024, 'z');  // more than the socket buffers: backpressure
  std::string r = withClient(server, [&](int port) {
    RawClient c(port);
    c.send(kHandshake);
    std::string answer = c.readResponse();
    c.send("ping");
    c.send(big);
    c.shutdownWrite();
    return answer + "|" + c.readAll();
  });
  EXPECT_EQ(r,
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n|ping" +
                big);  // RFC 6455 §1.3's example key and answer
  EXPECT_EQ(upgrades, 1);
  EXPECT_EQ(handled, 0);  // an upgrade taken by a listener never reaches the handler
}

TEST_F(ServerUpgradeTest, UpgradeOverAUnixSocketHandsOverAPipe) {
  Server server([](IncomingMessage&, ServerResponse& res) { res.end("no"); });
  server.onUpgrade.on(upgradeListener);
  const std::string path = "/tmp/nx_upgrade_" + std::to_string(::getpid()) + ".sock";
  ::unlink(path.c_str());
  std::string r;
  auto task = [](Server& s, std::string p, std::string& out) -> Promise<> {
    co_await s.listen(p);
    auto job = [p] {
      RawClient c(p);
      c.send(kHandshake + "over a pipe");
      c.shutdownWrite();
      return c.readAll();
    };
    out = co_await threadpool::run(std::move(job));
    co_await s.close(2000ms);
  };
  Promise<> p = task(server, path, r);
  loop.run();
  EXPECT_TRUE(p.isFulfilled());
  EXPECT_THAT(r, ::testing::StartsWith("HTTP/1.1 101 Switching Protocols\r\n"));
  EXPECT_THAT(r, ::testing::EndsWith("\r\n\r\nover a pipe"));
}

TEST_F(ServerUpgradeTest, HeadHoldsTheBytesReceivedAfterTheRequestHead) {
  std::vector<std::string> heads;
  Server server([](IncomingMessage&, ServerResponse& res) { res.end("no"); });
  server.onUpgrade.on([&](IncomingMessage&, UpgradeSocket socket, Buffer head) {
    heads.push_back(str(head));
    (void)socket->end();
  });
  withClient(server, [](int port) {
    // Sent in one write each: one read on the server's side, so all of it comes with the head.
    roundTrip(port, kHandshake + "\x81\x05hello");
    // A body is not parsed: it is the other protocol's too.
    roundTrip(port,
              "POST /u HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: x\r\n"
              "Content-Length: 5\r\n\r\nhelloMORE");
    roundTrip(port, kHandshake);
    return 0;
  });
  EXPECT_THAT(heads, ::testing::ElementsAre("\x81\x05hello", "helloMORE", ""));
}

TEST_F(ServerUpgradeTest, PipelinedAnswersGoFirstAndBytesAfterTheHeadAreNeverParsedAsHttp) {
  int handled = 0;
  Server server([&](IncomingMessage& req, ServerResponse& res) {
    ++handled;
    res.end("first " + std::string(req.url()));
  });
  server.onUpgrade.on(upgradeListener);
  std::string r = withClient(server, [](int port) {
    return roundTrip(port, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n" + kHandshake +
                               "GET /b HTTP/1.1\r\nHost: x\r\n\r\n");
  });
  EXPECT_EQ(handled, 1);
  std::size_t first = r.find("first /a");
  std::size_t switched = r.find("HTTP/1.1 101 Switching Protocols");
  ASSERT_NE(first, std::string::npos) << r;
  ASSERT_NE(switched, std::string::npos) << r;
  EXPECT_LT(first, switched);
  // The request after the handshake came back as bytes of the new protocol.
  EXPECT_THAT(r, ::testing::EndsWith("\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n"));
}

TEST_F(ServerUpgradeTest, ConnectTunnelsToALocalEchoServer) {
  // The target: answers every chunk with "echo:" and the chunk, and ends when the client does.
  auto target = net::createServer([](std::shared_ptr<net::Socket> s) {
    net::Socket* raw = s.get();
    raw->events().data.on([raw](Buffer& b) { (void)raw->write(bytes("echo:" + str(b))); });
  });
  int handled = 0;
  Server server([&](IncomingMessage&, ServerResponse& res) {
    ++handled;
    res.end();
  });
  int targetPort = 0;
  server.onConnect.on([&](IncomingMessage& req, UpgradeSocket socket, Buffer head) {
    EXPECT_EQ(req.method(), "CONNECT");
    EXPECT_EQ(req.url(), "127.0.0.1:" + std::to_string(targetPort));
    (void)tunnel(std::move(socket), std::move(head), targetPort);
  });
  std::string r;
  auto task = [](Server& s, std::shared_ptr<net::Server> t, int& tport,
                 std::string& out) -> Promise<> {
    co_await t->listen(0, "127.0.0.1");
    tport = t->address().port;
    co_await s.listen(0, "127.0.0.1");
    auto job = [port = s.address().port, tport] {
      RawClient c(port);
      std::string host = "127.0.0.1:" + std::to_string(tport);
      c.send("CONNECT " + host + " HTTP/1.1\r\nHost: " + host + "\r\n\r\nhello");
      c.shutdownWrite();
      return c.readAll();
    };
    out = co_await threadpool::run(std::move(job));
    co_await s.close(2000ms);
    co_await t->close();
  };
  Promise<> p = task(server, target, targetPort, r);
  loop.run();
  EXPECT_TRUE(p.isFulfilled());
  EXPECT_EQ(r, "HTTP/1.1 200 Connection Established\r\n\r\necho:hello");
  EXPECT_EQ(handled, 0);
}

TEST_F(ServerUpgradeTest, ConnectWithoutListenerIsDestroyedWithoutAnAnswerAsNode) {
  std::vector<std::string> urls;
  Server server([&](IncomingMessage& req, ServerResponse& res) {
    urls.emplace_back(req.url());
    res.end("ok");
  });
  server.onUpgrade.on(upgradeListener);  // only 'connect' listeners take CONNECT
  auto r = withClient(server, [](int port) {
    std::string alone = roundTrip(port, "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\nxyz");
    std::string after = roundTrip(
        port,
        "GET /first HTTP/1.1\r\nHost: x\r\n\r\nCONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n");
    return std::make_pair(alone, after);
  });
  EXPECT_EQ(r.first, "");
  EXPECT_EQ(statusOf(r.second), 200);
  EXPECT_THAT(r.second, ::testing::EndsWith("\r\n\r\nok"));
  EXPECT_THAT(urls, ::testing::ElementsAre("/first"));
}

TEST_F(ServerUpgradeTest, UpgradeWithoutListenerIsAnOrdinaryRequestAndTheConnectionCloses) {
  std::vector<std::string> urls;
  Server server([&](IncomingMessage& req, ServerResponse& res) {
    urls.emplace_back(req.url());
    res.end("served");
  });
  server.onConnect.on(connectListener);  // only 'upgrade' listeners take an Upgrade
  std::string r = withClient(server, [](int port) {
    RawClient c(port);
    c.send(kHandshake + "GET /after HTTP/1.1\r\nHost: x\r\n\r\n");
    return c.readAll();  // no half-close: the server closes by itself
  });
  EXPECT_THAT(r, HasSubstr("\r\nConnection: close\r\n"));
  EXPECT_THAT(r, ::testing::EndsWith("\r\n\r\nserved"));
  EXPECT_THAT(urls, ::testing::ElementsAre("/chat"));  // what follows is not HTTP
}

TEST_F(ServerUpgradeTest, CloseWaitsForUpgradedSocketsThatCloseAllConnectionsLeavesOpen) {
  Server server([](IncomingMessage&, ServerResponse& res) { res.end(); });
  std::optional<Promise<>> closed;
  bool closedBeforeDestroy = true;
  std::size_t countAfterCloseAll = 0;
  server.onUpgrade.on([&](IncomingMessage& req, UpgradeSocket socket, Buffer head) {
    upgradeListener(req, socket, std::move(head));
    server.closeAllConnections();
    server.closeIdleConnections();
    countAfterCloseAll = server.connectionCount();
    closed = server.close();
    stream::Duplex<Buffer, Buffer>* s = socket.get();
    s->events().data.on([&, s](Buffer& b) {
      if (str(b).find("bye") == std::string::npos) return;
      closedBeforeDestroy = closed->isFulfilled();
      s->destroy();
    });
  });
  std::string got;
  auto task = [](Server& s, std::string& out) -> Promise<> {
    co_await s.listen(0, "127.0.0.1");
    int port = s.address().port;
    auto job = [port] {
      RawClient c(port);
      c.send(kHandshake);
      std::string answer = c.readResponse();
      c.send("bye");
      return answer + "|" + c.readAll();
    };
    out = co_await threadpool::run(std::move(job));
  };
  Promise<> p = task(server, got);
  loop.run();
  ASSERT_TRUE(p.isFulfilled());
  EXPECT_EQ(statusOf(got), 101);
  EXPECT_THAT(got, ::testing::EndsWith("|bye"));  // echoed, then closed by destroy()
  EXPECT_EQ(countAfterCloseAll, 1U);
  EXPECT_FALSE(closedBeforeDestroy);
  ASSERT_TRUE(closed.has_value());
  EXPECT_TRUE(closed->isFulfilled());
  EXPECT_EQ(server.connectionCount(), 0U);
}

// ---------------------------------------------------------------------------------------------
// Trailers

TEST_F(ServerUpgradeTest, ChunkedResponseSendsTrailersAfterTheLastChunk) {
  Server server{RequestHandler(twinHandler)};
  auto r = withClient(server, [](int port) {
    return std::make_pair(roundTrip(port, "GET /trailers HTTP/1.1\r\nHost: x\r\n\r\n"),
                          roundTrip(port, "GET /trailers-end HTTP/1.1\r\nHost: x\r\n\r\n"));
  });
  EXPECT_THAT(r.first, ::testing::EndsWith("Transfer-Encoding: chunked\r\n\r\n2\r\nab\r\n1\r\nc\r\n"
                                           "0\r\nX-Sum: 3\r\nx-more: a b\r\n\r\n"));
  // A Trailer field makes end(body) chunked, as in Node.
  EXPECT_THAT(r.second, ::testing::EndsWith("Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"
                                            "0\r\nX-Sum: 3\r\n\r\n"));
}

TEST_F(ServerUpgradeTest, TrailersThatCannotBeSentAreDroppedOrRejectedAsNode) {
  std::vector<std::string> codes;
  Server server([&](IncomingMessage& req, ServerResponse& res) {
    auto attempt = [&](auto f) {
      try {
        f();
      } catch (const SystemError& e) {
        codes.emplace_back(e.code());
      }
    };
    if (req.url() == "/bad-name") {
      attempt([&] { res.addTrailers({{"X T", "1"}}); });
      attempt([&] { res.addTrailers({{"X-T", "a\nb"}}); });
      res.end("checked");
    } else if (req.url() == "/length") {
      res.setHeader("Trailer", "X-T");
      res.setHeader("Content-Length", "3");
      res.addTrailers({{"X-T", "1"}});
      attempt([&] { res.end("abc"); });
      EXPECT_FALSE(res.headersSent());
      res.removeHeader("Trailer");
      res.end("abc");
    } else {
      res.addTrailers({{"X-T", "1"}});  // dropped: the response is not chunked
      res.end("abc");
      res.addTrailers({{"X-After", "1"}});  // after end(): nothing happens
    }
  });
  auto r = withClient(server, [](int port) {
    return std::vector<std::string>{
        roundTrip(port, "GET /bad-name HTTP/1.1\r\nHost: x\r\n\r\n"),
        roundTrip(port, "GET /length HTTP/1.1\r\nHost: x\r\n\r\n"),
        roundTrip(port, "GET /plain HTTP/1.1\r\nHost: x\r\n\r\n"),
        roundTrip(port, "GET /plain HTTP/1.0\r\n\r\n"),
    };
  });
  EXPECT_THAT(codes, ::testing::ElementsAre("ERR_INVALID_HTTP_TOKEN", "ERR_INVALID_CHAR",
                                            "ERR_HTTP_TRAILER_INVALID"));
  EXPECT_THAT(r[0], ::testing::EndsWith("\r\n\r\nchecked"));
  EXPECT_THAT(r[1], HasSubstr("\r\nContent-Length: 3\r\n"));  // the user's, before the others
  EXPECT_THAT(r[1], ::testing::EndsWith("\r\n\r\nabc"));
  EXPECT_THAT(r[1], Not(HasSubstr("Trailer")));
  EXPECT_THAT(r[2], ::testing::EndsWith("Content-Length: 3\r\n\r\nabc"));
  EXPECT_THAT(r[3], ::testing::EndsWith("Content-Length: 3\r\n\r\nabc"));
}

TEST_F(ServerUpgradeTest, RequestTrailersAreReadableOnceTheBodyEnded) {
  std::vector<std::string> seen;
  Server server(RequestHandler([&](IncomingMessage& req, ServerResponse& res) -> Promise<> {
    seen.push_back("before " + std::to_string(req.trailers().size()));
    Buffer body = co_await req.body();
    std::string out = str(body) + ";";
    for (const auto& f : req.trailers()) out += f.name + "=" + f.value + ";";
    res.end(out);
  }));
  std::string r = withClient(server, [](int port) {
    return roundTrip(port,
                     "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"
                     "0\r\nX-T: 1  \r\nx-t: 2\r\nY:\r\n\r\n");
  });
  EXPECT_THAT(r, ::testing::EndsWith("\r\n\r\nabc;X-T=1;x-t=2;Y=;"));
  EXPECT_THAT(seen, ::testing::ElementsAre("before 0"));
}

// ---------------------------------------------------------------------------------------------
// Against node

/// A script of nodexx/http/testdata, as runNode and NodeServer take it.
nx::testing::NodeCommand testdataScript(const std::string& name,
                                        std::vector<std::string> args = {}) {
  return nx::testing::NodeCommand{.script = "nodexx/http/testdata/" + name,
                                  .args = std::move(args)};
}

TEST_F(ServerUpgradeTest, SameBytesAsNodesHttpServerWithUpgradeAndConnectListeners) {
  if (!nx::testing::hasNode()) GTEST_SKIP() << "node is not on PATH";
  nx::testing::NodeServer node(testdataScript("upgrade_twin.js"));
  const int nodePort = std::atoi(node.firstLine().c_str());
  ASSERT_NE(nodePort, 0) << "upgrade_twin.js did not start";
  Server server{RequestHandler(twinHandler)};
  server.onUpgrade.on(upgradeListener);
  server.onConnect.on(connectListener);
  const std::vector<std::string> cases = {
      kHandshake,
      kHandshake + "\x81\x05hello",
      "POST /u HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: x\r\nContent-Length: 5\r\n"
      "\r\nhelloMORE",
      "GET /a HTTP/1.1\r\nHost: x\r\n\r\n" + kHandshake + "GET /b HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET / HTTP/1.1\r\nConnection: upgrade\r\nUpgrade: no-host\r\n\r\nraw",
      "GET / HTTP/1.0\r\nConnection: upgrade\r\nUpgrade: old\r\n\r\n",
      "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n\x16\x03\x01",
      "CONNECT example.com:443 HTTP/1.1\r\n\r\n",
      "GET /a HTTP/1.1\r\nHost: x\r\n\r\nCONNECT b:1 HTTP/1.1\r\nHost: b:1\r\n\r\nafter",
      "GET /upgrade-header-only HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n",
      "GET /trailers HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET /trailers-end HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET /cl-trailers HTTP/1.1\r\nHost: x\r\n\r\n",
      "POST /req-trailers HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"
      "0\r\nX-T: 1  \r\nx-t: 2\r\nY:\r\n\r\n",
  };
  auto diffs = withClient(server, [&cases, nodePort](int port) {
    std::vector<std::string> out;
    for (const std::string& c : cases) {
      std::string ours = withoutDates(roundTrip(port, c));
      std::string theirs = withoutDates(roundTrip(nodePort, c));
      if (ours != theirs) out.push_back(c + "\n  node:   " + theirs + "\n  nodexx: " + ours);
    }
    return out;
  });
  EXPECT_THAT(diffs, ::testing::IsEmpty());
}

TEST_F(ServerUpgradeTest, NodesClientSendsAndReceivesTrailers) {
  if (!nx::testing::hasNode()) GTEST_SKIP() << "node is not on PATH";
  Server server{RequestHandler(twinHandler)};
  auto out = withClient(server, [](int port) {
    return nx::testing::runNode(testdataScript("trailers_client.js", {std::to_string(port)})).out;
  });
  EXPECT_EQ(out,
            "request trailers: X-Sum=6;x-extra=yes;\n"
            "response trailers: {\"x-sum\":\"3\",\"x-more\":\"a b\"}\n");
}

}  // namespace
}  // namespace nx::http
