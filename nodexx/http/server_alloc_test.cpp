// SPDX-License-Identifier: MIT
// Proof of the hot-path rule: serving plaintext requests allocates nothing per request. The
// binary's operator new counts allocations made on the thread that has counting switched on.
#include "nodexx/http/server.hpp"

#include <chrono>
#include <string>

#include <gtest/gtest.h>

// This test binary's only replacement of the global operator new.
#define NX_REPLACE_OPERATOR_NEW
#include "nodexx/core/internal/alloc_counter.hpp"
#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/core/threadpool.hpp"
#include "nodexx/http/internal/server_test_client.hpp"

namespace nx::http {
namespace {

using namespace std::chrono_literals;

// A plaintext server that counts the allocations of the loop thread from the request for
// /start to the one for /stop (the requests before warm the pools up); `client(port)` runs on
// the thread pool.
class ServerAllocTest : public nx::testing::FreshLoop {
 protected:
  template <class Client>
  void serve(Client client) {
    ASSERT_TRUE(nx::testing::allocationsAreCounted());
    Server server([this](IncomingMessage& req, ServerResponse& res) {
      ++served;
      if (req.path() == "/start") nx::testing::startCountingAllocations();
      if (req.path() == "/stop") allocations = nx::testing::stopCountingAllocations();
      res.setHeader("Content-Type", "text/plain");
      res.end("Hello, World!");
    });
    auto task = [](Server& s, Client c) -> Promise<> {
      co_await s.listen(0, "127.0.0.1");
      auto job = [c = std::move(c), port = s.address().port] { return c(port); };
      co_await threadpool::run(std::move(job));
      co_await s.close(2000ms);
    };
    Promise<> p = task(server, std::move(client));
    loop.run();
  }

  int served = 0;
  std::size_t allocations = 0;
};

TEST_F(ServerAllocTest, PipelinedPlaintextRequestsAllocateNothingAfterWarmUp) {
  serve([](int port) {
    testing::RawClient c(port);
    std::string batch;
    for (int i = 0; i < 2; ++i) batch += "GET /warm HTTP/1.1\r\nHost: x\r\n\r\n";
    batch += "GET /start HTTP/1.1\r\nHost: x\r\n\r\n";
    for (int i = 0; i < 12; ++i) batch += "GET /plain HTTP/1.1\r\nHost: x\r\n\r\n";
    batch += "GET /stop HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    c.send("GET /first HTTP/1.1\r\nHost: x\r\n\r\n");
    c.readResponse();  // the connection object and the batch buffer exist from here on
    c.send(batch);
    return c.readAll().size();
  });
  EXPECT_EQ(served, 17);
  EXPECT_EQ(allocations, 0u);
}

TEST_F(ServerAllocTest, KeepAliveRequestsOneReadEachAllocateNothingAfterWarmUp) {
  // Each request waits for the previous answer, so between them the connection object goes
  // back to the pool and is borrowed again for the next read: that round trip must reuse its
  // storage too.
  serve([](int port) {
    testing::RawClient c(port);
    for (const char* path : {"/warm", "/warm", "/start", "/a", "/b", "/c", "/d", "/stop"}) {
      c.send(std::string("GET ") + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
      c.readResponse();
    }
    return 0;
  });
  EXPECT_EQ(served, 8);
  EXPECT_EQ(allocations, 0u);
}

}  // namespace
}  // namespace nx::http
