// SPDX-License-Identifier: MIT
#include "nodexx/core/combinators.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>

#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/core/sleep.hpp"
#include "nodexx/core/timers.hpp"

using ::testing::ElementsAre;

namespace nx {
namespace {

using CombinatorsTest = testing::FreshLoop;

Promise<int> later(int v, double ms) {
  co_await sleep(ms);
  co_return v;
}

Promise<int> failLater(const char* what, double ms) {
  co_await sleep(ms);
  throw std::runtime_error(what);
}

TEST_F(CombinatorsTest, AllKeepsInputOrderNotCompletionOrder) {
  (void)all(std::vector<Promise<int>>{later(1, 20), later(2, 5), later(3, 10)})
      .then([&](std::vector<int>& v) {
        for (int x : v) mark(std::to_string(x));
      });
  run();
  EXPECT_THAT(log, ElementsAre("1", "2", "3"));
}

TEST_F(CombinatorsTest, AllRejectsWithTheFirstRejection) {
  (void)all(std::vector<Promise<int>>{later(1, 20), failLater("second", 10), failLater("third", 5)})
      .catch_([&](std::exception_ptr e) {
        mark(describe(e));
        return std::vector<int>{};
      });
  run();
  EXPECT_THAT(log, ElementsAre("Error: third"));
}

TEST_F(CombinatorsTest, AllOfNothingFulfillsAtOnce) {
  (void)all(std::vector<Promise<int>>{}).then([&](std::vector<int>& v) {
    mark("empty " + std::to_string(v.size()));
  });
  (void)all(std::vector<Promise<>>{}).then([&] { mark("void"); });
  run();
  EXPECT_THAT(log, ElementsAre("empty 0", "void"));
}

TEST_F(CombinatorsTest, VariadicAllGivesATuple) {
  (void)all(later(1, 5), Promise<std::string>::resolve("s"), sleep(1))
      .then([&](std::tuple<int, std::string, std::monostate>& t) {
        mark(std::to_string(std::get<0>(t)) + std::get<1>(t));
      });
  run();
  EXPECT_THAT(log, ElementsAre("1s"));
}

TEST_F(CombinatorsTest, AllSettledReportsEveryOutcome) {
  (void)allSettled(std::vector<Promise<int>>{later(1, 5), failLater("bad", 1)})
      .then([&](std::vector<Settled<int>>& out) {
        mark(out[0].fulfilled() ? "fulfilled " + std::to_string(*out[0].value) : "?");
        mark(!out[1].fulfilled() ? describe(out[1].reason) : "?");
      });
  run();
  EXPECT_THAT(log, ElementsAre("fulfilled 1", "Error: bad"));
}

TEST_F(CombinatorsTest, RaceSettlesWithTheFirst) {
  (void)race(std::vector<Promise<int>>{later(1, 30), later(2, 5)}).then([&](int& v) {
    mark(std::to_string(v));
  });
  (void)race(std::vector<Promise<int>>{later(1, 30), failLater("fast", 5)})
      .catch_([&](std::exception_ptr e) {
        mark(describe(e));
        return 0;
      });
  run();
  EXPECT_THAT(log, ElementsAre("2", "Error: fast"));
}

TEST_F(CombinatorsTest, AnyTakesTheFirstFulfilment) {
  (void)any(std::vector<Promise<int>>{failLater("a", 1), later(2, 10), later(3, 20)})
      .then([&](int& v) { mark(std::to_string(v)); });
  run();
  EXPECT_THAT(log, ElementsAre("2"));
}

TEST_F(CombinatorsTest, AnyRejectsWithAggregateErrorInInputOrder) {
  (void)any(std::vector<Promise<int>>{failLater("slow", 10), failLater("fast", 1)})
      .catch_([&](std::exception_ptr e) {
        try {
          std::rethrow_exception(e);
        } catch (const AggregateError& agg) {
          mark(std::string(agg.name()) + ": " + agg.what());
          for (auto& x : agg.errors()) mark(describe(x));
        }
        return 0;
      });
  (void)any(std::vector<Promise<int>>{}).catch_([&](std::exception_ptr e) {
    mark("empty -> " + describe(e));
    return 0;
  });
  run();
  EXPECT_THAT(log, ElementsAre("empty -> AggregateError: All promises were rejected",
                               "AggregateError: All promises were rejected", "Error: slow",
                               "Error: fast"));
}

void callbackApi(int x, MoveFunction<void(std::exception_ptr, int)> cb) {
  setTimeout(
      [x, cb = std::move(cb)]() mutable {
        if (x < 0) {
          cb(std::make_exception_ptr(std::invalid_argument("negative")), 0);
        } else {
          cb(nullptr, x * 2);
        }
      },
      1);
}

TEST_F(CombinatorsTest, PromisifyWrapsErrorFirstCallbacks) {
  auto doubled = promisify<int>(
      [](int x, auto cb) { callbackApi(x, std::move(cb)); });
  (void)doubled(21).then([&](int& v) { mark(std::to_string(v)); });
  (void)doubled(-1).catch_([&](std::exception_ptr e) {
    mark(describe(e));
    return 0;
  });
  run();
  EXPECT_THAT(log, ElementsAre("42", "Error: negative"));
}

}  // namespace
}  // namespace nx
