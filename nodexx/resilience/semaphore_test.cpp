// SPDX-License-Identifier: MIT
#include "nodexx/resilience/semaphore.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/core/process.hpp"

using ::testing::ElementsAre;

namespace nx::resilience {
namespace {

using SemaphoreTest = nx::testing::FreshLoop;
using MutexTest = nx::testing::FreshLoop;

TEST_F(SemaphoreTest, GrantsPermitsInFifoOrderAndReleasesOnDestruction) {
  Semaphore sem(2);
  std::map<int, Semaphore::Permit> held;
  for (int i = 0; i < 5; ++i) {
    (void)sem.acquire().then([&, i](Semaphore::Permit& p) {
      mark("got " + std::to_string(i));
      held[i] = std::move(p);
    });
  }
  EXPECT_EQ(sem.available(), 0u);
  EXPECT_EQ(sem.waitingCount(), 3u);
  run();
  EXPECT_THAT(log, ElementsAre("got 0", "got 1"));
  EXPECT_FALSE(sem.tryAcquire());  // nothing free
  held.erase(1);
  EXPECT_EQ(sem.available(), 0u);  // handed to waiter 2, not to the pool
  EXPECT_FALSE(sem.tryAcquire());  // so no barging
  run();
  held.erase(0);
  held[2].release();
  held[2].release();  // a second release does nothing
  run();
  EXPECT_THAT(log, ElementsAre("got 0", "got 1", "got 2", "got 3", "got 4"));
  held.clear();
  EXPECT_EQ(sem.available(), 2u);
  auto p = sem.tryAcquire();
  ASSERT_TRUE(p);
  EXPECT_TRUE(*p);
  EXPECT_EQ(sem.available(), 1u);
  Semaphore::Permit moved = std::move(*p);
  EXPECT_FALSE(*p);
  moved = Semaphore::Permit();
  EXPECT_EQ(sem.available(), 2u);
  EXPECT_THROW(Semaphore(0), RangeError);
}

Promise<> guarded(Semaphore& sem, int id, int& inside, int& maxInside,
                  std::vector<std::string>& log, bool fail) {
  auto permit = co_await sem.acquire();
  ++inside;
  maxInside = std::max(maxInside, inside);
  co_await Promise<>::resolve();
  co_await Promise<>::resolve();
  --inside;
  log.push_back("done " + std::to_string(id));
  if (fail) throw RangeError("E_TASK", "task failed");  // the permit is released on unwinding
}

TEST_F(SemaphoreTest, CoroutinesReleaseOnReturnAndOnException) {
  Semaphore sem(2);
  int inside = 0;
  int maxInside = 0;
  std::vector<Promise<>> ps;
  for (int i = 0; i < 6; ++i) ps.push_back(guarded(sem, i, inside, maxInside, log, i % 2 == 0));
  for (auto& p : ps) (void)p.catch_([](std::exception_ptr) {});
  run();
  EXPECT_EQ(maxInside, 2);
  EXPECT_THAT(log, ElementsAre("done 0", "done 1", "done 2", "done 3", "done 4", "done 5"));
  EXPECT_EQ(sem.available(), 2u);
}

TEST_F(SemaphoreTest, AbortLeavesTheLineAndTheNextWaiterIsServed) {
  Semaphore sem(1);
  auto first = sem.tryAcquire();
  AbortController c;
  (void)sem.acquire(c.signal())
      .then([&](Semaphore::Permit&) { mark("aborted waiter got it"); },
            [&](std::exception_ptr e) { mark(describe(e)); });
  std::optional<Semaphore::Permit> second;
  (void)sem.acquire().then([&](Semaphore::Permit& p) {
    mark("second");
    second = std::move(p);
  });
  EXPECT_EQ(sem.waitingCount(), 2u);
  c.abort();
  EXPECT_EQ(sem.waitingCount(), 1u);
  first.reset();
  run();
  EXPECT_THAT(log, ElementsAre("AbortError: This operation was aborted", "second"));
  auto rejected = sem.acquire(AbortSignal::abort());
  EXPECT_TRUE(rejected.isRejected());
  (void)rejected.catch_([](std::exception_ptr) { return Semaphore::Permit(); });
}

TEST_F(SemaphoreTest, SkipsWaitersWhosePromiseWasDropped) {
  Semaphore sem(1);
  auto held = sem.tryAcquire();
  (void)sem.acquire();  // dropped: nobody can ever use this permit
  Promise<Semaphore::Permit> kept = sem.acquire();
  held.reset();
  EXPECT_EQ(sem.waitingCount(), 0u);
  EXPECT_TRUE(kept.isFulfilled());
  kept = {};  // the permit inside the promise goes back
  EXPECT_EQ(sem.available(), 1u);
}

TEST_F(SemaphoreTest, DestroyingTheSemaphoreRejectsWaitersAndPermitsOutliveIt) {
  std::optional<Semaphore::Permit> held;
  Promise<Semaphore::Permit> waiting;
  {
    Semaphore sem(1);
    held = sem.tryAcquire();
    waiting = sem.acquire();
    Semaphore moved(std::move(sem));
    EXPECT_EQ(moved.waitingCount(), 1u);
  }
  EXPECT_TRUE(waiting.isRejected());
  held.reset();  // releases into the orphaned state
  run();
  EXPECT_EQ(process::exitCode, 0);
}

Promise<> incrementTwice(Mutex& mutex, int& counter, bool& inside, bool& overlapped) {
  for (int round = 0; round < 2; ++round) {
    auto lock = co_await mutex.lock();
    if (inside) overlapped = true;
    inside = true;
    int seen = counter;
    co_await Promise<>::resolve();  // another coroutine would interleave here
    co_await Promise<>::resolve();
    counter = seen + 1;
    inside = false;
  }
}

TEST_F(MutexTest, ExcludesAcrossCoAwaits) {
  Mutex mutex;
  int counter = 0;
  bool inside = false;
  bool overlapped = false;
  for (int i = 0; i < 10; ++i) (void)incrementTwice(mutex, counter, inside, overlapped);
  EXPECT_TRUE(mutex.isLocked());
  run();
  EXPECT_EQ(counter, 20);  // no lost update
  EXPECT_FALSE(overlapped);
  EXPECT_FALSE(mutex.isLocked());
}

TEST_F(MutexTest, TryLockUnlockAndAbort) {
  Mutex mutex;
  auto lock = mutex.tryLock();
  ASSERT_TRUE(lock);
  EXPECT_TRUE(lock->ownsLock());
  EXPECT_TRUE(mutex.isLocked());
  EXPECT_FALSE(mutex.tryLock());
  AbortController c;
  (void)mutex.lock(c.signal()).catch_([&](std::exception_ptr e) {
    mark(describe(e));
    return Mutex::Lock();
  });
  std::optional<Mutex::Lock> next;
  (void)mutex.lock().then([&](Mutex::Lock& l) {
    mark("locked");
    next = std::move(l);
  });
  c.abort();
  lock->unlock();
  EXPECT_FALSE(lock->ownsLock());
  EXPECT_TRUE(mutex.isLocked());  // handed to the waiter
  run();
  EXPECT_THAT(log, ElementsAre("AbortError: This operation was aborted", "locked"));
  next.reset();
  EXPECT_FALSE(mutex.isLocked());
}

TEST_F(MutexTest, LockInsideCoAwaitWithDefaultAndExplicitSignal) {
  // The AbortSignal parameter (defaulted or a temporary) inside co_await, checked under ASan.
  Mutex mutex;
  auto body = [](Mutex& m, std::vector<std::string>& out) -> Promise<> {
    {
      auto a = co_await m.lock();
      out.push_back(a ? "a" : "-");
    }
    auto b = co_await m.lock(AbortController().signal());
    out.push_back(b ? "b" : "-");
  };
  (void)body(mutex, log);
  run();
  EXPECT_THAT(log, ElementsAre("a", "b"));
}

// Random acquire / release / abort / tryAcquire sequences against a reference model: a free
// count and a FIFO line, where a release hands the permit to the first in line.
TEST_F(SemaphoreTest, PropertyMatchesReferenceModel) {
  for (unsigned seed = 1; seed <= 40; ++seed) {
    std::mt19937 rng(seed);
    std::size_t permits = 1 + seed % 3;
    Semaphore sem(permits);
    std::map<int, Semaphore::Permit> held;
    std::set<int> aborted;
    std::map<int, std::unique_ptr<AbortController>> controllers;
    std::size_t free = permits;
    std::deque<int> line;
    std::set<int> holders;
    std::set<int> expectAborted;
    int nextId = 0;
    for (int step = 0; step < 300; ++step) {
      int op = static_cast<int>(rng() % 8);
      if (op < 3) {
        int id = nextId++;
        auto& c = controllers[id] = std::make_unique<AbortController>();
        (void)sem.acquire(c->signal())
            .then([&held, id](Semaphore::Permit& p) { held[id] = std::move(p); },
                  [&aborted, id](std::exception_ptr) { aborted.insert(id); });
        if (free > 0 && line.empty()) {
          --free;
          holders.insert(id);
        } else {
          line.push_back(id);
        }
      } else if (op < 6 && !holders.empty()) {
        auto it = holders.begin();
        std::advance(it, static_cast<long>(rng() % holders.size()));
        held.erase(*it);
        holders.erase(it);
        if (!line.empty()) {
          holders.insert(line.front());
          line.pop_front();
        } else {
          ++free;
        }
      } else if (op == 6 && !line.empty()) {
        std::size_t i = rng() % line.size();
        int id = line[i];
        line.erase(line.begin() + static_cast<long>(i));
        expectAborted.insert(id);
        controllers[id]->abort();
      } else {
        if (auto p = sem.tryAcquire()) {
          ASSERT_TRUE(free > 0 && line.empty());
          --free;
          int id = nextId++;
          held[id] = std::move(*p);
          holders.insert(id);
        } else {
          ASSERT_TRUE(free == 0 || !line.empty());
        }
      }
      run();
      std::string where = "seed " + std::to_string(seed) + " step " + std::to_string(step);
      std::set<int> actual;
      for (auto& [id, p] : held) actual.insert(id);
      ASSERT_EQ(actual, holders) << where;
      ASSERT_EQ(sem.available(), free) << where;
      ASSERT_EQ(sem.waitingCount(), line.size()) << where;
      ASSERT_EQ(aborted, expectAborted) << where;
    }
    // Settle everything while the callbacks' targets are alive.
    for (int id : line) controllers[id]->abort();
    run();
    held.clear();
    run();
  }
}

}  // namespace
}  // namespace nx::resilience
