// SPDX-License-Identifier: MIT
#include "nodexx/core/event.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "nodexx/core/event_emitter.hpp"

// This test binary's only replacement of the global operator new: it counts, to prove that
// emit() does not allocate.
#define NX_REPLACE_OPERATOR_NEW
#include "nodexx/core/internal/alloc_counter.hpp"

namespace nx {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(Event, CallsListenersInRegistrationOrderWithPrependedFirst) {
  Event<int> e{"data"};
  std::vector<std::string> log;
  e.on([&](int x) { log.push_back("a" + std::to_string(x)); });
  e.on([&](int x) { log.push_back("b" + std::to_string(x)); });
  e.prependListener([&](int x) { log.push_back("p" + std::to_string(x)); });
  e.prependOnceListener([&](int x) { log.push_back("o" + std::to_string(x)); });
  EXPECT_TRUE(e.emit(1));
  EXPECT_TRUE(e.emit(2));
  EXPECT_THAT(log, ElementsAre("o1", "p1", "a1", "b1", "p2", "a2", "b2"));
}

TEST(Event, EmitReturnsFalseWithoutListeners) {
  Event<> e{"close"};
  EXPECT_FALSE(e.emit());
  const ListenerId id = e.on([] {});
  EXPECT_TRUE(e.emit());
  EXPECT_TRUE(e.off(id));
  EXPECT_FALSE(e.emit());
}

TEST(Event, OnceIsRemovedBeforeItIsCalled) {
  Event<> e{"end"};
  std::size_t countInside = 99;
  int calls = 0;
  e.once([&] {
    ++calls;
    countInside = e.listenerCount();
  });
  EXPECT_EQ(e.listenerCount(), 1U);
  e.emit();
  e.emit();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(countInside, 0U);
  EXPECT_EQ(e.listenerCount(), 0U);
}

TEST(Event, OnceRunsAtMostOnceWhenReentrantEmitReachesItFirst) {
  Event<int> e{"tick"};
  std::vector<std::string> log;
  e.on([&](int depth) {
    log.push_back("on" + std::to_string(depth));
    if (depth == 0) e.emit(1);
  });
  e.once([&](int depth) { log.push_back("once" + std::to_string(depth)); });
  e.emit(0);
  // The inner emit fires the once listener; the outer snapshot then skips it.
  EXPECT_THAT(log, ElementsAre("on0", "on1", "once1"));
}

TEST(Event, ListenerAddedDuringEmitIsNotCalledForThatEmit) {
  Event<> e{"x"};
  int late = 0;
  e.on([&] { e.on([&] { ++late; }); });
  e.emit();
  EXPECT_EQ(late, 0);
  EXPECT_EQ(e.listenerCount(), 2U);
  e.emit();
  EXPECT_EQ(late, 1);
}

TEST(Event, ListenerRemovedDuringEmitStillRunsForThatEmit) {
  Event<> e{"x"};
  std::vector<std::string> log;
  ListenerId second = 0;
  e.on([&] {
    log.push_back("first");
    e.off(second);
  });
  second = e.on([&] { log.push_back("second"); });
  e.emit();
  e.emit();
  EXPECT_THAT(log, ElementsAre("first", "second", "first"));
}

TEST(Event, ListenerRemovingItselfKeepsItsCapturesAliveUntilItReturns) {
  Event<> e{"x"};
  auto token = std::make_shared<int>(7);
  std::weak_ptr<int> weak = token;
  ListenerId id = 0;
  int seen = 0;
  id = e.on([&, token = std::move(token)] {
    e.off(id);
    seen = *token;  // still alive: the emit holds a reference to this listener
  });
  e.emit();
  EXPECT_EQ(seen, 7);
  EXPECT_TRUE(weak.expired());
}

TEST(Event, ListenerRemovedDuringAnEmitOfManyListenersStillRuns) {
  Event<> e{"m"};
  e.setMaxListeners(0);
  std::vector<int> log;
  ListenerId last = 0;
  e.on([&] {
    log.push_back(0);
    e.off(last);
  });
  for (int i = 1; i < 12; ++i) last = e.on([&log, i] { log.push_back(i); });
  e.emit();
  EXPECT_EQ(log.size(), 12U);
  EXPECT_EQ(log.back(), 11);
  log.clear();
  e.emit();
  EXPECT_EQ(log.size(), 11U);
}

TEST(Event, NestedEmitsKeepTheirOwnSnapshots) {
  Event<> e{"n"};
  std::vector<std::string> log;
  int depth = 0;
  ListenerId third = 0;
  e.on([&] {
    log.push_back("1@" + std::to_string(depth));
    if (depth++ == 0) e.emit();
    --depth;
  });
  e.on([&] {
    log.push_back("2@" + std::to_string(depth));
    if (depth == 1) {
      e.off(third);
      e.on([&] { log.push_back("4@" + std::to_string(depth)); });
    }
  });
  third = e.on([&] { log.push_back("3@" + std::to_string(depth)); });
  e.emit();
  EXPECT_THAT(log, ElementsAre("1@0", "1@1", "2@1", "3@1", "2@0", "3@0"));
  EXPECT_EQ(e.listenerCount(), 3U);
}

TEST(Event, ReentrantEmitWorks) {
  Event<int> e{"depth"};
  std::vector<int> log;
  e.on([&](int n) {
    log.push_back(n);
    if (n < 3) e.emit(n + 1);
    log.push_back(-n);
  });
  e.emit(1);
  EXPECT_THAT(log, ElementsAre(1, 2, 3, -3, -2, -1));
}

TEST(Event, ListenerExceptionPropagatesAndSkipsTheRest) {
  Event<> e{"x"};
  int after = 0;
  e.on([] { throw std::runtime_error("listener failed"); });
  e.on([&] { ++after; });
  EXPECT_THROW(e.emit(), std::runtime_error);
  EXPECT_EQ(after, 0);
  EXPECT_EQ(e.listenerCount(), 2U);
}

TEST(Event, ListenersTakeValueConstRefOrMutableRef) {
  Event<std::string> e{"data"};
  std::vector<std::string> log;
  e.on([&](std::string s) { log.push_back("value " + s); });
  e.on([&](const std::string& s) { log.push_back("cref " + s); });
  e.on([&](std::string& s) { s += "!"; });
  e.on([&](const std::string& s) { log.push_back("after " + s); });
  std::string payload = "hi";
  e.emit(payload);
  EXPECT_EQ(payload, "hi!");  // a non-const lvalue is passed by reference
  EXPECT_THAT(log, ElementsAre("value hi", "cref hi", "after hi!"));
}

TEST(Event, ConstArgumentIsCopiedSoListenersCannotModifyIt) {
  Event<std::string> e{"data"};
  std::string seen;
  e.on([](std::string& s) { s = "changed"; });
  e.on([&](const std::string& s) { seen = s; });
  const std::string payload = "const";
  e.emit(payload);
  EXPECT_EQ(payload, "const");
  EXPECT_EQ(seen, "changed");  // one copy per emit, shared by its listeners
}

TEST(Event, EmitConvertsArgumentsAndPassesRvaluesByReference) {
  Event<std::string, std::unique_ptr<int>> e{"pair"};
  std::string text;
  int value = 0;
  e.on([&](const std::string& s, std::unique_ptr<int>& p) {
    text = s;
    value = *p;
  });
  e.emit("literal", std::make_unique<int>(5));
  EXPECT_EQ(text, "literal");
  EXPECT_EQ(value, 5);
}

TEST(Event, AcceptsFunctionPointersGenericLambdasAndMutableLambdas) {
  static int total = 0;
  total = 0;
  Event<int> e{"n"};
  e.on(+[](int n) { total += n; });
  e.on([](auto n) { total += n * 10; });
  e.on([calls = 0](int) mutable { total += 100 * ++calls; });
  e.on(std::function<int(int)>([](int n) { return n; }));  // return values are ignored
  e.emit(1);
  e.emit(2);
  EXPECT_EQ(total, 1 + 10 + 100 + 2 + 20 + 200);
}

TEST(Event, OffReturnsFalseForUnknownOrFiredListeners) {
  Event<> e{"x"};
  const ListenerId once = e.once([] {});
  EXPECT_FALSE(e.off(12345678));
  e.emit();
  EXPECT_FALSE(e.off(once));
  const ListenerId a = e.on([] {});
  const ListenerId b = e.on([] {});
  EXPECT_NE(a, b);
  EXPECT_NE(a, 0U);
  EXPECT_TRUE(e.off(a));
  EXPECT_FALSE(e.off(a));
}

TEST(Event, RemoveAllListenersInsideListenerStillRunsTheSnapshot) {
  Event<> e{"x"};
  int calls = 0;
  e.on([&] {
    ++calls;
    e.removeAllListeners();
  });
  e.on([&] { ++calls; });
  e.emit();
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(e.listenerCount(), 0U);
  EXPECT_FALSE(e.emit());
}

TEST(Event, DestroyingTheEventInsideAListenerStopsTheEmitSafely) {
  auto e = std::make_unique<Event<>>("close");
  int calls = 0;
  e->on([&] {
    ++calls;
    e.reset();
  });
  e->on([&] { ++calls; });
  Event<>* raw = e.get();
  EXPECT_TRUE(raw->emit());
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(e, nullptr);
}

TEST(Event, LoneListenerDestroyingTheEventKeepsItsCapturesAliveUntilItReturns) {
  auto e = std::make_unique<Event<>>("close");
  auto token = std::make_shared<int>(7);
  std::weak_ptr<int> weak = token;
  int seen = 0;
  e->on([&, token = std::move(token)] {
    e.reset();
    seen = *token;
  });
  Event<>* raw = e.get();
  EXPECT_TRUE(raw->emit());
  EXPECT_EQ(seen, 7);
  EXPECT_TRUE(weak.expired());
}

TEST(Event, DestroyingTheEventInsideANestedEmitStopsEveryLevel) {
  auto e = std::make_unique<Event<int>>("n");
  std::vector<int> log;
  e->on([&](int n) {
    log.push_back(n);
    if (n == 0) {
      e->emit(1);
    } else {
      e.reset();
    }
  });
  e->on([&](int n) { log.push_back(100 + n); });
  Event<int>* raw = e.get();
  raw->emit(0);
  EXPECT_THAT(log, ElementsAre(0, 1));
}

TEST(Event, WarnsOnceWhenListenersExceedTheLimit) {
  Event<> e{"data", "Socket"};
  EXPECT_EQ(e.getMaxListeners(), 10U);
  ::testing::internal::CaptureStderr();
  for (int i = 0; i < 10; ++i) e.on([] {});
  const std::string quiet = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(quiet, IsEmpty());
  ::testing::internal::CaptureStderr();
  e.on([] {});
  e.on([] {});
  const std::string warned = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(warned, HasSubstr(") MaxListenersExceededWarning: Possible EventEmitter memory leak "
                                "detected. 11 data listeners added to [Socket]. MaxListeners is "
                                "10. Use emitter.setMaxListeners() to increase limit\n"));
  EXPECT_EQ(warned.find("MaxListenersExceededWarning"),
            warned.rfind("MaxListenersExceededWarning"));  // one warning, not two
  EXPECT_EQ(warned.find("(nodexx:"), 0U);
}

TEST(Event, ZeroMaxListenersMeansUnlimited) {
  Event<> e{"data"};
  e.setMaxListeners(0);
  ::testing::internal::CaptureStderr();
  for (int i = 0; i < 50; ++i) e.on([] {});
  EXPECT_THAT(::testing::internal::GetCapturedStderr(), IsEmpty());
  EXPECT_EQ(e.getMaxListeners(), 0U);
}

TEST(Event, WarnsAgainAfterDroppingToOneListenerAsNodeDoes) {
  Event<> e{"data"};
  e.setMaxListeners(1);
  ::testing::internal::CaptureStderr();
  const ListenerId a = e.on([] {});
  e.on([] {});  // warns: 2 > 1
  e.on([] {});  // already warned
  e.off(a);     // 2 left: still warned
  e.on([] {});
  e.removeAllListeners();
  e.on([] {});
  e.on([] {});  // warns again
  const ListenerId c = e.once([] {});
  e.off(c);  // 2 left
  e.emit();
  e.on([] {});
  const std::string out = ::testing::internal::GetCapturedStderr();
  std::size_t warnings = 0;
  for (auto at = out.find("MaxListenersExceededWarning"); at != std::string::npos;
       at = out.find("MaxListenersExceededWarning", at + 1)) {
    ++warnings;
  }
  EXPECT_EQ(warnings, 2U) << out;
}

TEST(Event, FollowsTheProcessWideDefaultLimitUnlessSet) {
  Event<> e{"data"};
  Event<> own{"data"};
  own.setMaxListeners(3);
  EventEmitter::setDefaultMaxListeners(20);
  EXPECT_EQ(e.getMaxListeners(), 20U);
  EXPECT_EQ(own.getMaxListeners(), 3U);
  EventEmitter::setDefaultMaxListeners(10);
  EXPECT_EQ(e.getMaxListeners(), 10U);
}

TEST(Event, MoveTransfersListeners) {
  Event<int> a{"n"};
  int sum = 0;
  a.on([&](int n) { sum += n; });
  Event<int> b = std::move(a);
  EXPECT_EQ(b.listenerCount(), 1U);
  EXPECT_EQ(a.listenerCount(), 0U);  // NOLINT(bugprone-use-after-move): documented state
  b.emit(3);
  Event<int> c{"other"};
  c.on([&](int) { sum += 100; });
  c = std::move(b);
  c.emit(4);
  EXPECT_EQ(sum, 7);
  EXPECT_EQ(c.name(), "n");
}

TEST(Event, ManyListenersAreAllCalledInOrder) {
  Event<int> e{"n"};
  e.setMaxListeners(0);
  std::vector<int> order;
  for (int i = 0; i < 40; ++i) e.on([&order, i](int) { order.push_back(i); });
  e.emit(0);
  ASSERT_EQ(order.size(), 40U);
  for (int i = 0; i < 40; ++i) EXPECT_EQ(order[static_cast<std::size_t>(i)], i);
}

TEST(Event, EmitDoesNotAllocateWithUpToEightListeners) {
  Event<std::string, int> e{"data"};
  int calls = 0;
  for (int i = 0; i < 8; ++i) e.on([&](const std::string&, int n) { calls += n; });
  std::string payload = "a long enough payload string to need the heap";
  ASSERT_TRUE(testing::allocationsAreCounted());
  EXPECT_EQ(testing::countAllocations([&] {
              e.emit(payload, 1);
              e.emit(std::move(payload), 1);
            }),
            0U);
  EXPECT_EQ(calls, 16);
}

TEST(Event, EmitDoesNotAllocateWhenListenersChangeDuringIt) {
  Event<int> e{"data"};
  int calls = 0;
  ListenerId last = 0;
  e.on([&](int n) {
    calls += n;
    e.off(last);
  });
  for (int i = 0; i < 5; ++i) e.once([&](int n) { calls += n; });
  e.on([&](int n) { calls += n; });
  last = e.on([&](int n) { calls += n; });
  ASSERT_TRUE(testing::allocationsAreCounted());
  EXPECT_EQ(testing::countAllocations([&] { e.emit(1); }), 0U);
  EXPECT_EQ(calls, 8);
  EXPECT_EQ(e.listenerCount(), 2U);
}

}  // namespace
}  // namespace nx
