// SPDX-License-Identifier: MIT
#include "nodexx/resilience/lru_cache.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/core/process.hpp"
#include "nodexx/core/sleep.hpp"

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using namespace std::chrono_literals;

namespace nx::resilience {
namespace {

using LruCacheTest = nx::testing::FreshLoop;
using LruFetchTest = nx::testing::FreshLoop;
using LruPropertyTest = nx::testing::FreshLoop;

using StrCache = LruCache<std::string, std::string>;
using OptStr = std::optional<std::string>;

template <class View>
auto collect(const View& view) {
  std::vector<std::remove_cvref_t<decltype(*view.begin())>> out;
  for (auto&& x : view) out.emplace_back(x);
  return out;
}

std::vector<int> keysOf(const LruCache<int, int>& c) {
  std::vector<int> out;
  for (int k : c.keys()) out.push_back(k);
  return out;
}

// Records dispose calls as "reason:key=value".
template <class K, class V>
auto recorder(std::vector<std::string>& log) {
  return [&log](V& v, const K& k, DisposeReason r) {
    std::string key, value;
    if constexpr (std::is_same_v<K, std::string>) {
      key = k;
    } else {
      key = std::to_string(k);
    }
    if constexpr (std::is_same_v<V, std::string>) {
      value = v;
    } else {
      value = std::to_string(v);
    }
    log.push_back(std::string(toString(r)) + ":" + key + "=" + value);
  };
}

template <class T>
const T& valueOf(const Promise<T>& p) {
  EXPECT_TRUE(p.isFulfilled());
  return *p.state()->value;
}

// Marks a promise that the test expects to reject as handled (no unhandled rejection).
template <class T>
Promise<T> watch(Promise<T> p) {
  (void)p.catch_([](std::exception_ptr) { return T(); });
  return p;
}

std::string errorOf(const Promise<OptStr>& p) {
  EXPECT_TRUE(p.isRejected());
  return p.isRejected() ? describe(p.state()->error) : std::string();
}

// ---- options ------------------------------------------------------------------------------

TEST_F(LruCacheTest, ConstructorValidatesOptionsLikeLruCache) {
  EXPECT_THROW((LruCache<int, int>({})), RangeError);
  EXPECT_THROW((LruCache<int, int>({.max = (std::size_t{1} << 31) + 1})), RangeError);
  EXPECT_THROW((LruCache<int, int>({.max = 1, .ttl = -1ms})), RangeError);
  EXPECT_THROW((LruCache<int, int>(
                   {.max = 1, .sizeCalculation = [](const int&, const int&) { return 1u; }})),
               RangeError);
  try {
    LruCache<int, int> c({});
  } catch (const RangeError& e) {
    EXPECT_EQ(e.code(), "ERR_INVALID_ARG_VALUE");
    EXPECT_STREQ(e.what(), "At least one of max, maxSize, or ttl is required");
  }
  LruCache<int, int> a({.max = 1});
  LruCache<int, int> b({.maxSize = 10});
  LruCache<int, int> c({.ttl = 10ms, .ttlAutopurge = true});
  EXPECT_EQ(a.max(), 1u);
  EXPECT_EQ(b.maxSize(), 10u);
  EXPECT_EQ(toString(DisposeReason::Expire), "expire");
}

// ---- get / set / peek / has / del ---------------------------------------------------------

TEST_F(LruCacheTest, EvictsLeastRecentlyUsedAndGetRefreshesRecency) {
  LruCache<int, int> c({.max = 3});
  c.set(1, 10);
  c.set(2, 20);
  c.set(3, 30);
  EXPECT_EQ(c.get(1), 10);  // 1 is now the most recent
  c.set(4, 40);             // evicts 2
  EXPECT_EQ(c.size(), 3u);
  EXPECT_EQ(c.get(2), std::nullopt);
  EXPECT_THAT(keysOf(c), ElementsAre(4, 1, 3));
  c.set(3, 33);  // update: most recent, no eviction
  EXPECT_THAT(keysOf(c), ElementsAre(3, 4, 1));
  EXPECT_EQ(*c.getPtr(3), 33);
  EXPECT_EQ(c.getPtr(99), nullptr);
}

TEST_F(LruCacheTest, PeekAndHasDoNotTouchRecency) {
  LruCache<int, int> c({.max = 2});
  c.set(1, 10);
  c.set(2, 20);
  EXPECT_EQ(c.peek(1), 10);
  EXPECT_EQ(*c.peekPtr(1), 10);
  EXPECT_TRUE(c.has(1));
  EXPECT_FALSE(c.has(3));
  EXPECT_EQ(c.peek(3), std::nullopt);
  c.set(3, 30);  // 1 is still the least recent
  EXPECT_FALSE(c.has(1));
  EXPECT_THAT(keysOf(c), ElementsAre(3, 2));
}

TEST_F(LruCacheTest, DelClearAndPop) {
  LruCache<int, int> c({.max = 5, .dispose = recorder<int, int>(log)});
  for (int i = 1; i <= 4; ++i) c.set(i, i * 10);
  EXPECT_TRUE(c.del(2));
  EXPECT_FALSE(c.del(2));
  EXPECT_EQ(c.pop(), 10);  // the least recent
  EXPECT_THAT(keysOf(c), ElementsAre(4, 3));
  c.clear();
  EXPECT_EQ(c.size(), 0u);
  EXPECT_EQ(c.pop(), std::nullopt);
  EXPECT_THAT(log, ElementsAre("delete:2=20", "evict:1=10", "delete:3=30", "delete:4=40"));
  c.set(7, 70);  // usable after clear
  EXPECT_EQ(c.get(7), 70);
}

TEST_F(LruCacheTest, DisposeReasonsForEvictSetAndDelete) {
  LruCache<int, int> c({.max = 2, .dispose = recorder<int, int>(log)});
  c.set(1, 10);
  c.set(1, 10);  // an equal value is not disposed (lru-cache's identity check)
  c.set(1, 11);
  c.set(2, 20);
  c.set(3, 30);
  c.set(3, 31, {.noDisposeOnSet = true});
  c.del(3);
  EXPECT_THAT(log, ElementsAre("set:1=10", "evict:1=11", "delete:3=31"));
}

TEST_F(LruCacheTest, NoDisposeOnSetOption) {
  LruCache<int, int> c({.max = 2, .noDisposeOnSet = true, .dispose = recorder<int, int>(log)});
  c.set(1, 10);
  c.set(1, 11);
  c.set(1, 12, {.noDisposeOnSet = false});
  EXPECT_THAT(log, ElementsAre("set:1=11"));
}

TEST_F(LruCacheTest, DisposeRunsAfterTheOperationAndMayUseTheCache) {
  LruCache<int, int>* self = nullptr;
  LruCache<int, int> c({.max = 2, .dispose = [&](int& v, const int& k, DisposeReason r) {
                          log.push_back(std::string(toString(r)) + ":" + std::to_string(k));
                          // The cache is consistent here: re-insert evicted keys under k + 100.
                          if (r == DisposeReason::Evict && k < 100) self->set(k + 100, v);
                        }});
  self = &c;
  c.set(1, 1);
  c.set(2, 2);
  c.set(3, 3);  // evicts 1, whose dispose sets 101, which evicts 2, whose dispose sets 102 ...
  EXPECT_EQ(c.size(), 2u);
  EXPECT_THAT(log, ElementsAre("evict:1", "evict:2", "evict:3", "evict:101"));
  EXPECT_THAT(keysOf(c), ElementsAre(103, 102));
}

TEST_F(LruCacheTest, StringKeysLookUpByStringViewWithoutAllocating) {
  StrCache c({.max = 4});
  c.set("alpha", "1");
  std::string_view key = "alpha";
  EXPECT_EQ(c.get(key), "1");
  EXPECT_EQ(c.get("alpha"), "1");
  EXPECT_TRUE(c.has(std::string("alpha")));
  EXPECT_EQ(c.getRemainingTTL(key), StrCache::kNoTtl);
  EXPECT_TRUE(c.del(key));
  EXPECT_FALSE(c.has(key));
}

struct Counted {
  static inline int copies = 0;
  int v;
  explicit Counted(int x) : v(x) {}
  Counted(const Counted& o) : v(o.v) { ++copies; }
  Counted(Counted&& o) noexcept : v(o.v) {}
  Counted& operator=(const Counted&) = delete;
};

TEST_F(LruCacheTest, GetPtrAndPeekPtrDoNotCopy) {
  LruCache<int, Counted> c({.max = 2});
  c.set(1, Counted(5));
  Counted::copies = 0;
  EXPECT_EQ(c.getPtr(1)->v, 5);
  EXPECT_EQ(c.peekPtr(1)->v, 5);
  for (const auto& v : c.values()) EXPECT_EQ(v.v, 5);
  EXPECT_EQ(Counted::copies, 0);
  EXPECT_EQ(c.get(1)->v, 5);
  EXPECT_EQ(Counted::copies, 1);
}

TEST_F(LruCacheTest, MoveOnlyValues) {
  std::vector<int> disposed;
  LruCache<int, std::unique_ptr<int>> c(
      {.max = 2, .dispose = [&](std::unique_ptr<int>& v, const int&, DisposeReason) {
         auto owned = std::move(v);  // dispose may take the value
         disposed.push_back(*owned);
       }});
  c.set(1, std::make_unique<int>(1));
  c.set(2, std::make_unique<int>(2));
  c.set(3, std::make_unique<int>(3));
  EXPECT_EQ(**c.getPtr(3), 3);
  std::optional<std::unique_ptr<int>> popped = c.pop();
  ASSERT_TRUE(popped.has_value());
  EXPECT_EQ(*popped, nullptr);  // dispose ran on it first and took it
  EXPECT_THAT(disposed, ElementsAre(1, 2));
}

TEST_F(LruCacheTest, GrowsAndReusesSlotsAcrossManyEvictions) {
  LruCache<int, int> c({.max = 1000});
  for (int i = 0; i < 100000; ++i) c.set(i, i);
  EXPECT_EQ(c.size(), 1000u);
  for (int i = 99000; i < 100000; ++i) ASSERT_EQ(c.get(i), i);
  EXPECT_EQ(c.get(98999), std::nullopt);
  for (int i = 99000; i < 99500; ++i) c.del(i);
  EXPECT_EQ(c.size(), 500u);
  for (int i = 0; i < 600; ++i) c.set(-i, i);
  EXPECT_EQ(c.size(), 1000u);
  EXPECT_EQ(c.get(99500), std::nullopt);  // the least recent of the rest went first
  EXPECT_EQ(c.get(99600), 99600);
}

// ---- sizes --------------------------------------------------------------------------------

TEST_F(LruCacheTest, SizeAccountingEvictsToFitMaxSize) {
  StrCache c({.maxSize = 10,
              .sizeCalculation = [](const std::string& v, const std::string&) { return v.size(); },
              .dispose = recorder<std::string, std::string>(log)});
  c.set("a", "xxxx");
  c.set("b", "yyyy");
  EXPECT_EQ(c.calculatedSize(), 8u);
  c.set("c", "zzz");  // 11 > 10: evicts a
  EXPECT_EQ(c.calculatedSize(), 7u);
  EXPECT_FALSE(c.has("a"));
  c.set("b", "y");  // shrinks in place
  EXPECT_EQ(c.calculatedSize(), 4u);
  c.set("d", "w", {.size = 6});  // explicit size wins over sizeCalculation
  EXPECT_EQ(c.calculatedSize(), 10u);
  EXPECT_FALSE(c.set("e", "01234567890"));  // larger than maxEntrySize (= maxSize): not stored
  EXPECT_FALSE(c.has("e"));
  EXPECT_FALSE(c.set("b", "0123456789ab"));  // and an existing entry is dropped
  EXPECT_FALSE(c.has("b"));
  EXPECT_EQ(c.calculatedSize(), 9u);
  EXPECT_THAT(log, ElementsAre("evict:a=xxxx", "set:b=yyyy", "set:b=y"));
  c.del("c");
  c.del("d");
  EXPECT_EQ(c.calculatedSize(), 0u);
}

TEST_F(LruCacheTest, SizeErrorsAndMaxEntrySize) {
  LruCache<int, int> noSize({.max = 3});
  EXPECT_THROW(noSize.set(1, 1, {.size = 3}), RangeError);
  LruCache<int, int> needsSize({.maxSize = 10});
  EXPECT_THROW(needsSize.set(1, 1), RangeError);
  EXPECT_TRUE(needsSize.set(1, 1, {.size = 10}));
  LruCache<int, int> zero(
      {.maxSize = 10, .sizeCalculation = [](const int&, const int&) { return std::size_t{0}; }});
  EXPECT_THROW(zero.set(1, 1), RangeError);
  LruCache<int, int> entry({.max = 10, .maxEntrySize = 3});  // no total limit
  EXPECT_TRUE(entry.set(1, 1, {.size = 3}));
  EXPECT_FALSE(entry.set(2, 2, {.size = 4}));
  EXPECT_EQ(entry.calculatedSize(), 3u);
  LruCache<int, int> capped({.maxSize = 5, .maxEntrySize = 50});  // capped at maxSize
  EXPECT_FALSE(capped.set(1, 1, {.size = 6}));
}

// ---- TTL ----------------------------------------------------------------------------------

TEST_F(LruCacheTest, TtlIsLazyAndStrictlyGreaterThan) {
  ManualClock clock(1000);
  LruCache<int, int> c(
      {.max = 10, .ttl = 100ms, .dispose = recorder<int, int>(log), .clock = &clock});
  c.set(1, 10);
  clock.advance(100);
  EXPECT_TRUE(c.has(1));  // age 100 is not > ttl 100
  EXPECT_EQ(c.getRemainingTTL(1), 0ms);
  clock.advance(1);
  EXPECT_FALSE(c.has(1));   // stale, but still held
  EXPECT_EQ(c.size(), 1u);  // lazy: nothing removed it
  EXPECT_EQ(c.peek(1), std::nullopt);
  EXPECT_EQ(c.peek(1, {.allowStale = true}), 10);
  EXPECT_EQ(c.getRemainingTTL(1), -1ms);
  EXPECT_THAT(keysOf(c), IsEmpty());  // iteration skips stale entries
  EXPECT_EQ(c.get(1), std::nullopt);  // get deletes it
  EXPECT_EQ(c.size(), 0u);
  EXPECT_THAT(log, ElementsAre("expire:1=10"));
}

TEST_F(LruCacheTest, AllowStaleReturnsTheValueOnceAndNoDeleteOnStaleGetKeepsIt) {
  ManualClock clock;
  LruCache<int, int> c({.max = 10,
                        .ttl = 10ms,
                        .allowStale = true,
                        .dispose = recorder<int, int>(log),
                        .clock = &clock});
  c.set(1, 10);
  c.set(2, 20);
  clock.advance(11);
  EXPECT_THAT(keysOf(c), ElementsAre(2, 1));  // allowStale: iteration shows them
  EXPECT_EQ(*c.getPtr(1), 10);                // returned and deleted; dispose ran first
  EXPECT_FALSE(c.has(1));
  EXPECT_EQ(c.get(1), std::nullopt);
  EXPECT_EQ(c.get(2, {.noDeleteOnStaleGet = true}), 20);
  EXPECT_EQ(c.size(), 1u);
  EXPECT_EQ(c.get(2, {.allowStale = false, .noDeleteOnStaleGet = true}), std::nullopt);
  EXPECT_EQ(c.size(), 1u);
  EXPECT_EQ(c.get(2), 20);
  EXPECT_EQ(c.size(), 0u);
  EXPECT_THAT(log, ElementsAre("expire:1=10", "expire:2=20"));
}

TEST_F(LruCacheTest, UpdateAgeOnGetAndHas) {
  ManualClock clock;
  LruCache<int, int> c({.max = 10, .ttl = 10ms, .updateAgeOnGet = true, .clock = &clock});
  c.set(1, 1);
  c.set(2, 2);
  clock.advance(8);
  EXPECT_EQ(c.get(1), 1);  // restarts 1's TTL
  EXPECT_TRUE(c.has(2, {.updateAgeOnHas = true}));
  clock.advance(8);
  EXPECT_EQ(c.getRemainingTTL(1), 2ms);
  EXPECT_EQ(c.get(2, {.updateAgeOnGet = false}), 2);
  EXPECT_TRUE(c.has(1));
  clock.advance(3);
  EXPECT_FALSE(c.has(1));
  EXPECT_FALSE(c.has(2));
  EXPECT_EQ(c.peek(2, {.allowStale = true}), 2);  // peek never deletes
}

TEST_F(LruCacheTest, PerEntryTtlNoUpdateTtlAndPurgeStale) {
  ManualClock clock;
  LruCache<int, int> c({.max = 10, .dispose = recorder<int, int>(log), .clock = &clock});
  c.set(1, 1);                 // no ttl
  c.set(2, 2, {.ttl = 10ms});  // TTL tracking starts lazily
  c.set(3, 3, {.ttl = 50ms});
  c.set(4, 4, {.ttl = 0ms});
  EXPECT_EQ(c.getRemainingTTL(1), (LruCache<int, int>::kNoTtl));
  EXPECT_EQ(c.getRemainingTTL(2), 10ms);
  EXPECT_EQ(c.getRemainingTTL(9), 0ms);
  clock.advance(5);
  c.set(2, 22, {.ttl = 10ms, .noUpdateTTL = true});  // the TTL keeps running
  EXPECT_EQ(c.getRemainingTTL(2), 5ms);
  c.set(3, 33, {.ttl = 50ms});  // restarted
  EXPECT_EQ(c.getRemainingTTL(3), 50ms);
  clock.advance(20);
  EXPECT_TRUE(c.purgeStale());
  EXPECT_FALSE(c.purgeStale());
  EXPECT_THAT(keysOf(c), ElementsAre(3, 4, 1));
  EXPECT_THAT(log, ElementsAre("set:2=2", "set:3=3", "expire:2=22"));
}

TEST_F(LruCacheTest, TtlAutopurgeWithManualClock) {
  ManualClock clock;
  LruCache<int, int> c({.max = 10,
                        .ttl = 100ms,
                        .ttlAutopurge = true,
                        .dispose = recorder<int, int>(log),
                        .clock = &clock});
  c.set(1, 1);
  EXPECT_EQ(clock.pendingSleeps(), 1u);
  clock.advance(50);
  c.set(2, 2, {.ttl = 10ms});  // an earlier deadline re-arms the one timer
  c.set(3, 3, {.ttl = 10ms});
  EXPECT_EQ(clock.pendingSleeps(), 1u);
  clock.advance(10);
  run();
  EXPECT_EQ(c.size(), 3u);  // due at 61, not 60
  clock.advance(1);
  run();
  EXPECT_THAT(keysOf(c), ElementsAre(1));
  EXPECT_EQ(clock.pendingSleeps(), 1u);  // re-armed for entry 1
  clock.advance(40);
  run();
  EXPECT_EQ(c.size(), 0u);
  EXPECT_EQ(clock.pendingSleeps(), 0u);
  EXPECT_THAT(log, ElementsAre("expire:2=2", "expire:3=3", "expire:1=1"));
}

TEST_F(LruCacheTest, TtlAutopurgeFollowsAgeUpdatesAndDeletes) {
  ManualClock clock;
  LruCache<int, int> c(
      {.max = 10, .ttl = 100ms, .ttlAutopurge = true, .updateAgeOnGet = true, .clock = &clock});
  c.set(1, 1);
  c.set(2, 2);
  clock.advance(60);
  EXPECT_EQ(c.get(1), 1);  // 1 now expires at 161
  clock.advance(41);
  run();
  EXPECT_THAT(keysOf(c), ElementsAre(1));
  c.del(1);
  clock.advance(100);
  run();
  EXPECT_EQ(c.size(), 0u);
  EXPECT_EQ(clock.pendingSleeps(), 0u);
  c.set(3, 3);
  c.clear();
  EXPECT_EQ(clock.pendingSleeps(), 0u);
}

TEST_F(LruCacheTest, TtlAutopurgeOnTheSystemClockDoesNotKeepTheLoopAlive) {
  LruCache<int, int> c({.max = 10, .ttl = 60000ms, .ttlAutopurge = true});
  c.set(1, 1);
  auto t0 = process::hrtime();
  run();
  EXPECT_LT(process::hrtime() - t0, 1s);
  EXPECT_TRUE(c.has(1));
}

TEST_F(LruCacheTest, TtlAutopurgeOnTheSystemClockPurges) {
  LruCache<int, int> c(
      {.max = 10, .ttl = 5ms, .ttlAutopurge = true, .dispose = recorder<int, int>(log)});
  c.set(1, 1);
  (void)nx::sleep(40).then([&] { mark("size " + std::to_string(c.size())); });
  run();
  EXPECT_THAT(log, ElementsAre("expire:1=1", "size 0"));
}

TEST_F(LruCacheTest, TtlOnlyCacheWithAutopurgeIsBounded) {
  ManualClock clock;
  LruCache<int, int> c({.ttl = 10ms, .ttlAutopurge = true, .clock = &clock});
  for (int i = 0; i < 1000; ++i) c.set(i, i);
  EXPECT_EQ(c.size(), 1000u);
  clock.advance(11);
  run();
  EXPECT_EQ(c.size(), 0u);
}

// ---- iteration ----------------------------------------------------------------------------

TEST_F(LruCacheTest, IterationOrders) {
  LruCache<int, int> c({.max = 4});
  c.set(1, 10);
  c.set(2, 20);
  c.set(3, 30);
  (void)c.get(1);
  EXPECT_THAT(collect(c.keys()), ElementsAre(1, 3, 2));
  EXPECT_THAT(collect(c.rkeys()), ElementsAre(2, 3, 1));
  EXPECT_THAT(collect(c.values()), ElementsAre(10, 30, 20));
  EXPECT_THAT(collect(c.rvalues()), ElementsAre(20, 30, 10));
  std::vector<std::pair<int, int>> entries;
  for (auto [k, v] : c.entries()) entries.emplace_back(k, v);
  EXPECT_THAT(entries, ElementsAre(std::pair(1, 10), std::pair(3, 30), std::pair(2, 20)));
  entries.clear();
  for (auto [k, v] : c.rentries()) entries.emplace_back(k, v);
  EXPECT_THAT(entries, ElementsAre(std::pair(2, 20), std::pair(3, 30), std::pair(1, 10)));
  LruCache<int, int> empty({.max = 1});
  EXPECT_TRUE(empty.keys().begin() == empty.keys().end());
}

// ---- fetch --------------------------------------------------------------------------------

// A fetchMethod whose promises the test settles by hand.
struct Fetcher {
  int calls = 0;
  std::vector<std::string> keys;
  std::vector<OptStr> stales;
  std::vector<AbortSignal> signals;
  std::vector<Promise<OptStr>::Resolvers> pending;

  // A promise that is never settled keeps its reactions (and what they hold) alive, so settle
  // whatever a test left pending.
  ~Fetcher() {
    for (auto& r : pending) r.resolve(std::nullopt);
  }

  auto method() {
    return [this](std::string key, OptStr stale, AbortSignal signal) {
      ++calls;
      keys.push_back(std::move(key));
      stales.push_back(std::move(stale));
      signals.push_back(signal);
      auto r = Promise<OptStr>::withResolvers();
      pending.push_back(r);
      return r.promise;
    };
  }
};

TEST_F(LruFetchTest, WithoutFetchMethodItIsGet) {
  StrCache c({.max = 2});
  c.set("k", "v");
  EXPECT_EQ(valueOf(c.fetch("k")), "v");
  EXPECT_EQ(valueOf(c.fetch("x")), std::nullopt);
}

TEST_F(LruFetchTest, ConcurrentMissesShareOneCall) {
  Fetcher f;
  StrCache c({.max = 10, .fetchMethod = f.method()});
  auto a = c.fetch("k");
  auto b = c.fetch("k");
  auto d = c.fetch("k");
  EXPECT_EQ(f.calls, 1);
  EXPECT_EQ(f.stales[0], std::nullopt);
  // The fetch holds a place (as lru-cache's promise does) but no value yet.
  EXPECT_EQ(c.size(), 1u);
  EXPECT_FALSE(c.has("k"));
  EXPECT_EQ(c.get("k"), std::nullopt);
  EXPECT_THAT(collect(c.keys()), IsEmpty());
  f.pending[0].resolve(OptStr("v"));
  run();
  EXPECT_EQ(valueOf(a), "v");
  EXPECT_EQ(valueOf(b), "v");
  EXPECT_EQ(valueOf(d), "v");
  EXPECT_EQ(c.get("k"), "v");
  auto hit = c.fetch("k");
  EXPECT_EQ(valueOf(hit), "v");
  EXPECT_EQ(f.calls, 1);
  auto other = c.fetch("other");
  EXPECT_EQ(f.calls, 2);
  f.pending[1].resolve(OptStr("o"));
  run();
  EXPECT_EQ(valueOf(other), "o");
}

TEST_F(LruFetchTest, WorksFromCoroutinesWithACoroutineFetchMethod) {
  ManualClock clock;
  int calls = 0;
  StrCache c({.max = 10,
              .fetchMethod = [&](std::string key, OptStr, AbortSignal signal) -> Promise<OptStr> {
                ++calls;
                co_await clock.sleep(10, signal);
                co_return "value of " + key;
              },
              .clock = &clock});
  auto user = [](StrCache& cache, std::vector<std::string>& out) -> Promise<> {
    LruFetchOptions o{.ttl = 1000ms};
    OptStr v = co_await cache.fetch("a", o);
    out.push_back(*v);
  };
  (void)user(c, log);
  (void)user(c, log);
  clock.advance(10);
  run();
  EXPECT_THAT(log, ElementsAre("value of a", "value of a"));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(c.getRemainingTTL("a"), 1000ms);
}

TEST_F(LruFetchTest, StaleWhileRevalidate) {
  ManualClock clock;
  Fetcher f;
  std::vector<std::string> disposed;
  StrCache c({.max = 10,
              .ttl = 100ms,
              .allowStale = true,
              .dispose = recorder<std::string, std::string>(disposed),
              .fetchMethod = f.method(),
              .clock = &clock});
  c.set("k", "old");
  clock.advance(101);
  auto p = c.fetch("k");
  EXPECT_EQ(valueOf(p), "old");  // at once
  EXPECT_EQ(f.calls, 1);
  EXPECT_EQ(f.stales[0], "old");
  EXPECT_EQ(valueOf(c.fetch("k")), "old");  // joins nothing, answers stale again
  EXPECT_EQ(f.calls, 1);
  EXPECT_EQ(c.get("k"), "old");  // a stale entry being refetched is not deleted by get
  EXPECT_EQ(c.size(), 1u);
  f.pending[0].resolve(OptStr("new"));
  run();
  EXPECT_EQ(c.get("k"), "new");
  EXPECT_EQ(c.getRemainingTTL("k"), 100ms);
  EXPECT_THAT(disposed, ElementsAre("set:k=old"));
}

TEST_F(LruFetchTest, StaleWithoutAllowStaleWaitsForTheRefresh) {
  ManualClock clock;
  Fetcher f;
  StrCache c({.max = 10, .ttl = 100ms, .fetchMethod = f.method(), .clock = &clock});
  c.set("k", "old");
  clock.advance(101);
  auto p = c.fetch("k");
  EXPECT_TRUE(p.isPending());
  EXPECT_EQ(f.stales[0], "old");
  f.pending[0].resolve(OptStr("new"));
  run();
  EXPECT_EQ(valueOf(p), "new");
}

TEST_F(LruFetchTest, FailedBackgroundRefreshDeletesTheStaleEntryByDefault) {
  ManualClock clock;
  Fetcher f;
  std::vector<std::string> disposed;
  StrCache c({.max = 10,
              .ttl = 100ms,
              .allowStale = true,
              .dispose = recorder<std::string, std::string>(disposed),
              .fetchMethod = f.method(),
              .clock = &clock});
  c.set("k", "old");
  clock.advance(101);
  EXPECT_EQ(valueOf(c.fetch("k")), "old");
  f.pending[0].reject(std::runtime_error("backend down"));
  run();
  EXPECT_EQ(process::exitCode, 0);  // nobody waited: no unhandled rejection
  EXPECT_EQ(c.size(), 0u);
  EXPECT_THAT(disposed, ElementsAre("fetch:k=old"));
}

TEST_F(LruFetchTest, FailedBackgroundRefreshKeepsStaleWithNoDeleteOnFetchRejection) {
  ManualClock clock;
  Fetcher f;
  StrCache c({.max = 10,
              .ttl = 100ms,
              .allowStale = true,
              .fetchMethod = f.method(),
              .noDeleteOnFetchRejection = true,
              .clock = &clock});
  c.set("k", "old");
  clock.advance(101);
  EXPECT_EQ(valueOf(c.fetch("k")), "old");
  f.pending[0].reject(std::runtime_error("backend down"));
  run();
  EXPECT_EQ(c.size(), 1u);
  EXPECT_EQ(c.peek("k"), "old");  // still stale, still there
  EXPECT_EQ(valueOf(c.fetch("k")), "old");
  EXPECT_EQ(f.calls, 2);  // and the next fetch tries again
}

TEST_F(LruFetchTest, RejectionReachesWaitersAndRemovesTheEntry) {
  Fetcher f;
  StrCache c({.max = 10, .fetchMethod = f.method()});
  auto a = watch(c.fetch("k"));
  auto b = watch(c.fetch("k"));
  f.pending[0].reject(std::runtime_error("boom"));
  run();
  EXPECT_EQ(errorOf(a), "Error: boom");
  EXPECT_EQ(errorOf(b), "Error: boom");
  EXPECT_EQ(c.size(), 0u);
}

TEST_F(LruFetchTest, AllowStaleOnFetchRejectionResolvesTheStaleValue) {
  ManualClock clock;
  Fetcher f;
  StrCache c({.max = 10,
              .ttl = 10ms,
              .fetchMethod = f.method(),
              .allowStaleOnFetchRejection = true,
              .clock = &clock});
  c.set("k", "old");
  clock.advance(11);
  auto p = c.fetch("k");
  f.pending[0].reject(std::runtime_error("boom"));
  auto q = c.fetch("fresh");
  f.pending[1].reject(std::runtime_error("boom"));
  run();
  EXPECT_EQ(valueOf(p), "old");
  EXPECT_EQ(valueOf(q), std::nullopt);  // no stale value: resolves to nothing
  EXPECT_EQ(c.peek("k", {.allowStale = true}), "old");
  EXPECT_FALSE(c.has("fresh"));
}

TEST_F(LruFetchTest, SynchronousThrowAndNulloptResult) {
  StrCache thrower(
      {.max = 10, .fetchMethod = [](std::string, OptStr, AbortSignal) -> Promise<OptStr> {
         throw std::runtime_error("sync");
       }});
  auto p = watch(thrower.fetch("k"));
  run();
  EXPECT_EQ(errorOf(p), "Error: sync");
  EXPECT_EQ(thrower.size(), 0u);

  std::vector<std::string> disposed;
  StrCache none({.max = 10,
                 .dispose = recorder<std::string, std::string>(disposed),
                 .fetchMethod = [](std::string, OptStr, AbortSignal) {
                   return Promise<OptStr>::resolve(std::nullopt);
                 }});
  auto q = none.fetch("k");
  run();
  EXPECT_EQ(valueOf(q), std::nullopt);
  EXPECT_EQ(none.size(), 0u);
  none.set("s", "v");
  auto r = none.fetch("s", {.forceRefresh = true});
  run();
  EXPECT_EQ(valueOf(r), std::nullopt);
  EXPECT_EQ(none.get("s"), "v");  // nullopt keeps the old value
  EXPECT_THAT(disposed, IsEmpty());
}

TEST_F(LruFetchTest, ForceRefresh) {
  Fetcher f;
  StrCache c({.max = 10, .fetchMethod = f.method()});
  c.set("k", "v1");
  auto p = c.fetch("k", {.forceRefresh = true});
  EXPECT_EQ(f.calls, 1);
  EXPECT_EQ(f.stales[0], "v1");
  EXPECT_EQ(c.get("k"), "v1");  // still served while refreshing
  f.pending[0].resolve(OptStr("v2"));
  run();
  EXPECT_EQ(valueOf(p), "v2");
  auto q = c.fetch("k", {.forceRefresh = true, .allowStale = true});
  EXPECT_EQ(valueOf(q), "v2");  // lru-cache: allowStale answers with the current value
  f.pending[1].resolve(OptStr("v3"));
  run();
  EXPECT_EQ(c.get("k"), "v3");
}

TEST_F(LruFetchTest, CallerAbortRejectsThatCallerAndAbortsAnUnwantedFetch) {
  Fetcher f;
  StrCache c({.max = 10, .fetchMethod = f.method()});
  AbortController ctl;
  auto p = watch(c.fetch("k", {}, ctl.signal()));
  ctl.abort();
  EXPECT_EQ(errorOf(p), "AbortError: This operation was aborted");
  EXPECT_TRUE(f.signals[0].aborted());  // nobody else waited
  EXPECT_EQ(c.size(), 0u);
  f.pending[0].resolve(OptStr("late"));
  run();
  EXPECT_FALSE(c.has("k"));  // an aborted fetch's value is dropped

  AbortController already;
  already.abort();
  EXPECT_EQ(errorOf(watch(c.fetch("x", {}, already.signal()))),
            "AbortError: This operation was aborted");
  EXPECT_EQ(f.calls, 1);
}

TEST_F(LruFetchTest, OneCallerAbortingLeavesTheOthersWaiting) {
  Fetcher f;
  StrCache c({.max = 10, .fetchMethod = f.method()});
  AbortController c1, c2;
  auto p1 = watch(c.fetch("k", {}, c1.signal()));
  auto p2 = watch(c.fetch("k", {}, c2.signal()));
  auto p3 = watch(c.fetch("k"));
  c1.abort();
  c2.abort();
  EXPECT_TRUE(p1.isRejected());
  EXPECT_TRUE(p2.isRejected());
  EXPECT_FALSE(f.signals[0].aborted());  // p3 still waits and cannot abort
  f.pending[0].resolve(OptStr("v"));
  run();
  EXPECT_EQ(valueOf(p3), "v");
  EXPECT_EQ(c.get("k"), "v");

  auto q1 = watch(c.fetch("j", {}, c1.signal()));  // c1 is aborted: rejected at once, no call
  EXPECT_TRUE(q1.isRejected());
  AbortController d1, d2;
  auto r1 = watch(c.fetch("j", {}, d1.signal()));
  auto r2 = watch(c.fetch("j", {}, d2.signal()));
  d1.abort();
  EXPECT_FALSE(f.signals[1].aborted());
  d2.abort();  // the last waiter gone: the fetch is aborted
  EXPECT_TRUE(f.signals[1].aborted());
  EXPECT_FALSE(c.has("j"));
  run();
}

TEST_F(LruFetchTest, StaleOnTimeoutWhileRefreshing) {
  // lru-cache's documented pattern: ignoreFetchAbort + allowStaleOnFetchAbort + a timeout
  // signal answers stale on timeout and still caches the slow result.
  ManualClock clock;
  Fetcher f;
  StrCache c({.max = 10,
              .ttl = 100ms,
              .fetchMethod = f.method(),
              .allowStaleOnFetchAbort = true,
              .ignoreFetchAbort = true,
              .clock = &clock});
  c.set("k", "old");
  clock.advance(101);
  AbortController timeout;
  auto p = c.fetch("k", {}, timeout.signal());
  EXPECT_TRUE(p.isPending());
  timeout.abort();
  EXPECT_EQ(valueOf(p), "old");
  EXPECT_TRUE(f.signals[0].aborted());  // signalled, but ignored
  f.pending[0].resolve(OptStr("new"));
  run();
  EXPECT_EQ(c.get("k"), "new");
}

TEST_F(LruFetchTest, SetEvictAndDeleteAbortAFetchInFlight) {
  Fetcher f;
  StrCache c({.max = 2, .fetchMethod = f.method()});
  auto p = watch(c.fetch("k"));
  c.set("k", "direct");
  EXPECT_EQ(errorOf(p), "AbortError: The fetch was aborted: entry replaced");
  EXPECT_TRUE(f.signals[0].aborted());
  f.pending[0].resolve(OptStr("late"));
  run();
  EXPECT_EQ(c.get("k"), "direct");

  auto q = watch(c.fetch("a"));
  c.set("b", "1");
  c.set("c", "2");  // evicts the placeholder for a
  EXPECT_EQ(errorOf(q), "AbortError: The fetch was aborted: entry evicted");
  auto r = watch(c.fetch("b", {.forceRefresh = true}));
  EXPECT_TRUE(c.del("b"));
  EXPECT_EQ(errorOf(r), "AbortError: The fetch was aborted: entry deleted");
  auto s = watch(c.fetch("z"));
  c.clear();
  EXPECT_TRUE(s.isRejected());
  run();
  EXPECT_EQ(c.size(), 0u);
}

TEST_F(LruFetchTest, DestroyingTheCacheAbortsItsFetches) {
  Fetcher f;
  Promise<OptStr> p;
  {
    StrCache c({.max = 2, .fetchMethod = f.method()});
    p = watch(c.fetch("k"));
  }
  EXPECT_EQ(errorOf(p), "AbortError: The cache was destroyed");
  EXPECT_TRUE(f.signals[0].aborted());
  f.pending[0].resolve(OptStr("late"));  // lands nowhere
  run();
}

TEST_F(LruFetchTest, SizesOfFetchedValues) {
  Fetcher f;
  StrCache c({.maxSize = 10,
              .sizeCalculation = [](const std::string& v, const std::string&) { return v.size(); },
              .fetchMethod = f.method()});
  auto p = watch(c.fetch("k"));
  EXPECT_EQ(c.calculatedSize(), 1u);  // a fetch in flight counts 1, as in lru-cache
  f.pending[0].resolve(OptStr("abcd"));
  run();
  EXPECT_EQ(c.calculatedSize(), 4u);
  auto q = watch(c.fetch("big"));
  f.pending[1].resolve(OptStr("0123456789ab"));
  run();
  EXPECT_EQ(valueOf(q), "0123456789ab");  // resolved, but too big to keep
  EXPECT_FALSE(c.has("big"));
  LruCache<int, int> sized(
      {.maxSize = 10, .fetchMethod = [](int k, std::optional<int>, AbortSignal) {
         return Promise<std::optional<int>>::resolve(k);
       }});
  EXPECT_TRUE(watch(sized.fetch(1)).isRejected());  // no size and no sizeCalculation
  auto ok = watch(sized.fetch(2, {.size = 3}));
  run();
  EXPECT_EQ(valueOf(ok), 2);
  EXPECT_EQ(sized.calculatedSize(), 3u);
}

// ---- property test: random operations against a reference model ---------------------------

// The obvious implementation (std::list + std::map), with lru-cache's rules, for comparison.
struct Model {
  struct Entry {
    int key;
    int value;
    std::int64_t start;
    std::int64_t ttl;
    std::size_t size;
  };
  std::list<Entry> order;  // most recent first
  std::map<int, std::list<Entry>::iterator> index;
  std::size_t max = 0;
  std::size_t maxSize = 0;
  std::size_t total = 0;
  bool allowStale = false;
  std::vector<std::string> disposed;

  bool stale(const Entry& e, std::int64_t now) const { return e.ttl != 0 && now - e.start > e.ttl; }
  void dispose(const Entry& e, const char* reason) {
    disposed.push_back(std::string(reason) + ":" + std::to_string(e.key) + "=" +
                       std::to_string(e.value));
  }
  void erase(std::list<Entry>::iterator it, const char* reason) {
    dispose(*it, reason);
    total -= it->size;
    index.erase(it->key);
    order.erase(it);
  }
  std::optional<int> get(int k, std::int64_t now) {
    auto f = index.find(k);
    if (f == index.end()) return std::nullopt;
    if (stale(*f->second, now)) {
      int v = f->second->value;
      erase(f->second, "expire");
      return allowStale ? std::optional<int>(v) : std::nullopt;
    }
    order.splice(order.begin(), order, f->second);
    return f->second->value;
  }
  std::optional<int> peek(int k, std::int64_t now) const {
    auto f = index.find(k);
    if (f == index.end() || (!allowStale && stale(*f->second, now))) return std::nullopt;
    return f->second->value;
  }
  bool has(int k, std::int64_t now) const {
    auto f = index.find(k);
    return f != index.end() && !stale(*f->second, now);
  }
  void set(int k, int v, std::int64_t ttl, std::size_t size, std::int64_t now) {
    auto f = index.find(k);
    if (f != index.end()) {
      auto it = f->second;
      order.splice(order.begin(), order, it);
      if (it->value != v) dispose(*it, "set");
      it->value = v;
      total -= it->size;
      it->size = size;
      it->start = ttl != 0 ? now : 0;
      it->ttl = ttl;
      while (maxSize != 0 && total > maxSize - size) erase(std::prev(order.end()), "evict");
      total += size;
      return;
    }
    if (max != 0 && index.size() >= max) erase(std::prev(order.end()), "evict");
    while (maxSize != 0 && total > maxSize - size) erase(std::prev(order.end()), "evict");
    order.push_front(Entry{k, v, ttl != 0 ? now : 0, ttl, size});
    index[k] = order.begin();
    total += size;
  }
  bool del(int k) {
    auto f = index.find(k);
    if (f == index.end()) return false;
    erase(f->second, "delete");
    return true;
  }
  std::optional<int> pop() {
    if (order.empty()) return std::nullopt;
    int v = order.back().value;
    erase(std::prev(order.end()), "evict");
    return v;
  }
  bool purgeStale(std::int64_t now) {
    bool any = false;
    for (auto it = order.end(); it != order.begin();) {
      --it;
      if (stale(*it, now)) {
        auto victim = it++;
        erase(victim, "expire");
        any = true;
      }
    }
    return any;
  }
  std::vector<int> keys(std::int64_t now) const {
    std::vector<int> out;
    for (const Entry& e : order) {
      if (allowStale || !stale(e, now)) out.push_back(e.key);
    }
    return out;
  }
  std::int64_t remainingTtl(int k, std::int64_t now) const {
    auto f = index.find(k);
    if (f == index.end()) return 0;
    if (f->second->ttl == 0) return LruCache<int, int>::kNoTtl.count();
    return f->second->ttl - (now - f->second->start);
  }
};

struct PropertyConfig {
  std::size_t max;
  std::size_t maxSize;
  std::int64_t ttl;
  bool allowStale;
  bool randomTtls;
};

void runProperty(const PropertyConfig& cfg, std::uint32_t seed, int steps) {
  ManualClock clock;
  Model m;
  m.max = cfg.max;
  m.maxSize = cfg.maxSize;
  m.allowStale = cfg.allowStale;
  std::vector<std::string> disposed;
  LruCache<int, int> c({.max = cfg.max,
                        .maxSize = cfg.maxSize,
                        .ttl = std::chrono::milliseconds(cfg.ttl),
                        .allowStale = cfg.allowStale,
                        .dispose = recorder<int, int>(disposed),
                        .clock = &clock});
  std::mt19937 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint32_t>(n)); };
  const std::int64_t ttls[] = {0, 5, 20, 60};
  for (int step = 0; step < steps; ++step) {
    const std::int64_t now = clock.now();
    const int key = pick(24);
    const int op = pick(100);
    SCOPED_TRACE("seed " + std::to_string(seed) + " step " + std::to_string(step) + " op " +
                 std::to_string(op) + " key " + std::to_string(key));
    if (op < 30) {
      ASSERT_EQ(c.get(key), m.get(key, now));
    } else if (op < 60) {
      int value = pick(6);
      std::size_t size = cfg.maxSize != 0 ? static_cast<std::size_t>(1 + pick(6)) : 0;
      if (cfg.randomTtls && pick(2) == 0) {
        std::int64_t ttl = ttls[pick(4)];
        c.set(key, value, {.ttl = std::chrono::milliseconds(ttl), .size = size});
        m.set(key, value, ttl, size, now);
      } else {
        c.set(key, value, {.size = size});
        m.set(key, value, cfg.ttl, size, now);
      }
    } else if (op < 68) {
      ASSERT_EQ(c.del(key), m.del(key));
    } else if (op < 76) {
      ASSERT_EQ(c.peek(key), m.peek(key, now));
    } else if (op < 84) {
      ASSERT_EQ(c.has(key), m.has(key, now));
    } else if (op < 90) {
      ASSERT_EQ(c.getRemainingTTL(key).count(), m.remainingTtl(key, now));
    } else if (op < 96) {
      clock.advance(pick(15));
    } else if (op < 98) {
      ASSERT_EQ(c.pop(), m.pop());
    } else {
      ASSERT_EQ(c.purgeStale(), m.purgeStale(now));
    }
    ASSERT_EQ(c.size(), m.index.size());
    ASSERT_EQ(c.calculatedSize(), cfg.maxSize != 0 ? m.total : 0);
    ASSERT_EQ(keysOf(c), m.keys(clock.now()));
    ASSERT_EQ(disposed, m.disposed);
  }
}

TEST_F(LruPropertyTest, MatchesReferenceModelWithMax) {
  for (std::uint32_t seed = 1; seed <= 10; ++seed) {
    runProperty({.max = 8, .maxSize = 0, .ttl = 0, .allowStale = false, .randomTtls = false}, seed,
                2000);
  }
}

TEST_F(LruPropertyTest, MatchesReferenceModelWithTtls) {
  for (std::uint32_t seed = 1; seed <= 10; ++seed) {
    runProperty({.max = 8, .maxSize = 0, .ttl = 30, .allowStale = false, .randomTtls = true}, seed,
                2000);
    runProperty({.max = 8, .maxSize = 0, .ttl = 0, .allowStale = true, .randomTtls = true},
                seed + 100, 2000);
  }
}

TEST_F(LruPropertyTest, MatchesReferenceModelWithSizes) {
  for (std::uint32_t seed = 1; seed <= 10; ++seed) {
    runProperty({.max = 0, .maxSize = 16, .ttl = 0, .allowStale = false, .randomTtls = false}, seed,
                2000);
    runProperty({.max = 6, .maxSize = 16, .ttl = 25, .allowStale = true, .randomTtls = true},
                seed + 100, 2000);
  }
}

}  // namespace
}  // namespace nx::resilience
