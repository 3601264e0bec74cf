// SPDX-License-Identifier: MIT
#include "nodexx/resilience/async_queue.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/core/process.hpp"
#include "nodexx/resilience/internal/test_probes.hpp"

using ::testing::ElementsAre;
using namespace std::chrono_literals;

namespace nx::resilience {
namespace {

using AsyncQueueTest = nx::testing::FreshLoop;

using testing::Probe;

void recordEvents(AsyncQueue& q, std::vector<std::string>& log) {
  q.active.on([&log] { log.push_back("active"); });
  q.idle.on([&log] { log.push_back("idle"); });
  q.empty.on([&log] { log.push_back("empty"); });
  q.added.on([&log] { log.push_back("add"); });
  q.next.on([&log] { log.push_back("next"); });
  q.completed.on([&log] { log.push_back("completed"); });
  q.error.on([&log](std::exception_ptr) { log.push_back("error"); });
}

// The queue events of p-queue 10.0.0 for the same program, recorded with node:
// add run1 active add [sync end] completed run2 active empty next error empty idle next.
TEST_F(AsyncQueueTest, EmitsEventsInPQueueOrder) {
  AsyncQueue q({.concurrency = 1});
  recordEvents(q, log);
  (void)q.add([&]() -> Promise<int> {
    mark("run1");
    co_return 1;
  });
  (void)
      q.add([&]() -> Promise<> {
         mark("run2");
         throw RangeError("E_X", "x");
         co_return;
       }).catch_([](std::exception_ptr) {});
  mark("sync end");
  (void)q.onIdle().then([&] { mark("onIdle"); });
  run();
  EXPECT_THAT(log,
              ElementsAre("add", "run1", "active", "add", "sync end", "completed", "run2", "active",
                          "empty", "next", "error", "empty", "idle", "next", "onIdle"));
}

TEST_F(AsyncQueueTest, RunsHigherPriorityFirstAndFifoWithinAPriority) {
  AsyncQueue q({.concurrency = 1, .autoStart = false});
  std::vector<int> order;
  for (auto [id, priority] : std::vector<std::pair<int, int>>{
           {0, 0}, {1, 1}, {2, 0}, {3, 2}, {4, 1}, {5, 2}, {6, -1}, {7, 2}}) {
    (void)q.add([&order, id = id] { order.push_back(id); }, {priority});
  }
  EXPECT_TRUE(q.isPaused());
  EXPECT_EQ(q.size(), 8u);
  q.start();
  run();
  EXPECT_THAT(order, ElementsAre(3, 5, 7, 1, 4, 0, 2, 6));  // p-queue: 3 5 1 4 0 2
}

// p-queue 10.0.0's queue events: add active add empty next [cleared] run completed empty idle
// next. (Where the caller's rejection handler runs among them differs: p-queue's add() adds
// promise ticks.)
TEST_F(AsyncQueueTest, ClearDropsWaitingTasksWithAbortError) {
  AsyncQueue q({.concurrency = 1});
  recordEvents(q, log);
  (void)q.add([&]() -> Promise<> {
    co_await Promise<>::resolve();
    mark("run");
  });
  (void)q.add([&] { mark("never"); }).catch_([&](std::exception_ptr e) { mark(describe(e)); });
  (void)q.add([] {});  // ignored: its rejection is not reported as unhandled
  q.clear();
  mark("cleared");
  EXPECT_EQ(q.size(), 0u);
  EXPECT_EQ(q.pending(), 1u);
  run();
  EXPECT_THAT(
      log, ElementsAre("add", "active", "add", "add", "empty", "next", "cleared", "run",
                       "AbortError: The queue was cleared", "completed", "empty", "idle", "next"));
  EXPECT_EQ(process::exitCode, 0);
}

TEST_F(AsyncQueueTest, NeverExceedsConcurrencyAndFollowsSetConcurrency) {
  AsyncQueue q({.concurrency = 2});
  Probe probe;
  for (int i = 0; i < 8; ++i) (void)q.add(probe.task(i));
  EXPECT_THAT(probe.started, ElementsAre(0, 1));
  EXPECT_EQ(q.pending(), 2u);
  EXPECT_EQ(q.size(), 6u);
  q.setConcurrency(4);
  EXPECT_THAT(probe.started, ElementsAre(0, 1, 2, 3));  // at once
  q.setConcurrency(1);
  for (int id : {0, 1, 2}) probe.open(id);
  run();
  EXPECT_THAT(probe.started, ElementsAre(0, 1, 2, 3));
  probe.open(3);
  run();
  EXPECT_THAT(probe.started, ElementsAre(0, 1, 2, 3, 4));
  for (int id : {4, 5, 6, 7}) {
    probe.open(id);
    run();
  }
  EXPECT_EQ(probe.maxActive, 4);
  EXPECT_EQ(q.pending(), 0u);
  EXPECT_THROW(q.setConcurrency(0), RangeError);
  EXPECT_THROW(AsyncQueue({.concurrency = 0}), RangeError);
  EXPECT_THROW(AsyncQueue({.intervalCap = 0}), RangeError);
}

TEST_F(AsyncQueueTest, PauseStopsStartsAndStartResumes) {
  AsyncQueue q({.concurrency = 2});
  Probe probe;
  (void)q.add(probe.task(0));
  q.pause();
  (void)q.add(probe.task(1));
  (void)q.add(probe.task(2));
  EXPECT_THAT(probe.started, ElementsAre(0));
  probe.open(0);
  run();
  EXPECT_THAT(probe.started, ElementsAre(0));
  EXPECT_EQ(q.size(), 2u);
  q.start();
  EXPECT_THAT(probe.started, ElementsAre(0, 1, 2));
  EXPECT_FALSE(q.isPaused());
  probe.open(1);
  probe.open(2);
  run();
}

TEST_F(AsyncQueueTest, TimesOutATaskFreesItsSlotAndAbortsItsSignal) {
  ManualClock clock;
  AsyncQueue q({.concurrency = 1, .timeout = 100ms}, clock);
  recordEvents(q, log);
  auto gate = Promise<>::withResolvers();
  bool sawAbort = false;
  (void)
      q.add([gate, &sawAbort](AbortSignal signal) -> Promise<int> {
         signal.onAbort([&sawAbort] { sawAbort = true; });
         co_await gate.promise;
         co_return 1;
       }).catch_([&](std::exception_ptr e) {
        mark(describe(e));
        return 0;
      });
  (void)q.add([] { return 2; }).then([&](int v) { mark(std::to_string(v)); });
  log.clear();
  clock.advance(99);
  run();
  EXPECT_TRUE(log.empty());
  clock.advance(1);
  run();
  EXPECT_TRUE(sawAbort);
  EXPECT_THAT(log, ElementsAre("error", "active", "empty", "next",
                               "TimeoutError: Task timed out after 100ms (queue has 1 running, 1 "
                               "waiting)",
                               "completed", "empty", "idle", "next", "2"));
  // The late result is ignored; a task that completes in time leaves no sleep behind.
  gate.resolve();
  run();
  EXPECT_EQ(clock.pendingSleeps(), 0u);
  EXPECT_EQ(q.pending(), 0u);
}

TEST_F(AsyncQueueTest, StartsAtMostIntervalCapTasksPerWindow) {
  ManualClock clock(5000);
  AsyncQueue q({.intervalCap = 2, .interval = 1000ms}, clock);
  std::vector<std::int64_t> starts;
  for (int i = 0; i < 5; ++i) (void)q.add([&] { starts.push_back(clock.now()); });
  EXPECT_THAT(starts, ElementsAre(5000, 5000));
  clock.advance(999);
  run();
  EXPECT_EQ(starts.size(), 2u);
  clock.advance(1);
  run();
  EXPECT_THAT(starts, ElementsAre(5000, 5000, 6000, 6000));
  clock.advance(1000);
  run();
  EXPECT_THAT(starts, ElementsAre(5000, 5000, 6000, 6000, 7000));
  // The window of the last start is open until 8000, with one start left.
  (void)q.add([&] { starts.push_back(clock.now()); });
  (void)q.add([&] { starts.push_back(clock.now()); });
  EXPECT_EQ(starts.size(), 6u);
  clock.advance(999);
  run();
  EXPECT_EQ(starts.size(), 6u);
  clock.advance(1);
  run();
  EXPECT_EQ(starts.back(), 8000);
  EXPECT_EQ(clock.pendingSleeps(), 0u);
}

TEST_F(AsyncQueueTest, CarryoverCountsRunningTasksAgainstTheNextWindow) {
  ManualClock clock;
  AsyncQueue q({.intervalCap = 2, .interval = 100ms, .carryoverIntervalCount = true}, clock);
  Probe probe;
  for (int i = 0; i < 5; ++i) (void)q.add(probe.task(i));
  EXPECT_THAT(probe.started, ElementsAre(0, 1));
  clock.advance(100);  // both still run: the new window is full
  run();
  EXPECT_THAT(probe.started, ElementsAre(0, 1));
  probe.open(0);
  run();
  clock.advance(100);  // one runs: one start
  run();
  EXPECT_THAT(probe.started, ElementsAre(0, 1, 2));
  probe.open(1);
  probe.open(2);
  run();
  clock.advance(100);  // none runs: a fresh window
  run();
  EXPECT_THAT(probe.started, ElementsAre(0, 1, 2, 3, 4));
  probe.open(3);
  probe.open(4);
  run();
}

TEST_F(AsyncQueueTest, OnEmptyOnIdleAndOnSizeLessThanResolveAtTheRightTime) {
  AsyncQueue q({.concurrency = 1});
  Probe probe;
  (void)q.onIdle().then([&] { mark("idle at once"); });
  for (int i = 0; i < 4; ++i) (void)q.add(probe.task(i));
  (void)q.onSizeLessThan(4).then([&] { mark("size<4 at once"); });
  (void)q.onSizeLessThan(2).then([&] { mark("size<2 at " + std::to_string(q.size())); });
  (void)q.onEmpty().then([&] { mark("empty, pending " + std::to_string(q.pending())); });
  (void)q.onIdle().then([&] { mark("idle"); });
  run();
  EXPECT_THAT(log, ElementsAre("idle at once", "size<4 at once"));
  for (int id = 0; id < 4; ++id) {
    probe.open(id);
    run();
  }
  EXPECT_THAT(log, ElementsAre("idle at once", "size<4 at once", "size<2 at 1", "empty, pending 1",
                               "idle"));
}

TEST_F(AsyncQueueTest, AbortRemovesAWaitingTaskAndFreesARunningOne) {
  AsyncQueue q({.concurrency = 1});
  Probe probe;
  AbortController waitingAbort;
  AbortController runningAbort;
  std::vector<std::string> events;
  (void)q.add(probe.task(0), {runningAbort.signal()}).catch_([&](std::exception_ptr e) {
    mark("0: " + describe(e));
    return -1;
  });
  (void)q.add(probe.task(1), {5, waitingAbort.signal()}).catch_([&](std::exception_ptr e) {
    mark("1: " + describe(e));
    return -1;
  });
  (void)q.add(probe.task(2));
  recordEvents(q, events);
  waitingAbort.abort();
  EXPECT_EQ(q.size(), 1u);
  EXPECT_THAT(events, ElementsAre("next"));
  runningAbort.abort(std::make_exception_ptr(RangeError("E_WHY", "stop")));
  run();
  EXPECT_THAT(probe.started, ElementsAre(0, 2));  // 0's slot went to 2
  EXPECT_THAT(log, ElementsAre("1: AbortError: This operation was aborted", "0: RangeError: stop"));
  EXPECT_THAT(events, ElementsAre("next", "error", "active", "empty", "next"));
  // An already aborted signal: rejected at once, no events.
  events.clear();
  auto p = q.add([] { return 1; }, {AbortSignal::abort()});
  EXPECT_TRUE(p.isRejected());
  (void)p.catch_([](std::exception_ptr) { return 0; });
  EXPECT_TRUE(events.empty());
  probe.open(0);
  probe.open(2);
  run();
}

TEST_F(AsyncQueueTest, AddOptionsInsideCoAwaitAreSafe) {
  // g++ 12 destroys aggregate temporaries in co_await expressions twice; AddOptions is not an
  // aggregate. Run under ASan to check.
  AsyncQueue q({.concurrency = 1});
  AbortController c;
  auto body = [](AsyncQueue& queue, AbortSignal signal,
                 std::vector<std::string>& out) -> Promise<> {
    int a = co_await queue.add([] { return 1; }, {1, signal});
    int b = co_await queue.add([] { return 2; }, {signal});
    int d = co_await queue.add([] { return 3; }, {7});
    int e = co_await queue.add([](AbortSignal s) { return s ? 4 : 0; }, {AddOptions(2, signal)});
    out.push_back(std::to_string(a + b + d + e));
  };
  (void)body(q, c.signal(), log);
  run();
  EXPECT_THAT(log, ElementsAre("10"));
}

TEST_F(AsyncQueueTest, AddAllCollectsValuesInOrder) {
  AsyncQueue q({.concurrency = 2});
  std::vector<std::function<Promise<int>()>> fns;
  for (int i = 0; i < 5; ++i) {
    fns.emplace_back([i]() -> Promise<int> {
      co_await Promise<>::resolve();
      co_return i* i;
    });
  }
  (void)q.addAll(std::move(fns)).then([&](std::vector<int>& v) {
    for (int x : v) mark(std::to_string(x));
  });
  run();
  EXPECT_THAT(log, ElementsAre("0", "1", "4", "9", "16"));
}

TEST_F(AsyncQueueTest, TasksThatCompleteAtOnceDoNotNestOnTheStack) {
  AsyncQueue q({.concurrency = 1});
  long sum = 0;
  constexpr int kTasks = 200'000;
  for (int i = 0; i < kTasks; ++i) {
    (void)q.add([] { return Promise<int>::resolve(1); }).then([&](int v) { sum += v; });
  }
  run();
  EXPECT_EQ(sum, kTasks);
}

TEST_F(AsyncQueueTest, DestroyingTheQueueDropsWaitingTasksAndWaiters) {
  Probe probe;
  Promise<int> running;
  Promise<int> waiting;
  Promise<> idle;
  {
    AsyncQueue q({.concurrency = 1});
    running = q.add(probe.task(0));
    waiting = q.add(probe.task(1));
    AsyncQueue moved(std::move(q));
    idle = moved.onIdle();
    moved.completed.on([&] { mark("completed"); });
  }
  EXPECT_TRUE(waiting.isRejected());
  EXPECT_TRUE(idle.isRejected());
  probe.open(0);
  run();
  EXPECT_TRUE(running.isFulfilled());
  EXPECT_TRUE(log.empty());  // no events after destruction
  EXPECT_EQ(process::exitCode, 0);
}

TEST_F(AsyncQueueTest, AListenerMayDestroyTheQueue) {
  auto* q = new AsyncQueue({.concurrency = 1});
  q->idle.once([&q] {
    delete q;
    q = nullptr;
  });
  (void)q->add([] { return 1; }).then([&](int v) { mark(std::to_string(v)); });
  run();
  EXPECT_EQ(q, nullptr);
  EXPECT_THAT(log, ElementsAre("1"));

  q = new AsyncQueue();
  q->added.once([&q] {
    delete q;
    q = nullptr;
  });
  (void)q->add([] { return 2; }).catch_([&](std::exception_ptr e) {
    mark(describe(e));
    return 0;
  });
  run();
  EXPECT_THAT(log, ElementsAre("1", "AbortError: The queue was destroyed"));
}

TEST_F(AsyncQueueTest, AListenerExceptionIsReportedAndTheQueueCarriesOn) {
  std::vector<std::string> uncaught;
  process::on("uncaughtException", [&](std::exception_ptr e) { uncaught.push_back(describe(e)); });
  AsyncQueue q({.concurrency = 1});
  q.active.once([] { throw RangeError("E_LISTENER", "listener failed"); });
  int ran = 0;
  for (int i = 0; i < 3; ++i) (void)q.add([&] { ++ran; });
  run();
  EXPECT_EQ(ran, 3);
  EXPECT_THAT(uncaught, ElementsAre("RangeError: listener failed"));
}

// Random operation sequences against a reference model: waiting tasks sorted by (priority
// desc, arrival), the running set, the limits and the rate-limit window on the manual clock.
TEST_F(AsyncQueueTest, PropertyMatchesReferenceModel) {
  for (unsigned seed = 1; seed <= 40; ++seed) {
    std::mt19937 rng(seed);
    ManualClock clock;
    bool rateLimited = seed % 2 == 0;
    bool carry = seed % 4 == 0;
    std::size_t conc = 1 + seed % 3;
    std::size_t cap = 1 + seed % 2;
    constexpr std::int64_t kInterval = 100;
    AsyncQueueOptions options{.concurrency = conc};
    if (rateLimited) {
      options.intervalCap = cap;
      options.interval = std::chrono::milliseconds(kInterval);
      options.carryoverIntervalCount = carry;
    }
    AsyncQueue q(options, clock);
    Probe probe;

    struct Waiting {
      int priority;
      int id;
    };
    std::vector<Waiting> waiting;  // model order
    std::set<int> running;
    std::vector<int> started;
    std::set<int> rejected;
    std::set<int> expectRejected;
    std::map<int, std::unique_ptr<AbortController>> controllers;
    bool paused = false;
    std::int64_t windowEnd = std::numeric_limits<std::int64_t>::min();
    std::size_t count = 0;
    int nextId = 0;

    auto drain = [&] {
      while (!paused && !waiting.empty() && running.size() < conc) {
        if (rateLimited) {
          if (clock.now() >= windowEnd) {
            windowEnd = clock.now() + kInterval;
            count = carry ? running.size() : 0;
          }
          if (count >= cap) break;
          ++count;
        }
        running.insert(waiting.front().id);
        started.push_back(waiting.front().id);
        waiting.erase(waiting.begin());
      }
    };
    for (int step = 0; step < 300; ++step) {
      int op = static_cast<int>(rng() % 12);
      if (op < 5) {
        int id = nextId++;
        int priority = static_cast<int>(rng() % 3);
        auto& c = controllers[id] = std::make_unique<AbortController>();
        (void)q.add(probe.task(id), {priority, c->signal()})
            .catch_([&rejected, id](std::exception_ptr) {
              rejected.insert(id);
              return -1;
            });
        auto at = std::find_if(waiting.begin(), waiting.end(),
                               [&](const Waiting& w) { return w.priority < priority; });
        waiting.insert(at, {priority, id});
        drain();
      } else if (op < 7 && !running.empty()) {
        auto it = running.begin();
        std::advance(it, static_cast<long>(rng() % running.size()));
        int id = *it;
        running.erase(it);
        probe.open(id);
        drain();
      } else if (op == 7 && !waiting.empty()) {
        std::size_t i = rng() % waiting.size();
        int id = waiting[i].id;
        waiting.erase(waiting.begin() + static_cast<long>(i));
        expectRejected.insert(id);
        controllers[id]->abort();
        drain();
      } else if (op == 8) {
        if ((paused = !paused)) {
          q.pause();
        } else {
          q.start();
        }
        drain();
      } else if (op == 9) {
        conc = 1 + rng() % 4;
        q.setConcurrency(conc);
        drain();
      } else if (op == 10 && rng() % 4 == 0) {
        for (auto& w : waiting) expectRejected.insert(w.id);
        waiting.clear();
        q.clear();
      } else {
        clock.advance(static_cast<std::int64_t>(rng() % 80));
        run();
        drain();
      }
      run();
      std::string where = "seed " + std::to_string(seed) + " step " + std::to_string(step);
      ASSERT_EQ(q.pending(), running.size()) << where;
      ASSERT_EQ(q.size(), waiting.size()) << where;
      ASSERT_EQ(probe.started, started) << where;
      ASSERT_EQ(rejected, expectRejected) << where;
      ASSERT_LE(static_cast<std::size_t>(probe.active), std::max<std::size_t>(conc, 4)) << where;
    }
    q.clear();
    for (int id : std::vector<int>(running.begin(), running.end())) probe.open(id);
    run();
  }
}

}  // namespace
}  // namespace nx::resilience
