// SPDX-License-Identifier: MIT
#include "nodexx/net/dns.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "nodexx/core/combinators.hpp"
#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/core/loop.hpp"

namespace {

using nx::Promise;
using nx::dns::LookupResult;

class DnsLookupTest : public nx::testing::FreshLoop {};

TEST_F(DnsLookupTest, LocalhostResolvesThroughTheResolver) {
  LookupResult result;
  (void)nx::dns::lookup("localhost", {.family = 4}).then([&](LookupResult& r) { result = r; });
  nx::run();
  EXPECT_EQ(result.address, "127.0.0.1");
  EXPECT_EQ(result.family, 4);
  ASSERT_EQ(result.addresses.size(), 1u);
}

TEST_F(DnsLookupTest, AllReturnsEveryAddress) {
  LookupResult result;
  (void)nx::dns::lookup("localhost", {.all = true}).then([&](LookupResult& r) { result = r; });
  nx::run();
  ASSERT_FALSE(result.addresses.empty());
  EXPECT_EQ(result.addresses.front().address, result.address);
  for (const auto& a : result.addresses) EXPECT_TRUE(a.family == 4 || a.family == 6);
}

TEST_F(DnsLookupTest, IpLiteralResolvesWithoutTheThreadPool) {
  auto p = nx::dns::lookup("::1");
  EXPECT_TRUE(p.isFulfilled());
  LookupResult result;
  (void)p.then([&](LookupResult& r) { result = r; });
  nx::run();
  EXPECT_EQ(result.address, "::1");
  EXPECT_EQ(result.family, 6);
}

TEST_F(DnsLookupTest, UnknownNameRejectsWithEnotfound) {
  std::string code, message, hostname;
  (void)nx::dns::lookup("nonexistent.invalid").catch_([&](std::exception_ptr e) {
    try {
      std::rethrow_exception(e);
    } catch (const nx::net::LookupError& err) {
      code = err.code();
      message = err.what();
      hostname = err.hostname();
      EXPECT_EQ(err.syscall(), "getaddrinfo");
    }
    return LookupResult{};
  });
  nx::run();
  EXPECT_EQ(code, "ENOTFOUND");
  EXPECT_EQ(message, "getaddrinfo ENOTFOUND nonexistent.invalid");
  EXPECT_EQ(hostname, "nonexistent.invalid");
}

TEST_F(DnsLookupTest, BadFamilyThrowsInvalidArgValue) {
  try {
    (void)nx::dns::lookup("localhost", {.family = 5});
    FAIL() << "expected a throw";
  } catch (const nx::SystemError& e) {
    EXPECT_EQ(e.code(), "ERR_INVALID_ARG_VALUE");
    EXPECT_STREQ(e.what(), "The property 'options.family' must be one of: 0, 4, 6. Received 5");
  }
}

// Many lookups in flight at once on the pool (this is what the TSan build checks).
TEST_F(DnsLookupTest, ConcurrentLookupsSettleOnTheLoopThread) {
  std::vector<Promise<LookupResult>> all;
  for (int i = 0; i < 32; ++i) {
    all.push_back(nx::dns::lookup(i % 2 == 0 ? "localhost" : "nonexistent.invalid", {.family = 4})
                      .catch_([](std::exception_ptr) {
                        return LookupResult{"failed", 0, {}};
                      }));
  }
  int ok = 0;
  int failed = 0;
  (void)nx::all(std::move(all)).then([&](std::vector<LookupResult>& rs) {
    EXPECT_TRUE(nx::loop().isLoopThread());
    for (const auto& r : rs) (r.address == "failed" ? failed : ok)++;
  });
  nx::run();
  EXPECT_EQ(ok, 16);
  EXPECT_EQ(failed, 16);
}

TEST(IsIpTest, RecognisesBothFamilies) {
  EXPECT_EQ(nx::dns::isIP("127.0.0.1"), 4);
  EXPECT_EQ(nx::dns::isIP("::ffff:1.2.3.4"), 6);
  EXPECT_EQ(nx::dns::isIP("localhost"), 0);
  EXPECT_EQ(nx::dns::isIP(""), 0);
  EXPECT_EQ(nx::dns::isIP("1.2.3.256"), 0);
}

}  // namespace
