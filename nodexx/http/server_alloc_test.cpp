// SPDX-License-Identifier: MIT
// Proof of the hot-path rule: serving plaintext requests allocates nothing per request. The
// binary's operator new counts allocations made on the thread that has counting switched on.
#include "nodexx/http/server.hpp"

#include <chrono>
#include <cstdlib>
#include <new>
#include <string>

#include <gtest/gtest.h>

#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/core/threadpool.hpp"
#include "nodexx/http/internal/server_test_client.hpp"

namespace {
thread_local bool tCounting = false;
thread_local std::size_t tAllocations = 0;
}  // namespace

void* operator new(std::size_t n) {
  if (tCounting) ++tAllocations;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  if (tCounting) ++tAllocations;
  return std::malloc(n == 0 ? 1 : n);
}
// Every form that pairs with the ones above is replaced too: under ASan a mix of ours and the
// sanitizer's would be reported as an alloc/dealloc mismatch.
void* operator new[](std::size_t n) { return ::operator new(n); }
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept {
  return ::operator new(n, t);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace nx::http {
namespace {

using namespace std::chrono_literals;

class ServerAllocTest : public nx::testing::FreshLoop {};

TEST_F(ServerAllocTest, PipelinedPlaintextRequestsAllocateNothingAfterWarmUp) {
  int served = 0;
  std::size_t allocations = 0;
  Server server([&](IncomingMessage& req, ServerResponse& res) {
    ++served;
    // Count from the 3rd request of the batch (the first ones warm the pools up) to the last.
    if (req.path() == "/start") {
      tAllocations = 0;
      tCounting = true;
    }
    if (req.path() == "/stop") {
      tCounting = false;
      allocations = tAllocations;
    }
    res.setHeader("Content-Type", "text/plain");
    res.end("Hello, World!");
  });
  auto task = [](Server& s) -> Promise<> {
    co_await s.listen(0, "127.0.0.1");
    int port = s.address().port;
    auto job = [port] {
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
    };
    co_await threadpool::run(std::move(job));
    co_await s.close(2000ms);
  };
  Promise<> p = task(server);
  loop.run();
  EXPECT_EQ(served, 17);
  EXPECT_EQ(allocations, 0u);
}

}  // namespace
}  // namespace nx::http
