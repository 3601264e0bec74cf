// SPDX-License-Identifier: MIT
#include "nodexx/core/event_emitter.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "nodexx/core/errors.hpp"
#include "nodexx/core/internal/alloc_counter.hpp"
#include "nodexx/core/internal/node_runner.hpp"

namespace nx {
namespace {

using ::testing::ElementsAre;
using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class MyEmitter : public EventEmitter {};

std::string str(bool b) { return b ? "true" : "false"; }

// JS's array.join(',').
std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out.append(out.empty() ? "" : ",").append(name);
  return out;
}

// Expects `fn` to throw SystemError with `code`; returns its message.
template <class F>
std::string systemErrorMessage(F&& fn, std::string_view code) {
  try {
    fn();
  } catch (const SystemError& e) {
    EXPECT_EQ(e.code(), code);
    return e.what();
  }
  ADD_FAILURE() << "no SystemError " << code;
  return {};
}

std::size_t countWarnings(const std::string& stderrText) {
  std::size_t n = 0;
  for (auto at = stderrText.find("MaxListenersExceededWarning"); at != std::string::npos;
       at = stderrText.find("MaxListenersExceededWarning", at + 1)) {
    ++n;
  }
  return n;
}

// --- ordering ---------------------------------------------------------------------------------

TEST(EventEmitter, CallsListenersSynchronouslyInRegistrationOrder) {
  EventEmitter e;
  std::vector<int> log;
  e.on("a", [&] { log.push_back(1); });
  e.addListener("a", [&] { log.push_back(2); });
  e.on("a", [&] { log.push_back(3); });
  EXPECT_TRUE(e.emit("a"));
  log.push_back(0);  // emit returned only after every listener ran
  EXPECT_THAT(log, ElementsAre(1, 2, 3, 0));
}

TEST(EventEmitter, PrependedListenersGoFirst) {
  EventEmitter e;
  std::vector<std::string> log;
  e.on("a", [&] { log.push_back("on"); });
  e.prependListener("a", [&] { log.push_back("prepend"); });
  e.prependOnceListener("a", [&] { log.push_back("prependOnce"); });
  e.emit("a");
  e.emit("a");
  EXPECT_THAT(log, ElementsAre("prependOnce", "prepend", "on", "prepend", "on"));
}

TEST(EventEmitter, EmitReturnsWhetherTheEventHadListeners) {
  EventEmitter e;
  EXPECT_FALSE(e.emit("a", 1));
  const ListenerId id = e.on("a", [](int) {});
  EXPECT_TRUE(e.emit("a", 1));
  EXPECT_TRUE(e.off("a", id));
  EXPECT_FALSE(e.emit("a", 1));
}

// --- once -------------------------------------------------------------------------------------

TEST(EventEmitter, OnceIsRemovedBeforeItIsCalledAndRunsOnce) {
  EventEmitter e;
  std::vector<std::size_t> countsInside;
  e.once("x", [&] { countsInside.push_back(e.listenerCount("x")); });
  EXPECT_TRUE(e.emit("x"));
  EXPECT_FALSE(e.emit("x"));
  EXPECT_THAT(countsInside, ElementsAre(0U));
}

TEST(EventEmitter, OnceEmittingItsOwnEventIsNotCalledAgain) {
  EventEmitter e;
  std::vector<std::string> log;
  e.once("r", [&] { log.push_back("inner " + str(e.emit("r"))); });
  e.emit("r");
  EXPECT_THAT(log, ElementsAre("inner false"));
}

TEST(EventEmitter, OnceFiredByANestedEmitIsSkippedByTheOuterEmit) {
  EventEmitter e;
  std::vector<std::string> log;
  e.on("r", [&](int depth) {
    log.push_back("on" + std::to_string(depth));
    if (depth == 0) e.emit("r", 1);
  });
  e.once("r", [&](int depth) { log.push_back("once" + std::to_string(depth)); });
  e.emit("r", 0);
  EXPECT_THAT(log, ElementsAre("on0", "on1", "once1"));
}

TEST(EventEmitter, OnceListenerCanBeRemovedByIdBeforeItFires) {
  EventEmitter e;
  int calls = 0;
  const ListenerId id = e.once("x", [&] { ++calls; });
  EXPECT_TRUE(e.off("x", id));
  EXPECT_FALSE(e.emit("x"));
  EXPECT_EQ(calls, 0);
}

// --- snapshot semantics -----------------------------------------------------------------------

TEST(EventEmitter, ListenerAddedDuringEmitIsNotCalledForThatEmit) {
  EventEmitter e;
  int late = 0;
  e.on("add", [&] { e.on("add", [&] { ++late; }); });
  e.emit("add");
  EXPECT_EQ(late, 0);
  EXPECT_EQ(e.listenerCount("add"), 2U);
  e.emit("add");
  EXPECT_EQ(late, 1);
}

TEST(EventEmitter, ListenerRemovedDuringEmitStillRunsForThatEmit) {
  EventEmitter e;
  std::vector<std::string> log;
  ListenerId second = 0;
  e.on("rm", [&] {
    log.push_back("first");
    e.off("rm", second);
  });
  second = e.on("rm", [&] { log.push_back("second"); });
  e.emit("rm");
  e.emit("rm");
  EXPECT_THAT(log, ElementsAre("first", "second", "first"));
}

TEST(EventEmitter, OnceListenerRemovedDuringEmitStillRunsForThatEmit) {
  EventEmitter e;
  int calls = 0;
  ListenerId once = 0;
  e.on("q", [&] { e.off("q", once); });
  once = e.once("q", [&] { ++calls; });
  e.emit("q");
  e.emit("q");
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(e.listenerCount("q"), 1U);
}

TEST(EventEmitter, ListenerRemovedDuringAnEmitOfManyListenersStillRuns) {
  EventEmitter e;
  e.setMaxListeners(0);
  std::vector<int> log;
  std::vector<ListenerId> ids;
  ids.push_back(e.on("m", [&] {
    log.push_back(0);
    e.off("m", ids.back());
  }));
  for (int i = 1; i < 12; ++i) ids.push_back(e.on("m", [&log, i] { log.push_back(i); }));
  e.emit("m");
  EXPECT_EQ(log.size(), 12U);
  EXPECT_EQ(log.back(), 11);
  log.clear();
  e.emit("m");
  EXPECT_EQ(log.size(), 11U);
}

TEST(EventEmitter, NestedEmitsKeepTheirOwnSnapshots) {
  EventEmitter e;
  std::vector<std::string> log;
  int depth = 0;
  ListenerId third = 0;
  e.on("n", [&] {
    log.push_back("1@" + std::to_string(depth));
    if (depth++ == 0) e.emit("n");
    --depth;
  });
  e.on("n", [&] {
    log.push_back("2@" + std::to_string(depth));
    if (depth == 1) {
      e.off("n", third);
      e.on("n", [&] { log.push_back("4@" + std::to_string(depth)); });
    }
  });
  third = e.on("n", [&] { log.push_back("3@" + std::to_string(depth)); });
  e.emit("n");
  EXPECT_THAT(log, ElementsAre("1@0", "1@1", "2@1", "3@1", "2@0", "3@0"));
  EXPECT_EQ(e.listenerCount("n"), 3U);
}

TEST(EventEmitter, ChangingAnotherEmittersListenersDuringItsEmitIsSafe) {
  EventEmitter a;
  EventEmitter b;
  std::vector<std::string> log;
  ListenerId second = 0;
  a.on("x", [&] { b.off("y", second); });
  b.on("y", [&] {
    log.push_back("b1");
    a.emit("x");
  });
  second = b.on("y", [&] { log.push_back("b2"); });
  b.emit("y");
  b.emit("y");
  EXPECT_THAT(log, ElementsAre("b1", "b2", "b1"));
}

TEST(EventEmitter, ReentrantEmitWorks) {
  EventEmitter e;
  std::vector<int> log;
  e.on("depth", [&](int n) {
    log.push_back(n);
    if (n < 3) e.emit("depth", n + 1);
    log.push_back(-n);
  });
  e.emit("depth", 1);
  EXPECT_THAT(log, ElementsAre(1, 2, 3, -3, -2, -1));
}

TEST(EventEmitter, ListenerExceptionPropagatesAndSkipsTheRemainingListeners) {
  EventEmitter e;
  int after = 0;
  e.on("t", [] { throw std::runtime_error("listener threw"); });
  e.on("t", [&] { ++after; });
  EXPECT_THROW(e.emit("t"), std::runtime_error);
  EXPECT_EQ(after, 0);
  EXPECT_EQ(e.listenerCount("t"), 2U);
  e.removeAllListeners("t");
  e.on("t", [&] { ++after; });
  EXPECT_TRUE(e.emit("t"));  // the failed emit left the emitter consistent
  EXPECT_EQ(after, 1);
}

TEST(EventEmitter, ManyListenersAreAllCalledInOrder) {
  EventEmitter e;
  e.setMaxListeners(0);
  std::vector<int> order;
  for (int i = 0; i < 40; ++i) e.on("n", [&order, i] { order.push_back(i); });
  e.emit("n");
  ASSERT_EQ(order.size(), 40U);
  for (int i = 0; i < 40; ++i) EXPECT_EQ(order[static_cast<std::size_t>(i)], i);
}

// --- newListener / removeListener -------------------------------------------------------------

TEST(EventEmitter, NewListenerIsEmittedBeforeTheListenerIsAdded) {
  EventEmitter e;
  std::vector<std::string> log;
  e.on("newListener", [&](const std::string& name) {
    log.push_back(name + " " + std::to_string(e.listenerCount(name)));
  });
  e.on("foo", [] {});
  e.once("foo", [] {});
  e.on("newListener", [] {});  // the first one sees it; it does not see itself
  EXPECT_THAT(log, ElementsAre("foo 0", "foo 1", "newListener 1"));
}

TEST(EventEmitter, ListenerIsNotAddedWhenNewListenerThrows) {
  EventEmitter e;
  e.on("newListener", [](const std::string&) { throw std::runtime_error("no"); });
  EXPECT_THROW(e.on("foo", [] {}), std::runtime_error);
  EXPECT_EQ(e.listenerCount("foo"), 0U);
}

TEST(EventEmitter, RemoveListenerIsEmittedAfterTheListenerIsRemoved) {
  EventEmitter e;
  std::vector<std::string> log;
  e.on("removeListener", [&](const std::string& name) {
    log.push_back(name + " " + std::to_string(e.listenerCount(name)));
  });
  const ListenerId a = e.on("foo", [] {});
  e.on("foo", [] {});
  EXPECT_TRUE(e.off("foo", a));
  EXPECT_FALSE(e.off("foo", a));  // not found: nothing emitted
  EXPECT_THAT(log, ElementsAre("foo 1"));
}

TEST(EventEmitter, OnceEmitsRemoveListenerBeforeItsListenerRuns) {
  EventEmitter e;
  std::vector<std::string> log;
  e.on("removeListener", [&](const std::string& name) { log.push_back("removed " + name); });
  e.once("bar", [&] { log.push_back("bar"); });
  e.emit("bar");
  EXPECT_THAT(log, ElementsAre("removed bar", "bar"));
}

TEST(EventEmitter, RemoveAllListenersOfAnEventRemovesLastFirst) {
  EventEmitter e;
  std::vector<std::string> log;
  e.on("removeListener", [&](const std::string& name) {
    log.push_back(name + " " + std::to_string(e.listenerCount(name)));
  });
  e.on("x", [] {});
  e.on("x", [] {});
  e.on("y", [] {});
  e.removeAllListeners("x");
  e.removeAllListeners("absent");
  EXPECT_THAT(log, ElementsAre("x 1", "x 0"));
  EXPECT_THAT(e.eventNames(), ElementsAre("removeListener", "y"));
}

TEST(EventEmitter, RemoveAllListenersEmitsRemoveListenerForEveryEventThenRemovesItself) {
  EventEmitter e;
  std::vector<std::string> log;
  e.on("newListener", [] {});
  e.on("removeListener", [&](const std::string& name) { log.push_back(name); });
  e.on("y", [] {});
  e.on("x", [] {});
  e.removeAllListeners();
  EXPECT_THAT(log, ElementsAre("newListener", "y", "x"));
  EXPECT_THAT(e.eventNames(), IsEmpty());
}

TEST(EventEmitter, RemoveAllListenersWithoutRemoveListenerListenersClearsEverything) {
  EventEmitter e;
  e.on("a", [] {});
  e.on("b", [] {});
  e.removeAllListeners("a");
  EXPECT_THAT(e.eventNames(), ElementsAre("b"));
  e.removeAllListeners();
  EXPECT_THAT(e.eventNames(), IsEmpty());
  EXPECT_FALSE(e.emit("b"));
}

TEST(EventEmitter, MetaEventListenersMustTakeTheEventName) {
  EventEmitter e;
  const std::string message =
      systemErrorMessage([&] { e.on("newListener", [](int) {}); }, "ERR_INVALID_ARG_TYPE");
  EXPECT_THAT(message, HasSubstr("newListener"));
  systemErrorMessage([&] { e.on("removeListener", [](const char*) {}); }, "ERR_INVALID_ARG_TYPE");
  e.on("newListener", [](std::string) {});
  e.on("removeListener", [] {});
  EXPECT_EQ(e.listenerCount("newListener"), 1U);
}

// --- error ------------------------------------------------------------------------------------

TEST(EventEmitter, ErrorWithoutListenerRethrowsAnExceptionPtr) {
  EventEmitter e;
  auto error = std::make_exception_ptr(AbortError());
  EXPECT_THROW(e.emit("error", error), AbortError);
}

TEST(EventEmitter, ErrorWithoutListenerThrowsTheStdExceptionAsGiven) {
  EventEmitter e;
  EXPECT_THROW(e.emit("error", std::runtime_error("boom")), std::runtime_error);
  const RangeError range("ERR_OUT_OF_RANGE", "too big");
  const std::string message =
      systemErrorMessage([&] { e.emit("error", range); }, "ERR_OUT_OF_RANGE");
  EXPECT_EQ(message, "too big");
  try {
    e.emit("error", range, 42);  // Node looks at the first argument only
    ADD_FAILURE();
  } catch (const RangeError& caught) {
    EXPECT_EQ(caught.name(), "RangeError");  // the static type is kept
  }
}

TEST(EventEmitter, ErrorWithoutListenerThrowsUnhandledErrorForOtherPayloads) {
  EventEmitter e;
  EXPECT_THAT(systemErrorMessage([&] { e.emit("error"); }, "ERR_UNHANDLED_ERROR"),
              Eq("Unhandled error."));
  EXPECT_THAT(systemErrorMessage([&] { e.emit("error", 42); }, "ERR_UNHANDLED_ERROR"),
              Eq("Unhandled error."));
  EXPECT_THAT(
      systemErrorMessage([&] { e.emit("error", std::exception_ptr()); }, "ERR_UNHANDLED_ERROR"),
      Eq("Unhandled error."));
  EXPECT_THAT(systemErrorMessage([&] { e.emit("error", "text"); }, "ERR_UNHANDLED_ERROR"),
              Eq("Unhandled error. ('text')"));
}

TEST(EventEmitter, ErrorWithListenerDoesNotThrow) {
  EventEmitter e;
  std::string seen;
  e.on("error", [&](const std::exception& err) { seen = err.what(); });
  const std::runtime_error error("handled");
  EXPECT_TRUE(e.emit<const std::exception&>("error", error));  // payload spelled by the caller
  EXPECT_EQ(seen, "handled");
}

// --- payload types ----------------------------------------------------------------------------

TEST(EventEmitter, ListenersTakeValueConstRefOrMutableRef) {
  EventEmitter e;
  std::vector<std::string> log;
  e.on("data", [&](std::string s) { log.push_back("value " + s); });
  e.on("data", [&](const std::string& s) { log.push_back("cref " + s); });
  e.on("data", [&](std::string& s) { s += "!"; });
  e.on("data", [&](const std::string& s) { log.push_back("after " + s); });
  std::string payload = "hi";
  e.emit("data", payload);
  EXPECT_EQ(payload, "hi!");  // a non-const lvalue is passed by reference, as JS objects are
  EXPECT_THAT(log, ElementsAre("value hi", "cref hi", "after hi!"));
}

TEST(EventEmitter, ConstArgumentIsCopiedForMutableReferenceListeners) {
  EventEmitter e;
  std::vector<std::string> log;
  e.on("data", [&](std::string& s) {
    s = "changed";
    log.push_back(s);
  });
  e.on("data", [&](const std::string& s) { log.push_back(s); });
  const std::string payload = "const";
  e.emit("data", payload);
  EXPECT_EQ(payload, "const");
  EXPECT_THAT(log, ElementsAre("changed", "const"));
}

TEST(EventEmitter, ListenerWithoutParametersAcceptsAnyPayload) {
  EventEmitter e;
  int calls = 0;
  e.on("x", [&] { ++calls; });
  e.emit("x");
  e.emit("x", 1, std::string("two"));
  e.emit("x", 3.0);
  EXPECT_EQ(calls, 3);
}

TEST(EventEmitter, PayloadMismatchThrowsInvalidArgTypeBeforeCallingAnyListener) {
  EventEmitter e;
  int calls = 0;
  e.on("data", [&] { ++calls; });
  e.on("data", [&](const std::string&) { ++calls; });
  const std::string message =
      systemErrorMessage([&] { e.emit("data", 42); }, "ERR_INVALID_ARG_TYPE");
  EXPECT_THAT(message, HasSubstr("\"data\""));
  EXPECT_EQ(calls, 0);
  systemErrorMessage([&] { e.emit("data", "literal"); }, "ERR_INVALID_ARG_TYPE");
  systemErrorMessage([&] { e.emit("data"); }, "ERR_INVALID_ARG_TYPE");
  EXPECT_TRUE(e.emit<std::string>("data", "spelled"));  // emit's payload spelled explicitly
  EXPECT_EQ(calls, 2);
}

TEST(EventEmitter, PayloadIsCheckedAgainAfterAListenerIsAdded) {
  EventEmitter e;
  int calls = 0;
  e.on("p", [&](int) { ++calls; });
  e.emit("p", 1);
  const ListenerId text = e.on("p", [&](const std::string&) { ++calls; });
  systemErrorMessage([&] { e.emit("p", 2); }, "ERR_INVALID_ARG_TYPE");
  EXPECT_EQ(calls, 1);
  e.off("p", text);
  e.on("p", [&] { ++calls; });
  e.emit("p", 3);
  EXPECT_EQ(calls, 3);
  systemErrorMessage([&] { e.emit("p", 4.0); }, "ERR_INVALID_ARG_TYPE");
  EXPECT_EQ(calls, 3);
}

TEST(EventEmitter, PayloadIsTheDecayedTypes) {
  EventEmitter e;
  std::vector<std::string> log;
  e.on("lit", [&](const char* s) { log.push_back(s); });
  e.on("pair", [&](int a, const std::string& b) { log.push_back(std::to_string(a) + b); });
  e.emit("lit", "literal");  // an array decays to const char*
  const int one = 1;
  e.emit("pair", one, std::string("x"));
  int two = 2;
  std::string y = "y";
  e.emit("pair", two, y);
  EXPECT_THAT(log, ElementsAre("literal", "1x", "2y"));
}

TEST(EventEmitter, MoveOnlyPayloadsArePassedByReference) {
  EventEmitter e;
  int seen = 0;
  e.on("ptr", [&](const std::unique_ptr<int>& p) { seen += *p; });
  e.on("ptr", [&](std::unique_ptr<int>& p) { seen += *p * 10; });
  e.emit("ptr", std::make_unique<int>(3));
  EXPECT_EQ(seen, 33);
}

TEST(EventEmitter, AcceptsFunctionPointersStdFunctionAndMutableLambdas) {
  static int total = 0;
  total = 0;
  EventEmitter e;
  e.on(
      "n", +[](int n) { total += n; });
  e.on("n", std::function<void(int)>([](int n) { total += 10 * n; }));
  e.on("n", [calls = 0](int) mutable { total += 100 * ++calls; });
  e.on("n", [](int n) noexcept { return n; });  // return values are ignored
  e.emit("n", 1);
  e.emit("n", 2);
  EXPECT_EQ(total, 1 + 10 + 100 + 2 + 20 + 200);
}

// --- counts, names, limits --------------------------------------------------------------------

TEST(EventEmitter, FindsEventsByTheirExactNameAtEveryLength) {
  EventEmitter e;
  std::vector<std::string> names;
  for (std::size_t n = 1; n <= 40; ++n) {
    std::string name;
    for (std::size_t i = 0; i < n; ++i) name.push_back(static_cast<char>('a' + i % 26));
    names.push_back(name);
  }
  std::vector<std::string> log;
  for (const std::string& name : names) e.on(name, [&log, name] { log.push_back(name); });
  for (const std::string& name : names) {
    for (std::size_t i = 0; i < name.size(); ++i) {
      std::string nearMiss = name;
      nearMiss[i] = 'Z';  // differs in exactly one byte, wherever it is
      EXPECT_FALSE(e.emit(nearMiss)) << nearMiss;
    }
    EXPECT_TRUE(e.emit(name));
  }
  EXPECT_EQ(log, names);
  EXPECT_FALSE(e.emit(""));
  e.on("", [&log] { log.push_back("(empty)"); });
  EXPECT_TRUE(e.emit(""));
  EXPECT_EQ(log.back(), "(empty)");
}

TEST(EventEmitter, ListenerCountAndEventNamesFollowNode) {
  EventEmitter e;
  e.on("b", [] {});
  e.on("a", [] {});
  e.on("c", [] {});
  e.on("a", [] {});
  EXPECT_EQ(e.listenerCount("a"), 2U);
  EXPECT_EQ(e.listenerCount("z"), 0U);
  EXPECT_THAT(e.eventNames(), ElementsAre("b", "a", "c"));
  e.removeAllListeners("b");
  e.on("b", [] {});
  EXPECT_THAT(e.eventNames(), ElementsAre("a", "c", "b"));  // re-registered at the end
}

TEST(EventEmitter, DefaultMaxListenersIsTenAndProcessWide) {
  EXPECT_EQ(EventEmitter::defaultMaxListeners(), 10U);
  EventEmitter e;
  EventEmitter own;
  own.setMaxListeners(3);
  EXPECT_EQ(e.getMaxListeners(), 10U);
  EventEmitter::setDefaultMaxListeners(20);
  EXPECT_EQ(e.getMaxListeners(), 20U);  // read at each check, as in Node
  EXPECT_EQ(own.getMaxListeners(), 3U);
  EventEmitter::setDefaultMaxListeners(10);
}

TEST(EventEmitter, WarnsOncePerEventWhenListenersExceedTheLimit) {
  EventEmitter e;
  ::testing::internal::CaptureStderr();
  for (int i = 0; i < 10; ++i) e.on("foo", [] {});
  EXPECT_THAT(::testing::internal::GetCapturedStderr(), IsEmpty());
  ::testing::internal::CaptureStderr();
  for (int i = 0; i < 5; ++i) e.on("foo", [] {});
  for (int i = 0; i < 11; ++i) e.on("bar", [] {});
  const std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(countWarnings(out), 2U) << out;
  EXPECT_EQ(out.find("(nodexx:"), 0U);
  EXPECT_THAT(out, HasSubstr(") MaxListenersExceededWarning: Possible EventEmitter memory leak "
                             "detected. 11 foo listeners added to [EventEmitter]. MaxListeners "
                             "is 10. Use emitter.setMaxListeners() to increase limit\n"));
  EXPECT_THAT(out, HasSubstr("11 bar listeners added to [EventEmitter]"));
}

TEST(EventEmitter, ZeroMaxListenersMeansUnlimited) {
  EventEmitter e;
  e.setMaxListeners(0);
  ::testing::internal::CaptureStderr();
  for (int i = 0; i < 50; ++i) e.on("foo", [] {});
  EXPECT_THAT(::testing::internal::GetCapturedStderr(), IsEmpty());
}

TEST(EventEmitter, LeakWarningNamesTheDerivedClass) {
  MyEmitter e;
  e.setMaxListeners(1);
  ::testing::internal::CaptureStderr();
  e.on("bar", [] {});
  e.prependListener("bar", [] {});
  EXPECT_THAT(::testing::internal::GetCapturedStderr(),
              HasSubstr("2 bar listeners added to [MyEmitter]. MaxListeners is 1."));
}

TEST(EventEmitter, WarnsAgainAfterTheEventLosesItsListenersAsNodeDoes) {
  EventEmitter e;
  e.setMaxListeners(1);
  ::testing::internal::CaptureStderr();
  e.on("bar", [] {});
  e.on("bar", [] {});
  e.removeAllListeners("bar");
  e.on("bar", [] {});
  e.on("bar", [] {});
  EXPECT_EQ(countWarnings(::testing::internal::GetCapturedStderr()), 2U);
}

// --- lifetime and moves -----------------------------------------------------------------------

TEST(EventEmitter, ListenerRemovingItselfKeepsItsCapturesAliveUntilItReturns) {
  EventEmitter e;
  auto token = std::make_shared<int>(7);
  std::weak_ptr<int> weak = token;
  ListenerId id = 0;
  int seen = 0;
  id = e.on("x", [&, token = std::move(token)] {
    e.removeListener("x", id);
    seen = *token;
  });
  e.emit("x");
  EXPECT_EQ(seen, 7);
  EXPECT_TRUE(weak.expired());
}

TEST(EventEmitter, RemoveAllListenersInsideAListenerIsSafe) {
  EventEmitter e;
  int calls = 0;
  e.on("x", [&] {
    ++calls;
    e.removeAllListeners();
  });
  e.on("x", [&] { ++calls; });
  e.emit("x");
  EXPECT_EQ(calls, 2);
  EXPECT_FALSE(e.emit("x"));
}

TEST(EventEmitter, DestroyingTheEmitterInsideAListenerStopsTheEmitSafely) {
  auto e = std::make_unique<EventEmitter>();
  int calls = 0;
  e->on("x", [&](int n) {
    calls += n;
    if (n == 1) {
      e->emit("x", 2);
    } else {
      e.reset();
    }
  });
  e->on("x", [&](int) { calls += 100; });
  e->once("x", [&](int) { calls += 1000; });
  EventEmitter* raw = e.get();
  EXPECT_TRUE(raw->emit("x", 1));
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(e, nullptr);
}

TEST(EventEmitter, LoneListenerDestroyingTheEmitterKeepsItsCapturesAliveUntilItReturns) {
  auto e = std::make_unique<EventEmitter>();
  auto token = std::make_shared<int>(7);
  std::weak_ptr<int> weak = token;
  int seen = 0;
  e->on("x", [&, token = std::move(token)] {
    e.reset();
    seen = *token;
  });
  EventEmitter* raw = e.get();
  EXPECT_TRUE(raw->emit("x"));
  EXPECT_EQ(seen, 7);
  EXPECT_TRUE(weak.expired());
}

TEST(EventEmitter, DestroyingAnotherEmitterDuringAnEmitIsSafe) {
  EventEmitter a;
  auto b = std::make_unique<EventEmitter>();
  std::vector<std::string> log;
  a.on("x", [&] {
    log.push_back("a1");
    b.reset();
  });
  a.on("x", [&] { log.push_back("a2"); });
  b->on("y", [&] {
    log.push_back("b1");
    a.emit("x");
  });
  b->on("y", [&] { log.push_back("b2"); });
  EventEmitter* raw = b.get();
  EXPECT_TRUE(raw->emit("y"));
  EXPECT_THAT(log, ElementsAre("b1", "a1", "a2"));  // b's emit stops, a's goes on
}

TEST(EventEmitter, DestroyingTheEmitterFromRemoveListenerDuringOnceIsSafe) {
  auto e = std::make_unique<EventEmitter>();
  int calls = 0;
  e->on("removeListener", [&] { e.reset(); });
  e->once("x", [&] { ++calls; });
  EventEmitter* raw = e.get();
  EXPECT_TRUE(raw->emit("x"));
  EXPECT_EQ(calls, 0);  // the emitter was gone before the once listener's turn
}

TEST(EventEmitter, MoveTransfersListenersAndLimit) {
  EventEmitter a;
  int sum = 0;
  a.on("n", [&](int n) { sum += n; });
  a.setMaxListeners(3);
  EventEmitter b = std::move(a);
  EXPECT_EQ(b.listenerCount("n"), 1U);
  EXPECT_EQ(b.getMaxListeners(), 3U);
  b.emit("n", 1);
  EventEmitter c;
  c.on("n", [&](int) { sum += 100; });
  c = std::move(b);
  c.emit("n", 2);
  EXPECT_EQ(sum, 3);
  EXPECT_THAT(c.eventNames(), ElementsAre("n"));
}

TEST(EventEmitter, ListenerIdsAreUniqueAndNonZero) {
  EventEmitter e;
  EventEmitter f;
  const ListenerId a = e.on("x", [] {});
  const ListenerId b = e.on("y", [] {});
  const ListenerId c = f.on("x", [] {});
  EXPECT_NE(a, 0U);
  EXPECT_NE(a, b);
  EXPECT_NE(a, c);
  EXPECT_FALSE(e.off("y", a));  // an id belongs to its event
  EXPECT_FALSE(e.off("x", c));  // and to its emitter
  EXPECT_TRUE(e.off("x", a));
}

TEST(EventEmitter, EmitDoesNotAllocateWithUpToEightListeners) {
  EventEmitter e;
  int calls = 0;
  for (int i = 0; i < 8; ++i) {
    e.on("data", [&](const std::string&, int n) { calls += n; });
  }
  e.on("other", [] {});
  std::string payload = "a long enough payload string to need the heap";
  const std::string constPayload = payload;
  ASSERT_TRUE(testing::allocationsAreCounted());
  EXPECT_EQ(testing::countAllocations([&] {
              e.emit("data", payload, 1);
              e.emit("data", constPayload, 1);
              e.emit("data", std::move(payload), 1);
            }),
            0U);
  EXPECT_EQ(calls, 24);
}

TEST(EventEmitter, EmitDoesNotAllocateWhenListenersChangeDuringIt) {
  EventEmitter e;
  int calls = 0;
  ListenerId last = 0;
  e.on("data", [&](int n) {
    calls += n;
    e.off("data", last);
  });
  for (int i = 0; i < 5; ++i) e.once("data", [&](int n) { calls += n; });
  e.on("data", [&](int n) { calls += n; });
  last = e.on("data", [&](int n) { calls += n; });
  ASSERT_TRUE(testing::allocationsAreCounted());
  EXPECT_EQ(testing::countAllocations([&] { e.emit("data", 1); }), 0U);
  EXPECT_EQ(calls, 8);
  EXPECT_EQ(e.listenerCount("data"), 2U);
}

// --- Node oracle ------------------------------------------------------------------------------

// The C++ mirror of tests/node_oracle/scenarios/event_emitter_rules.js, step for step.
std::vector<std::string> runScenario() {
  std::vector<std::string> lines;
  auto log = [&](std::string line) { lines.push_back(std::move(line)); };

  {  // 1. Registration order, prepend, prependOnce, emit's return value.
    EventEmitter e;
    e.on("a", [&](const std::string& x) { log("order on1 " + x); });
    e.on("a", [&](const std::string& x) { log("order on2 " + x); });
    e.prependListener("a", [&](const std::string& x) { log("order prepend " + x); });
    e.prependOnceListener("a", [&](const std::string& x) { log("order prependOnce " + x); });
    log("order emit " + str(e.emit<std::string>("a", "p")));
    log("order emit " + str(e.emit<std::string>("a", "q")));
    log("order emit none " + str(e.emit("none")));
  }
  {  // 2. once is removed before it is called and runs once.
    EventEmitter e;
    e.once("x", [&](int n) {
      log("once " + std::to_string(n) + " count " + std::to_string(e.listenerCount("x")));
    });
    log("once emit " + str(e.emit("x", 1)));
    log("once emit " + str(e.emit("x", 2)));
  }
  {  // 3. once that emits its own event.
    EventEmitter e;
    e.once("r", [&](int n) {
      log("once-reentrant " + std::to_string(n));
      log("once-reentrant inner " + str(e.emit("r", n + 1)));
    });
    e.emit("r", 1);
  }
  {  // 4. Re-entrant emit.
    EventEmitter e;
    e.on("depth", [&](int n) {
      log("depth " + std::to_string(n));
      if (n < 3) e.emit("depth", n + 1);
      log("depth " + std::to_string(n) + " done");
    });
    e.emit("depth", 1);
  }
  {  // 5. A listener added during emit is not called for that emit.
    EventEmitter e;
    e.on("add", [&] {
      log("add first");
      e.on("add", [&] { log("add late"); });
    });
    e.emit("add");
    log("add count " + std::to_string(e.listenerCount("add")));
    e.emit("add");
    log("add count " + std::to_string(e.listenerCount("add")));
  }
  {  // 6. A listener removed during emit still runs for that emit, a once listener too.
    EventEmitter e;
    ListenerId second = 0;
    e.on("rm", [&] {
      log("remove first");
      e.removeListener("rm", second);
    });
    second = e.on("rm", [&] { log("remove second"); });
    e.emit("rm");
    e.emit("rm");
    ListenerId once = 0;
    e.on("q", [&] { e.removeListener("q", once); });
    once = e.once("q", [&] { log("remove once still runs"); });
    e.emit("q");
    e.emit("q");
    log("remove count " + std::to_string(e.listenerCount("q")));
  }
  {  // 7. newListener before a listener is added, removeListener after one is removed.
    EventEmitter e;
    e.on("newListener", [&](const std::string& name) {
      log("newListener " + name + " count " + std::to_string(e.listenerCount(name)));
    });
    e.on("removeListener", [&](const std::string& name) {
      log("removeListener " + name + " count " + std::to_string(e.listenerCount(name)));
    });
    const ListenerId foo = e.on("foo", [&] { log("foo"); });
    e.once("bar", [&] { log("bar once"); });
    e.emit("bar");
    e.removeListener("foo", foo);
    e.on("x", [] {});
    e.on("x", [] {});
    e.on("y", [] {});
    e.removeAllListeners("x");
    e.on("x", [] {});
    log("meta names " + join(e.eventNames()));
    e.removeAllListeners();
    log("meta names [" + join(e.eventNames()) + "]");
  }
  {  // 8. "error" without a listener throws.
    EventEmitter e;
    try {
      e.emit("error", std::runtime_error("boom"));
    } catch (const std::exception& err) {
      log(std::string("caught ") + err.what());
    }
    try {
      e.emit("error", std::string("text"));
    } catch (const SystemError& err) {
      log("caught " + std::string(err.code()));
    }
    try {
      e.emit("error");
    } catch (const SystemError& err) {
      log("caught " + std::string(err.code()));
    }
    e.on("error",
         [&](const std::runtime_error& err) { log(std::string("error listener ") + err.what()); });
    log("error emit " + str(e.emit("error", std::runtime_error("handled"))));
  }
  {  // 9. A listener's exception propagates and the remaining listeners are not called.
    EventEmitter e;
    e.on("t", [] { throw std::runtime_error("listener threw"); });
    e.on("t", [&] { log("not reached"); });
    try {
      e.emit("t");
    } catch (const std::exception& err) {
      log(std::string("caught ") + err.what());
    }
    log("throw count " + std::to_string(e.listenerCount("t")));
  }
  {  // 10. listenerCount and eventNames.
    EventEmitter e;
    e.on("b", [] {});
    e.on("a", [] {});
    e.on("c", [] {});
    e.on("a", [] {});
    log("count a " + std::to_string(e.listenerCount("a")) + " b " +
        std::to_string(e.listenerCount("b")) + " z " + std::to_string(e.listenerCount("z")));
    e.removeAllListeners("b");
    e.on("b", [] {});
    log("names " + join(e.eventNames()));
  }
  {  // 11. maxListeners: the warnings go to stderr; Node's script repeats them on stdout.
    ::testing::internal::CaptureStderr();
    log("default max " + std::to_string(EventEmitter::defaultMaxListeners()));
    EventEmitter e;
    log("max " + std::to_string(e.getMaxListeners()));
    for (int i = 0; i < 12; ++i) e.on("foo", [] {});
    EventEmitter unlimited;
    unlimited.setMaxListeners(0);
    for (int i = 0; i < 20; ++i) unlimited.on("foo", [] {});
    MyEmitter m;
    m.setMaxListeners(1);
    log("max " + std::to_string(m.getMaxListeners()));
    m.on("bar", [] {});
    m.on("bar", [] {});
    m.on("bar", [] {});
    log("sync end");
    const std::string err = ::testing::internal::GetCapturedStderr();
    // "(nodexx:PID) Type: message" becomes "warning Type: message", as the JS listener prints.
    std::size_t start = 0;
    for (std::size_t end; (end = err.find('\n', start)) != std::string::npos; start = end + 1) {
      const std::string line = err.substr(start, end - start);
      const std::size_t pid = line.find(") ");
      log("warning " + (pid == std::string::npos ? line : line.substr(pid + 2)));
    }
  }
  return lines;
}

TEST(EventEmitterOracle, MatchesNode) {
  if (!testing::hasNode()) GTEST_SKIP() << "node is not installed";
  const auto script = testing::sourceDir() / "tests/node_oracle/scenarios/event_emitter_rules.js";
  if (!std::filesystem::exists(script))
    GTEST_SKIP() << "set NX_SOURCE_DIR to find the Node scenario";
  // Node's own copy of the warnings goes to stderr; only stdout is compared.
  const testing::NodeOutput node = testing::runNode({.script = script, .quietStderr = true});
  EXPECT_EQ(node.status, 0) << script;
  const std::vector<std::string> expected = node.lines();
  const std::vector<std::string> actual = runScenario();
  ASSERT_FALSE(expected.empty()) << "node printed nothing for " << script;
  for (std::size_t i = 0; i < std::max(expected.size(), actual.size()); ++i) {
    EXPECT_EQ(i < actual.size() ? actual[i] : "<missing>",
              i < expected.size() ? expected[i] : "<missing>")
        << "line " << i + 1;
  }
}

}  // namespace
}  // namespace nx
