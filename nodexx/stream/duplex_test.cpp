// SPDX-License-Identifier: MIT
#include "nodexx/stream/duplex.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/stream/errors.hpp"
#include "nodexx/stream/internal/test_streams.hpp"

namespace nx::stream {
namespace {

using DuplexTest = nx::testing::FreshLoop;

std::string codeOf(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const SystemError& x) {
    return std::string(x.code());
  } catch (const std::exception& x) {
    return x.what();
  }
}

class Echo : public Duplex<int, int> {
 public:
  explicit Echo(DuplexOptions o = {}) : Duplex(o) {}
  std::vector<int> written;

 protected:
  void _read(std::size_t) override {}
  void _write(int v, Callback cb) override {
    written.push_back(v);
    cb();
  }
};

TEST_F(DuplexTest, HalfOpenDuplexClosesAfterBothSides) {
  auto d = std::make_shared<Echo>();
  EXPECT_TRUE(d->allowHalfOpen());
  auto ev = d->events();
  ev.end.on([&] { mark("end"); });
  ev.finish.on([&] { mark("finish"); });
  ev.close.on([&] { mark("close"); });
  d->resume();
  d->push(nullptr);
  loop.run();
  EXPECT_EQ(log, (std::vector<std::string>{"end"}));
  EXPECT_FALSE(d->destroyed());
  EXPECT_TRUE(d->writable());
  (void)d->write(7);
  (void)d->end();
  loop.run();
  EXPECT_EQ(log, (std::vector<std::string>{"end", "finish", "close"}));
  EXPECT_EQ(d->written, (std::vector<int>{7}));
}

TEST_F(DuplexTest, AllowHalfOpenFalseEndsTheWritableSide) {
  auto d = std::make_shared<Echo>();
  d->setAllowHalfOpen(false);
  EXPECT_FALSE(d->allowHalfOpen());
  auto ev = d->events();
  ev.end.on([&] { mark("end"); });
  ev.finish.on([&] { mark("finish"); });
  ev.close.on([&] { mark("close"); });
  d->resume();
  d->push(nullptr);
  loop.run();
  EXPECT_EQ(log, (std::vector<std::string>{"end", "finish", "close"}));
  EXPECT_TRUE(d->writableEnded());
}

TEST_F(DuplexTest, SeparateHighWaterMarksPerSide) {
  auto d =
      std::make_shared<Echo>(DuplexOptions{.readableHighWaterMark = 3, .writableHighWaterMark = 5});
  EXPECT_EQ(d->readableHighWaterMark(), 3u);
  EXPECT_EQ(d->writableHighWaterMark(), 5u);
  auto both = std::make_shared<Echo>(DuplexOptions{.highWaterMark = 2});
  EXPECT_EQ(both->readableHighWaterMark(), 2u);
  EXPECT_EQ(both->writableHighWaterMark(), 2u);
}

class Upper : public Transform<Buffer, Buffer> {
 protected:
  void _transform(Buffer chunk, Callback cb) override {
    std::string s = chunk.toString();
    for (char& c : s) c = static_cast<char>(c - 32);
    push(Buffer::from(s));
    cb();
  }
  void _flush(Callback cb) override {
    push(Buffer::from("!"));
    cb();
  }
};

TEST_F(DuplexTest, TransformFlushPushesTheTailBeforeEnd) {
  auto t = std::make_shared<Upper>();
  std::string out;
  t->events().data.on([&](Buffer& b) { out += b.toString(); });
  t->events().end.on([&] { mark("end " + out); });
  (void)t->write(Buffer::from("ab"));
  (void)t->end(Buffer::from("c"));
  loop.run();
  EXPECT_EQ(log, (std::vector<std::string>{"end ABC!"}));
  EXPECT_EQ(out, "ABC!");
}

TEST_F(DuplexTest, TransformHoldsTheWriteCallbackWhileTheReadableSideIsFull) {
  auto t = std::make_shared<PassThrough<int>>(DuplexOptions{.highWaterMark = 2});
  int accepted = 0;
  for (int i = 0; i < 10; ++i) {
    if (t->write(i)) ++accepted;
  }
  loop.run();
  // Nobody reads: the second chunk fills the readable side to its mark, so its callback is
  // held back (it still counts in writableLength) and chunks 2..9 wait behind it. Node
  // prints the same numbers (2, 2, 9).
  EXPECT_EQ(accepted, 2);
  EXPECT_EQ(t->readableLength(), 2u);
  EXPECT_EQ(t->writableLength(), 9u);
  std::vector<int> seen;
  t->events().data.on([&](int& v) { seen.push_back(v); });
  loop.run();
  EXPECT_EQ(seen.size(), 10u);
  EXPECT_EQ(t->writableLength(), 0u);
}

TEST_F(DuplexTest, TransformErrorDestroysWithItsCode) {
  class Bad : public Transform<int, int> {
   protected:
    void _transform(int, Callback cb) override { cb(SystemError("EBAD", "bad chunk")); }
  };
  auto t = std::make_shared<Bad>();
  t->events().error.on([&](std::exception_ptr& e) { mark("error " + codeOf(e)); });
  t->events().close.on([&] { mark("close"); });
  (void)t->write(1);
  loop.run();
  EXPECT_EQ(log, (std::vector<std::string>{"error EBAD", "close"}));
}

TEST_F(DuplexTest, TransformCallbackTwiceIsErrMultipleCallback) {
  class Twice : public Transform<int, int> {
   protected:
    void _transform(int, Callback cb) override {
      cb();
      cb();
    }
  };
  auto t = std::make_shared<Twice>();
  t->events().error.on([&](std::exception_ptr& e) { mark("error " + codeOf(e)); });
  (void)t->write(1);
  loop.run();
  EXPECT_EQ(log, (std::vector<std::string>{"error ERR_MULTIPLE_CALLBACK"}));
}

TEST_F(DuplexTest, TransformBetweenChunkTypes) {
  class Stringify : public Transform<int, std::string> {
   protected:
    void _transform(int v, Callback cb) override {
      push(std::to_string(v));
      cb();
    }
  };
  auto t = std::make_shared<Stringify>();
  EXPECT_TRUE(t->writableObjectMode());
  EXPECT_TRUE(t->readableObjectMode());
  std::string all;
  t->events().data.on([&](std::string& s) { all += s + ";"; });
  (void)t->write(1);
  (void)t->write(22);
  (void)t->end();
  loop.run();
  EXPECT_EQ(all, "1;22;");
}

TEST_F(DuplexTest, DefaultTransformIsNotImplemented) {
  auto t = std::make_shared<Transform<int, int>>();
  std::string code;
  t->events().error.on([&](std::exception_ptr& e) { code = codeOf(e); });
  (void)t->write(1);
  loop.run();
  EXPECT_EQ(code, "ERR_METHOD_NOT_IMPLEMENTED");
}

}  // namespace
}  // namespace nx::stream
