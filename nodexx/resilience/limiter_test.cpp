// SPDX-License-Identifier: MIT
#include "nodexx/resilience/limiter.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "nodexx/core/combinators.hpp"
#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/core/process.hpp"
#include "nodexx/resilience/internal/test_probes.hpp"

using ::testing::ElementsAre;

namespace nx::resilience {
namespace {

using LimiterTest = nx::testing::FreshLoop;

using testing::Probe;

TEST_F(LimiterTest, NeverRunsMoreThanConcurrencyAndStartsInFifoOrder) {
  Limiter limit(3);
  Probe probe;
  std::vector<int> results;
  for (int i = 0; i < 10; ++i) {
    (void)limit(probe.task(i)).then([&](int v) { results.push_back(v); });
  }
  EXPECT_THAT(probe.started, ElementsAre(0, 1, 2));  // started synchronously
  EXPECT_EQ(limit.activeCount(), 3u);
  EXPECT_EQ(limit.pendingCount(), 7u);
  for (int i : {1, 0, 2, 3, 5, 4, 6, 7, 8, 9}) {
    probe.open(i);
    run();
  }
  EXPECT_EQ(probe.maxActive, 3);
  EXPECT_THAT(probe.started, ElementsAre(0, 1, 2, 3, 4, 5, 6, 7, 8, 9));
  EXPECT_THAT(results, ElementsAre(1, 0, 2, 3, 5, 4, 6, 7, 8, 9));
  EXPECT_EQ(limit.activeCount(), 0u);
  EXPECT_EQ(limit.pendingCount(), 0u);
}

TEST_F(LimiterTest, PassesValuesErrorsAndSynchronousResults) {
  Limiter limit(1);
  (void)limit([]() -> Promise<std::string> { co_return "co"; }).then([&](std::string& s) {
    mark(s);
  });
  (void)limit([] { return 42; }).then([&](int v) { mark(std::to_string(v)); });
  (void)limit([] {}).then([&] { mark("void"); });
  (void)limit([]() -> int { throw RangeError("E_SYNC", "sync throw"); }).catch_([&](auto e) {
    mark(describe(e));
    return 0;
  });
  (void)limit([]() -> Promise<> {
    co_await Promise<>::resolve();
    throw RangeError("E_ASYNC", "async throw");
  }).catch_([&](auto e) { mark(describe(e)); });
  (void)limit([] {
    return Promise<std::unique_ptr<int>>::resolve(std::make_unique<int>(7));
  }).then([&](std::unique_ptr<int>& p) { mark(std::to_string(*p)); });
  run();
  EXPECT_THAT(log, ElementsAre("co", "42", "void", "RangeError: sync throw",
                               "RangeError: async throw", "7"));
  EXPECT_EQ(process::exitCode, 0);
}

TEST_F(LimiterTest, ClearQueueRejectsWaitingTasksWithAbortErrorWithoutUnhandledRejection) {
  Limiter limit(1);
  Probe probe;
  (void)limit(probe.task(0)).then([&](int) { mark("0 done"); });
  (void)limit(probe.task(1)).catch_([&](std::exception_ptr e) {
    mark(describe(e));
    return -1;
  });
  (void)limit(probe.task(2));  // dropped and ignored: not an unhandled rejection
  EXPECT_EQ(limit.pendingCount(), 2u);
  limit.clearQueue();
  EXPECT_EQ(limit.pendingCount(), 0u);
  EXPECT_EQ(limit.activeCount(), 1u);
  probe.open(0);
  run();
  EXPECT_THAT(log, ElementsAre("AbortError: The queue was cleared", "0 done"));
  EXPECT_THAT(probe.started, ElementsAre(0));
  EXPECT_EQ(process::exitCode, 0);
}

TEST_F(LimiterTest, RaisingConcurrencyStartsWaitingTasksAtOnceLoweringWaitsForRunningOnes) {
  Limiter limit(1);
  Probe probe;
  for (int i = 0; i < 6; ++i) (void)limit(probe.task(i));
  EXPECT_THAT(probe.started, ElementsAre(0));
  limit.setConcurrency(3);
  EXPECT_EQ(limit.concurrency(), 3u);
  EXPECT_THAT(probe.started, ElementsAre(0, 1, 2));  // synchronously
  limit.setConcurrency(1);
  probe.open(0);
  probe.open(1);
  run();
  EXPECT_THAT(probe.started, ElementsAre(0, 1, 2));  // two still run... then one
  probe.open(2);
  run();
  EXPECT_THAT(probe.started, ElementsAre(0, 1, 2, 3));
  EXPECT_EQ(limit.activeCount(), 1u);
  EXPECT_THROW(limit.setConcurrency(0), RangeError);
  EXPECT_THROW(Limiter(0), RangeError);
  limit.clearQueue();
  probe.open(3);
  run();
}

TEST_F(LimiterTest, TasksThatCompleteAtOnceDoNotNestOnTheStack) {
  // With recursion from one completion into the next start, 200k tasks would overflow.
  Limiter limit(1);
  long sum = 0;
  constexpr int kTasks = 200'000;
  for (int i = 0; i < kTasks; ++i) {
    (void)limit([] { return Promise<int>::resolve(1); }).then([&](int v) { sum += v; });
  }
  EXPECT_EQ(limit.pendingCount(), static_cast<std::size_t>(kTasks - 1));
  run();
  EXPECT_EQ(sum, kTasks);
}

TEST_F(LimiterTest, KeepsACapturingCoroutineLambdaAliveUntilItCompletes) {
  Limiter limit(1);
  auto gate = Promise<>::withResolvers();
  auto text = std::make_shared<std::string>("captured");
  std::weak_ptr<std::string> weak = text;
  (void)limit([text, gate]() -> Promise<std::string> {
    co_await gate.promise;
    co_return *text;  // the closure must still exist here
  }).then([&](std::string& s) { mark(s); });
  text.reset();
  EXPECT_FALSE(weak.expired());
  gate.resolve();
  run();
  EXPECT_THAT(log, ElementsAre("captured"));
  EXPECT_TRUE(weak.expired());
}

TEST_F(LimiterTest, MayBeDestroyedWhileTasksRun) {
  Probe probe;
  Promise<int> running;
  Promise<int> waiting;
  {
    Limiter limit(1);
    running = limit(probe.task(0));
    waiting = limit(probe.task(1));
    Limiter moved(std::move(limit));
    EXPECT_EQ(moved.activeCount(), 1u);
  }
  EXPECT_TRUE(waiting.isRejected());
  probe.open(0);
  run();
  EXPECT_TRUE(running.isFulfilled());
  EXPECT_THAT(probe.started, ElementsAre(0));
}

TEST_F(LimiterTest, ATaskMayDestroyItsLimiter) {
  auto* limit = new Limiter(1);
  (void)(*limit)([&limit] {
    delete limit;  // from inside the synchronous part of a running task
    limit = nullptr;
    return 1;
  }).then([&](int v) { mark(std::to_string(v)); });
  run();
  EXPECT_THAT(log, ElementsAre("1"));
}

TEST_F(LimiterTest, CoroutineCallersAwaitTheirTurn) {
  Limiter limit(2);
  int active = 0;
  int maxActive = 0;
  auto worker = [&](int id) -> Promise<int> {
    ++active;
    maxActive = std::max(maxActive, active);
    co_await Promise<>::resolve();
    co_await Promise<>::resolve();
    --active;
    co_return id * 2;
  };
  auto main = [](Limiter& lim, auto& work, std::vector<std::string>& out) -> Promise<> {
    std::vector<Promise<int>> ps;
    for (int i = 0; i < 5; ++i) ps.push_back(lim([&work, i] { return work(i); }));
    auto values = co_await all(std::move(ps));
    for (int v : values) out.push_back(std::to_string(v));
  };
  (void)main(limit, worker, log);
  run();
  EXPECT_THAT(log, ElementsAre("0", "2", "4", "6", "8"));
  EXPECT_EQ(maxActive, 2);
}

// Random operation sequences against a reference model: a FIFO queue, a set of running tasks
// and the concurrency, with the start rule "while running < concurrency, start the front".
TEST_F(LimiterTest, PropertyMatchesReferenceModel) {
  for (unsigned seed = 1; seed <= 40; ++seed) {
    std::mt19937 rng(seed);
    Limiter limit(1 + seed % 3);
    Probe probe;
    std::size_t conc = 1 + seed % 3;
    std::deque<int> queue;
    std::set<int> running;
    std::vector<int> started;
    std::set<int> cleared;
    std::set<int> rejected;
    int next = 0;
    auto drain = [&] {
      while (running.size() < conc && !queue.empty()) {
        running.insert(queue.front());
        started.push_back(queue.front());
        queue.pop_front();
      }
    };
    for (int step = 0; step < 300; ++step) {
      int op = static_cast<int>(rng() % 10);
      if (op < 5) {
        int id = next++;
        (void)limit(probe.task(id)).catch_([&rejected, id](std::exception_ptr) {
          rejected.insert(id);
          return -1;
        });
        queue.push_back(id);
        drain();
      } else if (op < 8 && !running.empty()) {
        auto it = running.begin();
        std::advance(it, static_cast<long>(rng() % running.size()));
        int id = *it;
        running.erase(it);
        probe.open(id);
        drain();
      } else if (op == 8) {
        conc = 1 + rng() % 4;
        limit.setConcurrency(conc);
        drain();
      } else {
        cleared.insert(queue.begin(), queue.end());
        queue.clear();
        limit.clearQueue();
      }
      run();
      ASSERT_EQ(limit.activeCount(), running.size()) << "seed " << seed << " step " << step;
      ASSERT_EQ(limit.pendingCount(), queue.size()) << "seed " << seed << " step " << step;
      ASSERT_EQ(probe.started, started) << "seed " << seed << " step " << step;
      ASSERT_EQ(rejected, cleared) << "seed " << seed << " step " << step;
    }
    limit.clearQueue();
    for (int id : std::vector<int>(running.begin(), running.end())) probe.open(id);
    run();
  }
}

}  // namespace
}  // namespace nx::resilience
