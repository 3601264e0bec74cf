// SPDX-License-Identifier: MIT
#include "nodexx/net/server.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "nodexx/core/combinators.hpp"
#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/core/loop.hpp"
#include "nodexx/net/errors.hpp"
#include "nodexx/net/net.hpp"

namespace {

using nx::Buffer;
using nx::Promise;
using nx::net::Server;
using nx::net::Socket;

class ServerTest : public nx::testing::FreshLoop {};

std::string errorText(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const nx::SystemError& err) {
    return std::string(err.code()) + "|" + err.what();
  } catch (...) {
    return "?";
  }
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + ",";
  return s;
}

Promise<> addressInUse(std::vector<std::string>* log) {
  auto first = nx::net::createServer();
  co_await first->listen(0, "127.0.0.1");
  const int port = first->address().port;
  auto second = nx::net::createServer();
  second->events().error.on(
      [log](std::exception_ptr& e) { log->push_back("event " + errorText(e)); });
  try {
    co_await second->listen(port, "127.0.0.1");
  } catch (...) {
    log->push_back("rejected " + errorText(std::current_exception()));
  }
  log->push_back(std::to_string(port));
  co_await first->close();  // the "error" event comes from a nextTick, before this resumes
}

TEST_F(ServerTest, ListeningOnATakenPortFailsWithEaddrinuse) {
  std::vector<std::string> log;
  (void)addressInUse(&log);
  EXPECT_EQ(nx::run(), 0);
  ASSERT_EQ(log.size(), 3u);
  const std::string expected =
      "EADDRINUSE|listen EADDRINUSE: address already in use 127.0.0.1:" + log[1];
  EXPECT_EQ(log[0], "rejected " + expected);
  EXPECT_EQ(log[2], "event " + expected);
}

Promise<> anyAddress(std::vector<std::string>* log) {
  auto server = nx::net::createServer();
  server->events().listening.on([log] { log->push_back("listening event"); });
  co_await server->listen();
  log->push_back("listen resolved");
  const auto& a = server->address();
  log->push_back(a.address + " " + a.family + " " + (a.port > 0 ? "port" : "no port"));
  // IPv4 clients reach a server on "::" (IPv4-mapped), as with Node's default.
  auto c = co_await nx::net::connect(a.port, "127.0.0.1");
  c->destroy();
  co_await server->close();
  log->push_back("closed");
}

TEST_F(ServerTest, DefaultHostIsEveryAddressWithAnEphemeralPort) {
  std::vector<std::string> log;
  (void)anyAddress(&log);
  EXPECT_EQ(nx::run(), 0);
  EXPECT_EQ(joined(log), "listening event,listen resolved,:: IPv6 port,closed,");
}

Promise<> notRunning(std::vector<std::string>* log) {
  auto server = nx::net::createServer();
  server->events().close.on([log] { log->push_back("close event"); });
  try {
    co_await server->close();
  } catch (...) {
    log->push_back(errorText(std::current_exception()));
  }
}

TEST_F(ServerTest, CloseWhenNotListeningRejectsWithErrServerNotRunning) {
  std::vector<std::string> log;
  (void)notRunning(&log);
  EXPECT_EQ(nx::run(), 0);
  EXPECT_EQ(joined(log), "close event,ERR_SERVER_NOT_RUNNING|Server is not running.,");
}

Promise<> listenTwice(std::vector<std::string>* log) {
  auto server = nx::net::createServer();
  co_await server->listen(0, "127.0.0.1");
  try {
    co_await server->listen(0, "127.0.0.1");
  } catch (...) {
    log->push_back(errorText(std::current_exception()));
  }
  co_await server->close();
}

TEST_F(ServerTest, ListenTwiceRejectsWithErrServerAlreadyListen) {
  std::vector<std::string> log;
  (void)listenTwice(&log);
  EXPECT_EQ(nx::run(), 0);
  EXPECT_EQ(joined(log),
            "ERR_SERVER_ALREADY_LISTEN|Listen method has been called more than once without "
            "closing.,");
}

// close() stops accepting at once but settles only after the open connection ends.
Promise<> closeWaits(std::shared_ptr<Server> server, std::vector<std::string>* log) {
  co_await server->listen(0, "127.0.0.1");
  const int port = server->address().port;
  auto c = co_await nx::net::connect(port, "127.0.0.1");
  co_await c->write(Buffer::from("x"));  // the server has accepted once this echoes
  (void)co_await c->read();
  log->push_back("connections " + std::to_string(server->getConnections()));
  auto closed = server->close().then([log] { log->push_back("server closed"); });
  log->push_back(std::string("listening ") + (server->listening() ? "yes" : "no"));
  try {
    (void)co_await nx::net::connect(port, "127.0.0.1");
  } catch (const nx::SystemError& e) {
    log->push_back(std::string("new connection: ") + std::string(e.code()));
  }
  log->push_back("client ends");
  (void)c->end();
  co_await closed;
  log->push_back("connections " + std::to_string(server->getConnections()));
}

TEST_F(ServerTest, CloseWaitsForOpenConnections) {
  std::vector<std::string> log;
  auto server = nx::net::createServer([](std::shared_ptr<Socket> s) { s->pipe(s); });
  (void)closeWaits(server, &log);
  EXPECT_EQ(nx::run(), 0);
  EXPECT_EQ(joined(log),
            "connections 1,listening no,new connection: ECONNREFUSED,client ends,server "
            "closed,connections 0,");
}

Promise<> oneClient(int port, int i, int* echoed) {
  auto c = co_await nx::net::connect(port, "127.0.0.1");
  const std::string text = "client " + std::to_string(i);
  co_await c->write(Buffer::from(text));
  (void)c->end();
  std::string reply;
  while (auto chunk = co_await c->read()) reply += chunk->toString();
  if (reply == text) ++*echoed;
}

Promise<> manyClients(std::shared_ptr<Server> server, int n, int* echoed, std::size_t* peak) {
  co_await server->listen(0, "127.0.0.1");
  // The backlog queue must hold the burst: every client connects before any is accepted.
  std::vector<Promise<>> clients;
  for (int i = 0; i < n; ++i) clients.push_back(oneClient(server->address().port, i, echoed));
  (void)peak;
  co_await nx::all(std::move(clients));
  co_await server->close();
}

TEST_F(ServerTest, ThousandConcurrentConnectionsAllEcho) {
  int echoed = 0;
  std::size_t peak = 0;
  auto server = nx::net::createServer([&peak](std::shared_ptr<Socket> s) {
    s->pipe(s);
    (void)peak;
  });
  server->events().connection.on([&peak, server = server.get()](std::shared_ptr<Socket>&) {
    peak = std::max(peak, server->getConnections());
  });
  (void)manyClients(server, 1000, &echoed, &peak);
  EXPECT_EQ(nx::run(), 0);
  EXPECT_EQ(echoed, 1000);
  EXPECT_GT(peak, 100u);  // they really were open at the same time
}

Promise<> limited(std::shared_ptr<Server> server, std::vector<std::string>* log) {
  co_await server->listen(0, "127.0.0.1");
  auto first = co_await nx::net::connect(server->address().port, "127.0.0.1");
  co_await first->write(Buffer::from("1"));
  (void)co_await first->read();
  auto second = co_await nx::net::connect(server->address().port, "127.0.0.1");
  second->events().error.on([](std::exception_ptr&) {});
  auto r = co_await second->read();  // the server closes it at once
  log->push_back(r ? "second got data" : "second ended");
  first->destroy();
  co_await server->close();
}

TEST_F(ServerTest, MaxConnectionsDropsTheExtraConnection) {
  std::vector<std::string> log;
  auto server = nx::net::createServer([](std::shared_ptr<Socket> s) { s->pipe(s); });
  server->maxConnections = 1;
  server->events().drop.on([&log] { log.push_back("drop"); });
  (void)limited(server, &log);
  EXPECT_EQ(nx::run(), 0);
  EXPECT_EQ(joined(log), "drop,second ended,");
}

TEST_F(ServerTest, UnrefdServerDoesNotKeepTheLoopAlive) {
  auto server = nx::net::createServer();
  bool listening = false;
  server->unref();
  (void)server->listen(0, "127.0.0.1").then([&] { listening = true; });
  EXPECT_EQ(nx::run(), 0);  // returns although the server still listens
  EXPECT_TRUE(listening);
  EXPECT_TRUE(server->listening());
  (void)server->close().catch_([](std::exception_ptr) {});
  EXPECT_EQ(nx::run(), 0);
  EXPECT_FALSE(server->listening());
}

Promise<> ipv6Loopback(std::vector<std::string>* log) {
  auto server = nx::net::createServer([](std::shared_ptr<Socket> s) { s->pipe(s); });
  try {
    co_await server->listen(0, "::1");
  } catch (const nx::SystemError& e) {
    log->push_back("no ipv6: " + std::string(e.code()));
    co_return;
  }
  auto c = co_await nx::net::connect(server->address().port, "::1");
  log->push_back(c->remoteAddress() + " " + c->remoteFamily());
  c->destroy();
  co_await server->close();
}

TEST_F(ServerTest, ListensAndConnectsOverIpv6) {
  std::vector<std::string> log;
  (void)ipv6Loopback(&log);
  EXPECT_EQ(nx::run(), 0);
  ASSERT_EQ(log.size(), 1u);
  if (log[0].rfind("no ipv6", 0) == 0) GTEST_SKIP() << log[0];
  EXPECT_EQ(log[0], "::1 IPv6");
}

TEST(NetIsIpTest, MatchesNode) {
  EXPECT_EQ(nx::net::isIP("10.0.0.1"), 4);
  EXPECT_TRUE(nx::net::isIPv6("fe80::1"));
  EXPECT_FALSE(nx::net::isIPv4("example.com"));
}

}  // namespace
