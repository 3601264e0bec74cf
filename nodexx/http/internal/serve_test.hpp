// SPDX-License-Identifier: MIT
// Test support: a blocking client against a server on the test's own loop.
#pragma once

#include <chrono>
#include <optional>
#include <type_traits>
#include <utility>

#include <gtest/gtest.h>

#include "nodexx/core/loop.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/core/threadpool.hpp"
#include "nodexx/http/server.hpp"

namespace nx::http::testing {

/// Listens on an ephemeral port of 127.0.0.1, runs the blocking `client(port)` on the thread
/// pool while `loop` serves, then closes the server (with a 2 s deadline) and returns what the
/// client returned (a value-initialised result, and a test failure, when the server side
/// failed).
template <class F>
std::invoke_result_t<F&, int> serveWhile(Loop& loop, Server& server, F client) {
  using R = std::invoke_result_t<F&, int>;
  std::optional<R> result;
  auto task = [](Server& s, F c, std::optional<R>& out) -> Promise<> {
    co_await s.listen(0, "127.0.0.1");
    const int port = s.address().port;
    // Named before co_await: g++ 12 destroys closure temporaries in co_await twice.
    auto job = [c = std::move(c), port]() mutable { return c(port); };
    out = co_await threadpool::run(std::move(job));
    co_await s.close(std::chrono::milliseconds(2000));
  };
  Promise<> p = task(server, std::move(client), result);
  loop.run();
  EXPECT_TRUE(p.isFulfilled()) << "the server side of the exchange failed or never finished";
  return result ? std::move(*result) : R{};
}

}  // namespace nx::http::testing
