// SPDX-License-Identifier: MIT
#include "nodexx/resilience/memory_rate_limit_store.hpp"

#include <gtest/gtest.h>
#include <malloc.h>

#include <limits>
#include <map>
#include <string>

#include "nodexx/core/errors.hpp"
#include "nodexx/resilience/internal/rate_limit_testing.hpp"
#include "nodexx/resilience/rate_limit_windows.hpp"
#include "nodexx/resilience/token_bucket.hpp"

namespace nx::resilience {
namespace {

// Bytes in use on the heap (glibc); sanitizer runtimes report 0, which makes the checks vacuous
// there rather than wrong.
std::size_t heapInUse() { return mallinfo2().uordblks; }

static_assert(RateLimitAlgorithm<TokenBucket>);
static_assert(RateLimitAlgorithm<LeakyBucket>);
static_assert(RateLimitAlgorithm<FixedWindow>);
static_assert(RateLimitAlgorithm<SlidingWindowLog>);
static_assert(RateLimitAlgorithm<SlidingWindowCounter>);

TEST(RateLimitMemoryStoreTest, KeysAreIndependent) {
  MemoryRateLimitStore store(TokenBucket(2, 1));
  EXPECT_TRUE(store.isSynchronous());
  EXPECT_TRUE(store.consume("a", 2, 0).allowed);
  EXPECT_FALSE(store.consume("a", 1, 0).allowed);
  EXPECT_EQ(store.consume("b", 1, 0), (RateLimitResult{true, 1, 2, 1000, 0}));
  EXPECT_EQ(store.size(), 2u);
  EXPECT_EQ(store.peek("a", 1, 500).retryAfterMs, 500);
  EXPECT_EQ(store.peek("never", 2, 500), (RateLimitResult{true, 0, 2, 2500, 0}));
  EXPECT_FALSE(store.contains("never"));
}

TEST(RateLimitMemoryStoreTest, StoresNothingForRequestsThatTakeNothing) {
  MemoryRateLimitStore store(FixedWindow(3, 1000));
  EXPECT_EQ(store.consume("zero", 0, 0), (RateLimitResult{true, 3, 3, 0, 0}));
  EXPECT_EQ(store.consume("huge", 4, 0).retryAfterMs, kRetryNever);
  EXPECT_THROW((void)store.consume("negative", -1, 0), RangeError);
  EXPECT_EQ(store.size(), 0u);
}

TEST(RateLimitMemoryStoreTest, ResetForgetsAKey) {
  MemoryRateLimitStore store(SlidingWindowLog(1, 1000));
  EXPECT_TRUE(store.consume("k", 1, 0).allowed);
  EXPECT_FALSE(store.consume("k", 1, 1).allowed);
  store.reset("k");
  store.reset("unknown");
  EXPECT_EQ(store.size(), 0u);
  EXPECT_TRUE(store.consume("k", 1, 2).allowed);
}

TEST(RateLimitMemoryStoreTest, AddingAKeyDropsIdleKeysFromTheOldEnd) {
  MemoryRateLimitStore store(FixedWindow(1, 100));  // sweepPerInsert = 2
  for (int i = 0; i < 10; ++i) (void)store.consume("k" + std::to_string(i), 1, i);
  EXPECT_EQ(store.size(), 10u);
  // At 101, k0 and k1 are idle; one new key drops both and reuses a node.
  EXPECT_TRUE(store.consume("new", 1, 101).allowed);
  EXPECT_EQ(store.size(), 9u);
  EXPECT_FALSE(store.contains("k0"));
  EXPECT_FALSE(store.contains("k1"));
  EXPECT_TRUE(store.contains("k2"));
  // sweep() visits from the old end and drops every idle key it meets.
  (void)store.consume("k5", 0, 103);   // now the most recent; idle since 105
  EXPECT_EQ(store.sweep(150, 3), 3u);  // k2, k3, k4
  EXPECT_EQ(store.size(), 6u);
  EXPECT_EQ(store.sweep(200), 5u);  // k6..k9 and k5; "new" is idle from 201
  EXPECT_EQ(store.size(), 1u);
  EXPECT_TRUE(store.contains("new"));
  EXPECT_EQ(store.sweep(201), 1u);
  EXPECT_EQ(store.size(), 0u);
}

TEST(RateLimitMemoryStoreTest, BackwardsClockIsNoTimePassingForTheWholeStore) {
  MemoryRateLimitStore store(FixedWindow(1, 100), {.sweepPerInsert = 0});
  EXPECT_TRUE(store.consume("a", 1, 0).allowed);
  EXPECT_TRUE(store.consume("b", 1, 500).allowed);  // the store has seen 500: a is idle
  // Back to 50: no time passes, for a as for b. Times are reported on the caller's clock.
  EXPECT_EQ(store.peek("a", 1, 50), (RateLimitResult{true, 0, 1, 150, 0}));
  EXPECT_EQ(store.consume("b", 1, 50), (RateLimitResult{false, 0, 1, 150, 100}));
  EXPECT_EQ(store.consume("a", 1, 50), (RateLimitResult{true, 0, 1, 150, 0}));
  EXPECT_EQ(store.consume("b", 1, 150), (RateLimitResult{true, 0, 1, 250, 0}));
  // Extreme readings saturate instead of overflowing.
  EXPECT_TRUE(store.consume("c", 1, std::numeric_limits<std::int64_t>::max()).allowed);
  EXPECT_TRUE(store.consume("d", 1, std::numeric_limits<std::int64_t>::min()).allowed);
  EXPECT_FALSE(store.consume("d", 1, std::numeric_limits<std::int64_t>::min()).allowed);
}

TEST(RateLimitMemoryStoreTest, MaxKeysDropsTheLeastRecentlyUsedKey) {
  using Store = MemoryRateLimitStore<TokenBucket>;
  Store store(TokenBucket(1, 1), Store::Options{.maxKeys = 3, .sweepPerInsert = 2});
  EXPECT_THROW(Store(TokenBucket(1, 1), Store::Options{.maxKeys = 0}), RangeError);
  (void)store.consume("a", 1, 0);
  (void)store.consume("b", 1, 0);
  (void)store.consume("c", 1, 0);
  (void)store.consume("a", 1, 1);  // denied, but a is now the most recently used
  (void)store.peek("b", 1, 2);     // peeking does not count as use
  (void)store.consume("d", 1, 2);  // nothing idle: b goes
  EXPECT_EQ(store.size(), 3u);
  EXPECT_FALSE(store.contains("b"));
  EXPECT_TRUE(store.contains("a"));
  EXPECT_TRUE(store.contains("c"));
  EXPECT_TRUE(store.contains("d"));
  // The documented cost of the cap: b's usage is forgotten (fail-open).
  EXPECT_TRUE(store.consume("b", 1, 3).allowed);
  EXPECT_FALSE(store.contains("c"));
}

TEST(RateLimitMemoryStoreTest, ConsumeOnKnownKeysAndReusedNodesDoNotAllocate) {
  MemoryRateLimitStore store(SlidingWindowLog(4, 100));
  const std::string keys[] = {"client-0", "client-1", "client-2", "client-3", "client-4"};
  for (int round = 0; round < 10; ++round) {
    for (const std::string& k : keys) (void)store.consume(k, 1, round * 10);
  }
  std::size_t before = heapInUse();
  std::int64_t allowedCount = 0;
  for (std::int64_t t = 100; t < 20'000; ++t) {
    allowedCount += store.consume(std::string_view(keys[t % 5]), 1, t).allowed;
  }
  EXPECT_EQ(heapInUse(), before);
  EXPECT_GT(allowedCount, 0);
  // New keys arriving once the old ones are idle take over their nodes (key buffer and log).
  before = heapInUse();
  const std::string fresh[] = {"client-5", "client-6", "client-7", "client-8", "client-9"};
  for (const std::string& k : fresh) EXPECT_TRUE(store.consume(k, 1, 100'000).allowed);
  EXPECT_EQ(heapInUse(), before);
  EXPECT_EQ(store.size(), 5u);
}

// ---- Every algorithm through the store: the same answers as per-key states that are never
// dropped, while the store sweeps idle keys (which must change nothing).

template <class A>
A makeAlgorithm();
template <>
TokenBucket makeAlgorithm() {
  return TokenBucket(3, Rate{1, 7});
}
template <>
LeakyBucket makeAlgorithm() {
  return LeakyBucket(4, Rate{2, 9});
}
template <>
FixedWindow makeAlgorithm() {
  return FixedWindow(3, 20);
}
template <>
SlidingWindowLog makeAlgorithm() {
  return SlidingWindowLog(4, 25);
}
template <>
SlidingWindowCounter makeAlgorithm() {
  return SlidingWindowCounter(5, 30);
}

template <class A>
class RateLimitMemoryStoreTypedTest : public ::testing::Test {};
using Algorithms =
    ::testing::Types<TokenBucket, LeakyBucket, FixedWindow, SlidingWindowLog, SlidingWindowCounter>;
TYPED_TEST_SUITE(RateLimitMemoryStoreTypedTest, Algorithms);

TYPED_TEST(RateLimitMemoryStoreTypedTest, AnswersAsPerKeyStatesWhileSweepingIdleKeys) {
  const TypeParam algorithm = makeAlgorithm<TypeParam>();
  using Store = MemoryRateLimitStore<TypeParam>;
  Store store(algorithm, typename Store::Options{.maxKeys = 1000, .sweepPerInsert = 3});
  std::map<std::string, typename TypeParam::State> states;
  rate_test::VirtualTime time;
  std::size_t maxSize = 0;
  std::size_t i = 0;
  for (const rate_test::Op& op : rate_test::randomOps(7, 30'000, 30, algorithm.limit())) {
    std::string key = "key" + std::to_string((op.t * 7 + static_cast<std::int64_t>(i)) % 23);
    // The store's time is one for all keys: a backwards step is no time passing for every key.
    std::int64_t v = time.at(op.t);
    RateLimitResult expected = algorithm.consume(states[key], v, op.n);
    expected.resetMs += op.t - v;
    ASSERT_EQ(store.consume(key, op.n, op.t), expected) << "op " << i << " key " << key;
    if (i % 97 == 0) (void)store.sweep(op.t);
    maxSize = std::max(maxSize, store.size());
    ++i;
  }
  EXPECT_LE(maxSize, 23u);
  EXPECT_LT(store.sweep(kMaxTimeMs), 24u);
  EXPECT_EQ(store.size(), 0u);
}

}  // namespace
}  // namespace nx::resilience
