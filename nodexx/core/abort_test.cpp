// SPDX-License-Identifier: MIT
#include "nodexx/core/abort.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "nodexx/core/errors.hpp"
#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/core/sleep.hpp"
#include "nodexx/core/timers.hpp"

using ::testing::ElementsAre;

namespace nx {
namespace {

using AbortTest = testing::FreshLoop;

TEST_F(AbortTest, DefaultSignalNeverAborts) {
  AbortSignal none;
  EXPECT_FALSE(none);
  EXPECT_FALSE(none.aborted());
  EXPECT_EQ(none.reason(), nullptr);
  EXPECT_NO_THROW(none.throwIfAborted());
  EXPECT_EQ(none.onAbort([] {}), 0u);
}

TEST_F(AbortTest, AbortRunsListenersOnceInOrderWithAnAbortErrorReason) {
  AbortController c;
  AbortSignal s = c.signal();
  s.onAbort([&] { mark("first"); });
  ListenerId removed = s.onAbort([&] { mark("removed"); });
  s.onAbort([&] { mark("third"); });
  EXPECT_TRUE(s.off(removed));
  c.abort();
  c.abort();
  EXPECT_THAT(log, ElementsAre("first", "third"));
  EXPECT_TRUE(s.aborted());
  try {
    s.throwIfAborted();
    FAIL();
  } catch (const AbortError& e) {
    EXPECT_EQ(e.code(), "ABORT_ERR");
    EXPECT_STREQ(e.what(), "This operation was aborted");
  }
}

TEST_F(AbortTest, CustomReasonIsKept) {
  AbortController c;
  c.abort(std::make_exception_ptr(std::runtime_error("shutting down")));
  EXPECT_EQ(describe(c.signal().reason()), "Error: shutting down");
}

TEST_F(AbortTest, AbortStaticIsAlreadyAborted) {
  AbortSignal s = AbortSignal::abort();
  EXPECT_TRUE(s.aborted());
  EXPECT_EQ(describe(s.reason()), "AbortError: This operation was aborted");
}

TEST_F(AbortTest, TimeoutAbortsWithTimeoutErrorWithoutKeepingTheLoop) {
  AbortSignal s = AbortSignal::timeout(5);
  s.onAbort([&] { mark(describe(s.reason())); });
  setTimeout([] {}, 20);  // keeps the loop alive long enough
  run();
  EXPECT_THAT(log, ElementsAre("TimeoutError: The operation was aborted due to timeout"));

  AbortSignal idle = AbortSignal::timeout(10000);
  run();  // returns at once: the timeout's timer is unref'd
  EXPECT_FALSE(idle.aborted());
}

TEST_F(AbortTest, AnyFollowsTheFirstSource) {
  AbortController a, b;
  AbortSignal both = AbortSignal::any({a.signal(), b.signal()});
  both.onAbort([&] { mark(describe(both.reason())); });
  b.abort(std::make_exception_ptr(std::runtime_error("from b")));
  a.abort();
  EXPECT_THAT(log, ElementsAre("Error: from b"));
  AbortSignal already = AbortSignal::any({AbortSignal::abort(), AbortController().signal()});
  EXPECT_TRUE(already.aborted());
}

Promise<> sleeper(AbortSignal s, std::vector<std::string>* out) {
  try {
    co_await sleep(1000, s);
    out->push_back("slept");
  } catch (const AbortError& e) {
    out->push_back(std::string(e.name()) + " " + std::string(e.code()));
  }
}

TEST_F(AbortTest, SleepRejectsWithAbortErrorAndClearsItsTimer) {
  AbortController c;
  (void)sleeper(c.signal(), &log);
  setTimeout([&] { c.abort(); }, 5);
  std::uint64_t start = loop.now();
  run();
  EXPECT_LT(loop.now() - start, 500u);  // the 1000 ms timer did not hold the loop
  EXPECT_THAT(log, ElementsAre("AbortError ABORT_ERR"));
}

TEST_F(AbortTest, SleepWithAnAbortedSignalRejectsAtOnce) {
  (void)sleeper(AbortSignal::abort(), &log);
  run();
  EXPECT_THAT(log, ElementsAre("AbortError ABORT_ERR"));
}

TEST_F(AbortTest, SleepResolvesAndDropsItsAbortListener) {
  AbortController c;
  (void)sleep(2, c.signal()).then([&] { mark("resolved"); });
  run();
  c.abort();  // nothing left listening
  EXPECT_THAT(log, ElementsAre("resolved"));
}

}  // namespace
}  // namespace nx
