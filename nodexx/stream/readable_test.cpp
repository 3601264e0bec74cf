// SPDX-License-Identifier: MIT
#include "nodexx/stream/readable.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>

#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/core/timers.hpp"
#include "nodexx/stream/errors.hpp"
#include "nodexx/stream/internal/test_streams.hpp"

namespace nx::stream {
namespace {

using testing::Source;
using ReadableTest = nx::testing::FreshLoop;

Buffer bytes(std::string_view s) { return Buffer::from(s); }

TEST_F(ReadableTest, PushReturnsFalseAtHighWaterMark) {
  auto r = std::make_shared<Source<Buffer>>(ReadableOptions{.highWaterMark = 10});
  r->events().error.on([](std::exception_ptr&) {});
  EXPECT_TRUE(r->push(bytes("12345")));
  EXPECT_EQ(r->readableLength(), 5u);
  EXPECT_FALSE(r->push(bytes("67890")));
  EXPECT_EQ(r->readableLength(), 10u);
  EXPECT_EQ(r->readableHighWaterMark(), 10u);
  EXPECT_FALSE(r->readableFlowing().has_value());
}

TEST_F(ReadableTest, DefaultHighWaterMarks) {
  auto b = std::make_shared<Source<Buffer>>();
  auto o = std::make_shared<Source<int>>();
  EXPECT_EQ(b->readableHighWaterMark(), 16384u);
  EXPECT_EQ(o->readableHighWaterMark(), 16u);
  EXPECT_FALSE(b->readableObjectMode());
  EXPECT_TRUE(o->readableObjectMode());
}

TEST_F(ReadableTest, DataListenerStartsFlowingAndEndFollows) {
  auto r = Readable<int>::from({1, 2, 3});
  r->events().data.on([&](int& v) { mark("data " + std::to_string(v)); });
  r->events().end.on([&] { mark("end"); });
  r->events().close.on([&] { mark("close"); });
  mark("sync");
  loop.run();
  EXPECT_EQ(log, (std::vector<std::string>{"sync", "data 1", "data 2", "data 3", "end", "close"}));
  EXPECT_TRUE(r->readableEnded());
  EXPECT_TRUE(r->destroyed());
}

Promise<> readAll(std::shared_ptr<Readable<int>> r, std::vector<int>& out) {
  while (auto v = co_await r->read()) out.push_back(*v);
}

TEST_F(ReadableTest, CoAwaitReadYieldsChunksThenNullopt) {
  auto r = Readable<int>::from({1, 2, 3});
  std::vector<int> out;
  auto p = readAll(r, out);
  loop.run();
  EXPECT_TRUE(p.isFulfilled());
  EXPECT_EQ(out, (std::vector<int>{1, 2, 3}));
}

TEST_F(ReadableTest, PushAfterEofFails) {
  auto r = std::make_shared<Source<int>>();
  std::string code;
  r->events().error.on([&](std::exception_ptr& e) {
    try {
      std::rethrow_exception(e);
    } catch (const SystemError& x) {
      code = x.code();
    }
  });
  r->push(nullptr);
  r->push(1);
  loop.run();
  EXPECT_EQ(code, "ERR_STREAM_PUSH_AFTER_EOF");
}

TEST_F(ReadableTest, PausedStreamKeepsDataBufferedUntilResume) {
  auto r = std::make_shared<Source<int>>();
  std::vector<int> seen;
  r->pause();
  r->events().data.on([&](int& v) { seen.push_back(v); });
  EXPECT_EQ(r->readableFlowing(), std::optional<bool>(false));
  r->push(1);
  r->push(2);
  loop.run();
  EXPECT_TRUE(seen.empty());
  EXPECT_EQ(r->readableLength(), 2u);
  EXPECT_TRUE(r->isPaused());
  r->resume();
  loop.run();
  EXPECT_EQ(seen, (std::vector<int>{1, 2}));
  EXPECT_EQ(r->readableLength(), 0u);
}

Promise<> readOneByOne(std::shared_ptr<Source<int>> r, std::vector<std::size_t>& lengths,
                       int& total) {
  while (auto v = co_await r->read()) {
    lengths.push_back(r->readableLength());
    total += *v;
  }
}

TEST_F(ReadableTest, CoAwaitReadPullsOnDemandAndStaysBounded) {
  auto r = std::make_shared<Source<int>>(ReadableOptions{.highWaterMark = 4});
  int produced = 0;
  r->onRead = [&](Source<int>& s) {
    // Asynchronous production, one chunk per _read, 100 chunks in all.
    setImmediate([&s, &produced] {
      if (++produced > 100) {
        s.push(nullptr);
      } else {
        s.push(produced);
      }
    });
  };
  std::vector<std::size_t> lengths;
  int total = 0;
  auto p = readOneByOne(r, lengths, total);
  loop.run();
  EXPECT_TRUE(p.isFulfilled());
  EXPECT_EQ(total, 5050);
  ASSERT_EQ(lengths.size(), 100u);
  for (std::size_t len : lengths) EXPECT_LE(len, 4u);
  EXPECT_EQ(r->readableFlowing(), std::nullopt);  // reading does not switch to flowing
}

Promise<> readExpectingError(std::shared_ptr<Readable<int>> r, std::string& code) {
  try {
    while (co_await r->read()) {
    }
    code = "ended";
  } catch (const SystemError& e) {
    code = e.code();
  }
}

TEST_F(ReadableTest, CoAwaitReadRethrowsTheStreamError) {
  auto r = std::make_shared<Source<int>>();
  r->events().error.on([](std::exception_ptr&) {});
  std::string code;
  auto p = readExpectingError(r, code);
  r->push(1);
  r->destroy(SystemError("EBAD", "bad source"));
  loop.run();
  EXPECT_EQ(code, "EBAD");
}

TEST_F(ReadableTest, CoAwaitReadOnPrematureCloseThrows) {
  auto r = std::make_shared<Source<int>>();
  std::string code;
  auto p = readExpectingError(r, code);
  r->destroy();
  loop.run();
  EXPECT_EQ(code, "ERR_STREAM_PREMATURE_CLOSE");
}

TEST_F(ReadableTest, ByteModeReadYieldsEachPushedChunk) {
  auto r = Readable<Buffer>::from({bytes("ab"), bytes("cde"), bytes("f")});
  std::vector<std::string> got;
  auto collect = [](std::shared_ptr<Readable<Buffer>> s,
                    std::vector<std::string>& out) -> Promise<> {
    while (auto chunk = co_await s->read()) out.push_back(chunk->toString());
  };
  auto p = collect(r, got);
  loop.run();
  EXPECT_EQ(got, (std::vector<std::string>{"ab", "cde", "f"}));
}

TEST_F(ReadableTest, UnshiftPutsDataBackAtTheFront) {
  auto r = std::make_shared<Source<Buffer>>();
  r->push(bytes("world"));
  r->unshift(bytes("hello "));
  EXPECT_EQ(r->readableLength(), 11u);
  std::string all;
  r->events().data.on([&](Buffer& b) { all += b.toString(); });
  loop.run();
  EXPECT_EQ(all, "hello world");
}

TEST_F(ReadableTest, FromGeneratorEndsWhenItReturnsNullopt) {
  int i = 0;
  auto r = Readable<int>::from([&i]() -> std::optional<int> {
    if (i == 5) return std::nullopt;
    return ++i;
  });
  int sum = 0;
  r->events().data.on([&](int& v) { sum += v; });
  loop.run();
  EXPECT_EQ(sum, 15);
  EXPECT_TRUE(r->readableEnded());
}

TEST_F(ReadableTest, DefaultReadIsNotImplemented) {
  class Bare : public Readable<int> {};
  auto r = std::make_shared<Bare>();
  std::string code;
  r->events().error.on([&](std::exception_ptr& e) {
    try {
      std::rethrow_exception(e);
    } catch (const SystemError& x) {
      code = x.code();
    }
  });
  r->resume();
  loop.run();
  EXPECT_EQ(code, "ERR_METHOD_NOT_IMPLEMENTED");
}

TEST_F(ReadableTest, DestroyWithErrorEmitsErrorThenClose) {
  auto r = std::make_shared<Source<int>>();
  r->events().error.on([&](std::exception_ptr&) { mark("error"); });
  r->events().close.on([&] { mark("close"); });
  r->destroy(SystemError("EX", "x"));
  mark("sync");
  EXPECT_TRUE(r->destroyed());
  loop.run();
  EXPECT_EQ(log, (std::vector<std::string>{"sync", "error", "close"}));
  EXPECT_FALSE(r->readable());
}

#ifndef NDEBUG
TEST_F(ReadableTest, UseFromAnotherThreadAssertsInDebugBuilds) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto r = std::make_shared<Source<int>>();
  EXPECT_DEATH(std::thread([&] { r->push(1); }).join(), "thread other than its loop");
}
#endif

}  // namespace
}  // namespace nx::stream
