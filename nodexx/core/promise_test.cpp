// SPDX-License-Identifier: MIT
#include "nodexx/core/promise.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>

#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/core/loop.hpp"
#include "nodexx/core/process.hpp"
#include "nodexx/core/timers.hpp"

using ::testing::ElementsAre;

namespace nx {
namespace {

using PromiseTest = testing::FreshLoop;

std::vector<std::string>* trace = nullptr;  // for free coroutines

Promise<int> answer() {
  trace->push_back("answer start");
  co_await Promise<>::resolve();
  trace->push_back("answer resumed");
  co_return 42;
}

Promise<> caller() {
  trace->push_back("caller start");
  int v = co_await answer();
  trace->push_back("caller got " + std::to_string(v));
}

TEST_F(PromiseTest, CoroutinesStartEagerlyAndResumeInMicrotasks) {
  trace = &log;
  Promise<> p = caller();
  mark("sync end");
  EXPECT_TRUE(p.isPending());
  run();
  EXPECT_TRUE(p.isFulfilled());
  EXPECT_THAT(log, ElementsAre("caller start", "answer start", "sync end", "answer resumed",
                               "caller got 42"));
}

Promise<> awaitSettled() {
  trace->push_back("before await");
  co_await Promise<>::resolve();
  trace->push_back("after await");
}

TEST_F(PromiseTest, AwaitingASettledPromiseStillTakesOneTick) {
  trace = &log;
  (void)awaitSettled();
  mark("sync");
  run();
  EXPECT_THAT(log, ElementsAre("before await", "sync", "after await"));
}

Promise<int> failing() {
  co_await Promise<>::resolve();
  throw SystemError("E_FAIL", "it failed");
}

Promise<> catcher() {
  try {
    co_await failing();
  } catch (const SystemError& e) {
    trace->push_back(std::string(e.code()) + " " + e.what());
  }
}

TEST_F(PromiseTest, RejectionIsRethrownAtCoAwait) {
  trace = &log;
  (void)catcher();
  run();
  EXPECT_THAT(log, ElementsAre("E_FAIL it failed"));
}

TEST_F(PromiseTest, ThenChainsValuesAndSkipsToCatch) {
  (void)Promise<int>::resolve(1)
      .then([](int& v) { return v + 1; })
      .then([&](int& v) -> int {
        mark("got " + std::to_string(v));
        throw std::runtime_error("stop");
      })
      .then([&](int&) { mark("skipped"); })
      .catch_([&](std::exception_ptr e) { mark(describe(e)); })
      .finally([&] { mark("finally"); })
      .then([&] { mark("end"); })
      .catch_([&](std::exception_ptr) { mark("not reached"); })
      .then([] {});
  run();
  EXPECT_THAT(log, ElementsAre("got 2", "Error: stop", "finally", "end"));
}

TEST_F(PromiseTest, ThenWithRejectionHandler) {
  Promise<int> p = Promise<int>::reject(std::runtime_error("x"));
  Promise<int> q = p.then([](int& v) { return v; }, [](std::exception_ptr) { return -1; });
  (void)q.then([&](int& v) { mark(std::to_string(v)); }).catch_([](std::exception_ptr) {});
  run();
  EXPECT_THAT(log, ElementsAre("-1"));
}

TEST_F(PromiseTest, ReturningAPromiseFromThenAdoptsItWithTwoExtraTicks) {
  // Same as JS: p.then(() => Promise.resolve()) settles two ticks later than a plain value.
  (void)Promise<>::resolve()
      .then([&] {
        mark("a1");
        return Promise<>::resolve();
      })
      .then([&] { mark("a2"); });
  (void)Promise<>::resolve()
      .then([&] { mark("b1"); })
      .then([&] { mark("b2"); })
      .then([&] { mark("b3"); })
      .then([&] { mark("b4"); });
  run();
  EXPECT_THAT(log, ElementsAre("a1", "b1", "b2", "b3", "a2", "b4"));
}

TEST_F(PromiseTest, WithResolversSettlesOnceOnly) {
  auto r = Promise<std::string>::withResolvers();
  r.resolve("first");
  r.resolve("second");
  r.reject(std::runtime_error("ignored"));
  (void)r.promise.then([&](std::string& s) { mark(s); }).catch_([](std::exception_ptr) {});
  run();
  EXPECT_THAT(log, ElementsAre("first"));
}

TEST_F(PromiseTest, ResolvingWithAPromiseAdoptsItsOutcome) {
  auto outer = Promise<int>::withResolvers();
  auto inner = Promise<int>::withResolvers();
  outer.resolve(inner.promise);
  (void)outer.promise.then([&](int& v) { mark(std::to_string(v)); }).catch_([](std::exception_ptr) {});
  setTimeout([inner] { inner.resolve(7); }, 1);
  run();
  EXPECT_THAT(log, ElementsAre("7"));
}

Promise<std::unique_ptr<int>> makeOwned() {
  co_await Promise<>::resolve();
  co_return std::make_unique<int>(5);
}

Promise<> takeOwned() {
  std::unique_ptr<int> p = co_await makeOwned();
  trace->push_back(std::to_string(*p));
}

TEST_F(PromiseTest, MoveOnlyValuesMoveToTheAwaiter) {
  trace = &log;
  (void)takeOwned();
  run();
  EXPECT_THAT(log, ElementsAre("5"));
}

Promise<> awaitTwice(Promise<std::string> p) {
  std::string a = co_await p;
  std::string b = co_await p;
  trace->push_back(a + b);
}

TEST_F(PromiseTest, SharedPromiseValuesAreCopiedForEachAwaiter) {
  trace = &log;
  Promise<std::string> p = Promise<std::string>::resolve("ab");
  (void)awaitTwice(p);
  (void)awaitTwice(p);
  run();
  EXPECT_THAT(log, ElementsAre("abab", "abab"));
}

TEST_F(PromiseTest, EmptyPromiseThrowsInvalidState) {
  Promise<int> empty;
  EXPECT_FALSE(empty);
  try {
    (void)empty.then([](int&) {});
    FAIL();
  } catch (const SystemError& e) {
    EXPECT_EQ(e.code(), "ERR_INVALID_STATE");
  }
}

TEST_F(PromiseTest, RejectionHandledInTheSameDrainIsNotUnhandled) {
  bool reported = false;
  process::on("unhandledRejection", [&](std::exception_ptr) { reported = true; });
  Promise<> p = Promise<>::reject(std::runtime_error("late"));
  queueMicrotask([p, this] { (void)p.catch_([this](std::exception_ptr) { mark("handled"); }); });
  run();
  EXPECT_FALSE(reported);
  EXPECT_THAT(log, ElementsAre("handled"));
}

TEST_F(PromiseTest, UnhandledRejectionReachesTheProcessHook) {
  process::on("unhandledRejection", [&](std::exception_ptr e) { mark(describe(e)); });
  (void)Promise<>::reject(std::runtime_error("nobody listens"));
  setTimeout([&] { mark("keeps running"); }, 1);
  EXPECT_EQ(run(), 0);
  EXPECT_THAT(log, ElementsAre("Error: nobody listens", "keeps running"));
}

TEST_F(PromiseTest, WarnModePrintsAndContinues) {
  process::setUnhandledRejections(process::UnhandledRejections::Warn);
  ::testing::internal::CaptureStderr();
  (void)Promise<>::reject(std::runtime_error("warned"));
  setTimeout([&] { mark("keeps running"); }, 1);
  EXPECT_EQ(run(), 0);
  std::string err = ::testing::internal::GetCapturedStderr();
  process::setUnhandledRejections(process::UnhandledRejections::Throw);
  EXPECT_THAT(err, ::testing::HasSubstr("UnhandledPromiseRejectionWarning: Error: warned"));
  EXPECT_THAT(log, ElementsAre("keeps running"));
}

TEST_F(PromiseTest, NoneModeIsSilent) {
  process::setUnhandledRejections(process::UnhandledRejections::None);
  ::testing::internal::CaptureStderr();
  (void)Promise<>::reject(std::runtime_error("silent"));
  EXPECT_EQ(run(), 0);
  std::string err = ::testing::internal::GetCapturedStderr();
  process::setUnhandledRejections(process::UnhandledRejections::Throw);
  EXPECT_EQ(err, "");
}

TEST(PromiseDeathTest, UnhandledRejectionExitsWithCode1InThrowMode) {
  EXPECT_EXIT(
      {
        Loop l;
        LoopScope s(l);
        process::on("exit", [](int code) { std::fprintf(stderr, "exit listener %d\n", code); });
        (void)Promise<>::reject(std::runtime_error("unhandled"));
        run();
        std::_Exit(0);  // not reached
      },
      ::testing::ExitedWithCode(1), "Uncaught Error: unhandled(.|\n)*exit listener 1");
}

TEST_F(PromiseTest, CoroutineFrameOfFireAndForgetIsFreedOnCompletion) {
  // Under ASan/LSan a leaked frame fails this test.
  struct Probe {
    int* alive;
    explicit Probe(int* a) : alive(a) { ++*alive; }
    ~Probe() { --*alive; }
  };
  int alive = 0;
  auto body = [](int* counter) -> Promise<> {
    Probe probe(counter);
    co_await Promise<>::resolve();
  };
  (void)body(&alive);
  EXPECT_EQ(alive, 1);
  run();
  EXPECT_EQ(alive, 0);
}

}  // namespace
}  // namespace nx
