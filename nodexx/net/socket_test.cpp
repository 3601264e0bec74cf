// SPDX-License-Identifier: MIT
#include "nodexx/net/socket.hpp"

#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/core/loop.hpp"
#include "nodexx/core/sleep.hpp"
#include "nodexx/core/timers.hpp"
#include "nodexx/net/errors.hpp"
#include "nodexx/net/server.hpp"

namespace {

using nx::Buffer;
using nx::Promise;
using nx::net::Server;
using nx::net::Socket;

class SocketTest : public nx::testing::FreshLoop {};

std::shared_ptr<Server> echoServer() {
  return nx::net::createServer([](std::shared_ptr<Socket> s) { s->pipe(s); });
}

std::string readAllText(std::vector<std::string>& log) {
  std::string s;
  for (const auto& l : log) s += l + ",";
  return s;
}

// Connects, writes `text`, ends, and collects the reply until the server ends.
Promise<> exchange(std::shared_ptr<Socket> c, std::string text, std::string* reply) {
  co_await c->write(Buffer::from(text));
  (void)c->end();
  while (auto chunk = co_await c->read()) *reply += chunk->toString();
}

Promise<> echoOverTcp(std::shared_ptr<Server> server, std::string* reply) {
  co_await server->listen(0, "127.0.0.1");
  auto c = co_await nx::net::connect(server->address().port, "127.0.0.1");
  co_await exchange(c, "hello over tcp", reply);
  co_await server->close();
}

TEST_F(SocketTest, EchoOverTcp) {
  std::string reply;
  (void)echoOverTcp(echoServer(), &reply);
  EXPECT_EQ(nx::run(), 0);
  EXPECT_EQ(reply, "hello over tcp");
}

Promise<> echoOverUnix(std::shared_ptr<Server> server, std::string path, std::string* reply) {
  co_await server->listen(path);
  EXPECT_EQ(server->address().address, path);
  auto c = co_await nx::net::connect(path);
  co_await exchange(c, "hello over a unix socket", reply);
  co_await server->close();
}

TEST_F(SocketTest, EchoOverUnixSocket) {
  const std::string path = "/tmp/nodexx-net-test-" + std::to_string(::getpid()) + ".sock";
  ::unlink(path.c_str());
  std::string reply;
  (void)echoOverUnix(echoServer(), path, &reply);
  EXPECT_EQ(nx::run(), 0);
  EXPECT_EQ(reply, "hello over a unix socket");
  ::unlink(path.c_str());
}

// The event order of a client in a simple exchange; the same steps in Node print the same
// lines (tests/node_oracle/scenarios/net_event_order.js).
Promise<> eventOrder(std::shared_ptr<Server> server, std::vector<std::string>* log) {
  co_await server->listen(0, "127.0.0.1");
  auto c = std::make_shared<Socket>();
  auto ev = c->events();
  ev.connect.on([log] { log->push_back("connect"); });
  ev.ready.on([log] { log->push_back("ready"); });
  ev.data.on([log](Buffer& b) { log->push_back("data:" + b.toString()); });
  ev.end.on([log] { log->push_back("end"); });
  ev.finish.on([log] { log->push_back("finish"); });
  ev.close.on([log] { log->push_back("close"); });
  ev.connect.once([log, c = c.get(), server] {
    log->push_back("connected");
    (void)c->write(Buffer::from("ping"));
    (void)c->end();
    (void)server->close().then([log] { log->push_back("server closed"); });
  });
  co_await c->connect(nx::net::ConnectOptions(server->address().port, "127.0.0.1"));
}

TEST_F(SocketTest, ClientEventsFollowNodesOrder) {
  std::vector<std::string> events;
  (void)eventOrder(echoServer(), &events);
  EXPECT_EQ(nx::run(), 0);
  EXPECT_EQ(readAllText(events),
            "connect,connected,ready,finish,data:ping,server closed,end,close,");
}

Promise<> addresses(std::shared_ptr<Server> server, std::string* out) {
  co_await server->listen(0, "127.0.0.1");
  auto c = co_await nx::net::connect(server->address().port, "127.0.0.1");
  char line[256];
  std::snprintf(line, sizeof line, "%s %s %d %s %d", c->remoteAddress().c_str(),
                c->remoteFamily().c_str(), c->remotePort() == server->address().port,
                c->localAddress().c_str(), c->localPort() > 0);
  *out = line;
  std::string reply;
  co_await exchange(c, "12345", &reply);
  EXPECT_EQ(c->bytesWritten(), 5u);
  EXPECT_EQ(c->bytesRead(), 5u);
  co_await server->close();
}

TEST_F(SocketTest, ReportsAddressesAndByteCounts) {
  std::string out;
  (void)addresses(echoServer(), &out);
  EXPECT_EQ(nx::run(), 0);
  EXPECT_EQ(out, "127.0.0.1 IPv4 1 127.0.0.1 1");
}

// The server writes `total` bytes as fast as write() allows; the client reads one chunk per
// millisecond. Backpressure must hold both buffers near their high water marks.
struct Flow {
  std::size_t total = 0;
  std::size_t received = 0;
  std::uint64_t checksum = 0;
  std::uint64_t expectedChecksum = 0;
  int writesRefused = 0;            // write() returned false
  std::size_t maxWriterBuffer = 0;  // writableLength() seen by the writer
  std::size_t maxReaderBuffer = 0;  // readableLength() seen by the reader
};

Promise<> blast(std::shared_ptr<Socket> s, Flow* flow) {
  const std::size_t chunkSize = 64 * 1024;
  std::size_t sent = 0;
  std::uint8_t next = 0;
  while (sent < flow->total) {
    Buffer chunk = Buffer::allocUnsafe(chunkSize);
    for (auto& b : chunk) {
      b = next++;
      flow->expectedChecksum += b;
    }
    sent += chunk.size();
    auto ok = s->write(std::move(chunk));
    flow->maxWriterBuffer = std::max(flow->maxWriterBuffer, s->writableLength());
    if (!ok) ++flow->writesRefused;
    co_await ok;  // waits for "drain" when the buffer is full
  }
  (void)s->end();
}

Promise<> slowReader(std::shared_ptr<Server> server, Flow* flow) {
  co_await server->listen(0, "127.0.0.1");
  auto c = co_await nx::net::connect(server->address().port, "127.0.0.1");
  while (auto chunk = co_await c->read()) {
    flow->maxReaderBuffer = std::max(flow->maxReaderBuffer, c->readableLength());
    flow->received += chunk->size();
    for (auto b : *chunk) flow->checksum += b;
    if (flow->received < 4 * 1024 * 1024) co_await nx::sleep(1);  // slow at first
  }
  co_await server->close();
}

TEST_F(SocketTest, LargeTransferToASlowReaderIsBoundedByBackpressure) {
  Flow flow;
  flow.total = 32 * 1024 * 1024;
  auto server =
      nx::net::createServer([&flow](std::shared_ptr<Socket> s) { (void)blast(s, &flow); });
  (void)slowReader(server, &flow);
  EXPECT_EQ(nx::run(), 0);
  EXPECT_EQ(flow.received, flow.total);
  EXPECT_EQ(flow.checksum, flow.expectedChecksum);
  // The writer was told to stop: its chunks stayed queued because the kernel buffers (ours and
  // the reader's, which stopped reading) were full.
  EXPECT_GT(flow.writesRefused, 0);
  // Memory stays bounded: one chunk over the 16 KiB mark on the writer, and on the reader at
  // most one 64 KiB read over its mark.
  EXPECT_LE(flow.maxWriterBuffer, 16u * 1024 + 64 * 1024);
  EXPECT_LE(flow.maxReaderBuffer, 16u * 1024 + 64 * 1024);
}

// allowHalfOpen on the server: the client's end() does not end the server's side, which can
// still answer; the client reads the answer after its own end.
Promise<> halfOpen(std::shared_ptr<Server> server, std::string* reply) {
  co_await server->listen(0, "127.0.0.1");
  auto c = co_await nx::net::connect(server->address().port, "127.0.0.1");
  co_await exchange(c, "question", reply);
  co_await server->close();
}

TEST_F(SocketTest, HalfOpenServerAnswersAfterTheClientEnds) {
  nx::net::ServerOptions options;
  options.allowHalfOpen = true;
  auto server = nx::net::createServer(
      [](std::shared_ptr<Socket> s) {
        auto text = std::make_shared<std::string>();
        s->events().data.on([text](Buffer& b) { *text += b.toString(); });
        s->events().end.on([s = s.get(), text] {
          // Our side is still open: answer after the peer's FIN, then end.
          (void)s->end(Buffer::from("got " + *text + " after your end"));
        });
      },
      options);
  std::string reply;
  (void)halfOpen(server, &reply);
  EXPECT_EQ(nx::run(), 0);
  EXPECT_EQ(reply, "got question after your end");
}

TEST_F(SocketTest, WithoutHalfOpenThePeersEndEndsOurSide) {
  // The server never calls end(): Node's default allowHalfOpen=false ends it when the client
  // ends, so the client's read loop sees the end.
  auto server = nx::net::createServer([](std::shared_ptr<Socket> s) {
    s->events().data.on([s = s.get()](Buffer& b) { (void)s->write(b); });
  });
  std::string reply;
  (void)halfOpen(server, &reply);
  EXPECT_EQ(nx::run(), 0);
  EXPECT_EQ(reply, "question");
}

// The client ends while the server keeps writing: the server's side ends later.
Promise<> serverEndsLater(std::shared_ptr<Server> server, std::vector<std::string>* log) {
  co_await server->listen(0, "127.0.0.1");
  nx::net::SocketOptions so;
  so.allowHalfOpen = true;
  nx::net::ConnectOptions co(server->address().port, "127.0.0.1");
  auto c = co_await nx::net::connect(co, so);
  c->events().finish.on([log] { log->push_back("client finish"); });
  (void)c->end();
  std::string text;
  while (auto chunk = co_await c->read()) text += chunk->toString();
  log->push_back("client read " + text);
  co_await server->close();
}

TEST_F(SocketTest, HalfOpenClientKeepsReadingAfterItsEnd) {
  std::vector<std::string> log;
  auto server = nx::net::createServer([&log](std::shared_ptr<Socket> s) {
    s->resume();  // consume, so that "end" can be emitted (as in Node)
    s->events().end.on([s = s.get(), &log] {
      log.push_back("server saw end");
      (void)s->write(Buffer::from("late"));
    });
  });
  (void)serverEndsLater(server, &log);
  EXPECT_EQ(nx::run(), 0);
  EXPECT_EQ(readAllText(log), "client finish,server saw end,client read late,");
}

std::string errorText(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const nx::SystemError& err) {
    return std::string(err.code()) + "|" + err.what();
  } catch (...) {
    return "?";
  }
}

Promise<> refused(std::string* out, int* port) {
  // A port nobody listens on: listen, note it, close.
  auto probe = nx::net::createServer();
  co_await probe->listen(0, "127.0.0.1");
  *port = probe->address().port;
  co_await probe->close();
  try {
    (void)co_await nx::net::connect(*port, "127.0.0.1");
  } catch (...) {
    *out = errorText(std::current_exception());
  }
}

TEST_F(SocketTest, ConnectToAClosedPortRejectsWithEconnrefused) {
  std::string out;
  int port = 0;
  (void)refused(&out, &port);
  EXPECT_EQ(nx::run(), 0);
  EXPECT_EQ(out, "ECONNREFUSED|connect ECONNREFUSED 127.0.0.1:" + std::to_string(port));
}

Promise<> refusedWithEvent(std::vector<std::string>* log) {
  auto probe = nx::net::createServer();
  co_await probe->listen(0, "127.0.0.1");
  const int port = probe->address().port;
  co_await probe->close();
  auto c = std::make_shared<Socket>();
  c->events().error.on([log](std::exception_ptr& e) { log->push_back("error " + errorText(e)); });
  c->events().close.on([log] { log->push_back("close"); });
  try {
    co_await c->connect(nx::net::ConnectOptions(port, "127.0.0.1"));
  } catch (const nx::net::NetError& e) {
    log->push_back(std::string("rejected ") + std::string(e.syscall()) + " " +
                   std::string(e.address()));
  }
}

TEST_F(SocketTest, FailedConnectEmitsErrorThenClose) {
  std::vector<std::string> log;
  (void)refusedWithEvent(&log);
  EXPECT_EQ(nx::run(), 0);
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0], "rejected connect 127.0.0.1");
  EXPECT_EQ(log[1].rfind("error ECONNREFUSED|connect ECONNREFUSED 127.0.0.1:", 0), 0u);
  EXPECT_EQ(log[2], "close");
}

Promise<> unknownHost(std::string* out) {
  try {
    (void)co_await nx::net::connect(80, "nonexistent.invalid");
  } catch (...) {
    *out = errorText(std::current_exception());
  }
}

TEST_F(SocketTest, ConnectToAnUnknownHostRejectsWithEnotfound) {
  std::string out;
  (void)unknownHost(&out);
  EXPECT_EQ(nx::run(), 0);
  EXPECT_EQ(out, "ENOTFOUND|getaddrinfo ENOTFOUND nonexistent.invalid");
}

Promise<> missingPath(std::string* out) {
  try {
    (void)co_await nx::net::connect("/tmp/nodexx-no-such.sock");
  } catch (...) {
    *out = errorText(std::current_exception());
  }
}

TEST_F(SocketTest, ConnectToAMissingUnixPathRejectsWithEnoent) {
  std::string out;
  (void)missingPath(&out);
  EXPECT_EQ(nx::run(), 0);
  EXPECT_EQ(out, "ENOENT|connect ENOENT /tmp/nodexx-no-such.sock");
}

TEST_F(SocketTest, BadPortThrowsErrSocketBadPort) {
  try {
    (void)nx::net::connect(70000, "127.0.0.1");
    FAIL();
  } catch (const nx::SystemError& e) {
    EXPECT_EQ(e.code(), "ERR_SOCKET_BAD_PORT");
    EXPECT_STREQ(e.what(), "Port should be >= 0 and < 65536. Received 70000.");
  }
}

// A listening socket whose accept queue is full and never drained: further SYNs go
// unanswered, so a connect can only end by its timeout.
Promise<> connectTimesOut(int port, std::vector<std::string>* log) {
  for (int i = 0; i < 8; ++i) {
    nx::net::ConnectOptions o(port, "127.0.0.1");
    o.timeout = std::chrono::milliseconds(100);
    try {
      auto c = co_await nx::net::connect(o);
      c->destroy();  // accepted into the backlog; try again
    } catch (...) {
      log->push_back(errorText(std::current_exception()));
      co_return;
    }
  }
}

TEST_F(SocketTest, ConnectTimeoutRejectsWithEtimedout) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(fd, 0), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  const int port = ntohs(a.sin_port);
  std::vector<std::string> log;
  (void)connectTimesOut(port, &log);
  EXPECT_EQ(nx::run(), 0);
  ::close(fd);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0], "ETIMEDOUT|connect ETIMEDOUT 127.0.0.1:" + std::to_string(port));
}

Promise<> idle(std::shared_ptr<Server> server, std::vector<std::string>* log) {
  co_await server->listen(0, "127.0.0.1");
  auto c = co_await nx::net::connect(server->address().port, "127.0.0.1");
  c->setTimeout(std::chrono::milliseconds(30), [log, c = c.get()] {
    log->push_back(std::string("timeout, destroyed=") + (c->destroyed() ? "yes" : "no"));
    c->destroy();
  });
  c->events().close.on([log] { log->push_back("close"); });
  co_await server->close();
}

TEST_F(SocketTest, IdleTimeoutEmitsTimeoutWithoutClosing) {
  std::vector<std::string> log;
  std::shared_ptr<Socket> accepted;
  auto server = nx::net::createServer([&accepted](std::shared_ptr<Socket> s) { accepted = s; });
  (void)idle(server, &log);
  EXPECT_EQ(nx::run(), 0);
  EXPECT_EQ(readAllText(log), "timeout, destroyed=no,close,");
}

// The client destroys itself while megabytes are still queued for a peer that reads nothing.
Promise<> destroyMidWrite(std::shared_ptr<Server> server, std::shared_ptr<Socket>* accepted,
                          std::vector<std::string>* log) {
  co_await server->listen(0, "127.0.0.1");
  auto c = co_await nx::net::connect(server->address().port, "127.0.0.1");
  c->events().close.on([log] { log->push_back("close"); });
  // 64 MiB: more than the kernel's socket buffers on both ends can absorb, so the last
  // writes are surely still queued in the stream when destroy() comes.
  const Buffer chunk = Buffer::alloc(1024 * 1024, 'x');
  for (int i = 0; i < 64; ++i) {
    (void)c->write(chunk, [log, i](std::exception_ptr e) {
      if (e && i == 63) log->push_back("last write failed: " + errorText(e));
    });
  }
  EXPECT_GT(c->writableLength(), 1024u * 1024);
  c->destroy();
  (*accepted)->destroy();
  co_await server->close();
}

TEST_F(SocketTest, DestroyDuringWriteFailsPendingWritesAndCloses) {
  std::vector<std::string> log;
  std::shared_ptr<Socket> accepted;
  nx::net::ServerOptions options;
  options.pauseOnConnect = true;  // reads nothing, so the client's writes stay queued
  auto server = nx::net::createServer(
      [&accepted](std::shared_ptr<Socket> s) { accepted = std::move(s); }, options);
  (void)destroyMidWrite(server, &accepted, &log);
  EXPECT_EQ(nx::run(), 0);
  ASSERT_EQ(log.size(), 2u) << readAllText(log);
  EXPECT_EQ(log[0],
            "last write failed: ERR_STREAM_DESTROYED|Cannot call write after a stream was "
            "destroyed");
  EXPECT_EQ(log[1], "close");
}

Promise<> corked(std::shared_ptr<Server> server, std::vector<std::string>* chunks) {
  co_await server->listen(0, "127.0.0.1");
  auto c = co_await nx::net::connect(server->address().port, "127.0.0.1");
  c->cork();
  (void)c->write(Buffer::from("one,"));
  (void)c->write(Buffer::from("two,"));
  (void)c->write(Buffer::from("three"));
  c->uncork();
  (void)c->end();
  co_await server->close();
  (void)chunks;
}

TEST_F(SocketTest, CorkedWritesLeaveTogether) {
  std::vector<std::string> chunks;
  auto server = nx::net::createServer([&chunks](std::shared_ptr<Socket> s) {
    s->events().data.on([&chunks](Buffer& b) { chunks.push_back(b.toString()); });
  });
  (void)corked(server, &chunks);
  EXPECT_EQ(nx::run(), 0);
  // One writev system call: the reader gets all three writes in its first read.
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0], "one,two,three");
}

Promise<> writeBeforeConnect(std::shared_ptr<Server> server, std::string* reply) {
  co_await server->listen(0, "127.0.0.1");
  auto c = std::make_shared<Socket>();
  auto connected = c->connect(nx::net::ConnectOptions(server->address().port, "127.0.0.1"));
  EXPECT_TRUE(c->connecting());
  EXPECT_EQ(c->readyState(), "opening");
  (void)c->write(Buffer::from("queued while connecting"));
  (void)c->end();
  co_await connected;
  while (auto chunk = co_await c->read()) *reply += chunk->toString();
  co_await server->close();
}

TEST_F(SocketTest, WritesBeforeTheConnectionAreSentOnceConnected) {
  std::string reply;
  (void)writeBeforeConnect(echoServer(), &reply);
  EXPECT_EQ(nx::run(), 0);
  EXPECT_EQ(reply, "queued while connecting");
}

Promise<> unrefBoth(std::shared_ptr<Server> server, std::shared_ptr<Socket>* client,
                    bool* connected) {
  co_await server->listen(0, "127.0.0.1");
  *client = co_await nx::net::connect(server->address().port, "127.0.0.1");
  (*client)->unref();
  server->unref();
  *connected = true;
}

TEST_F(SocketTest, UnrefdSocketsDoNotKeepTheLoopAlive) {
  std::shared_ptr<Socket> accepted;
  std::shared_ptr<Socket> client;
  bool connected = false;
  auto server = nx::net::createServer([&accepted](std::shared_ptr<Socket> s) {
    s->unref();
    accepted = std::move(s);
  });
  (void)unrefBoth(server, &client, &connected);
  EXPECT_EQ(nx::run(), 0);  // returns with both ends still open
  ASSERT_TRUE(connected);
  ASSERT_TRUE(accepted);
  EXPECT_FALSE(client->destroyed());
  EXPECT_EQ(client->readyState(), "open");
  // Ref'd again, the client keeps the loop running until the exchange below completes.
  client->ref();
  std::string text;
  accepted->events().data.on([&text](Buffer& b) { text += b.toString(); });
  accepted->events().end.on([&accepted] { (void)accepted->end(); });
  (void)client->end(Buffer::from("bye"));
  client->resume();
  (void)server->close();
  EXPECT_EQ(nx::run(), 0);
  EXPECT_EQ(text, "bye");
  EXPECT_TRUE(client->destroyed());
}

}  // namespace
