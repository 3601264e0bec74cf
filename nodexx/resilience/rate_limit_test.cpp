// SPDX-License-Identifier: MIT
#include "nodexx/resilience/rate_limit.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "nodexx/core/errors.hpp"
#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/core/loop.hpp"

namespace nx::resilience {
namespace {

// The smallest synchronous store: a counter per call, no keys.
class CountingStore final : public RateLimitStore {
 public:
  RateLimitResult consume(std::string_view key, std::int64_t n, std::int64_t nowMs) override {
    if (n < 0) throw RangeError("ERR_OUT_OF_RANGE", "n must be >= 0");
    used_ += n;
    return {used_ <= 2, std::max<std::int64_t>(0, 2 - used_), 2, nowMs + std::int64_t(key.size()),
            0};
  }
  void reset(std::string_view) override { used_ = 0; }

 private:
  std::int64_t used_ = 0;
};

using RateLimitStoreTest = nx::testing::FreshLoop;

TEST_F(RateLimitStoreTest, ConsumeAsyncDefaultsToTheSynchronousAnswer) {
  CountingStore store;
  RateLimitStore& any = store;
  EXPECT_TRUE(any.isSynchronous());
  Promise<RateLimitResult> p = any.consumeAsync("abc", 2, 100);
  EXPECT_TRUE(p.isFulfilled());  // settled at once; awaiting it still takes one tick
  (void)p.then([&](RateLimitResult& r) {
    std::ostringstream os;
    os << r;
    mark(os.str());
  });
  (void)any.consumeAsync("abc", -1, 100).catch_([&](std::exception_ptr e) {
    mark(describe(e));
    return RateLimitResult{};
  });
  run();
  EXPECT_EQ(log, (std::vector<std::string>{"{allowed, remaining 0/2, reset 103, retryAfter 0}",
                                           "RangeError: n must be >= 0"}));
}

TEST(RateLimitResultTest, PrintsForLogs) {
  std::ostringstream os;
  os << RateLimitResult{false, 0, 5, 1234, kRetryNever};
  EXPECT_EQ(os.str(), "{denied, remaining 0/5, reset 1234, retryAfter -1}");
}

}  // namespace
}  // namespace nx::resilience
