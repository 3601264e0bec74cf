// SPDX-License-Identifier: MIT
#include "nodexx/stream/writable.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/core/threadpool.hpp"
#include "nodexx/core/timers.hpp"
#include "nodexx/stream/errors.hpp"
#include "nodexx/stream/internal/test_streams.hpp"

namespace nx::stream {
namespace {

using testing::Sink;
using WritableTest = nx::testing::FreshLoop;

Buffer bytes(std::string_view s) { return Buffer::from(s); }

std::string codeOf(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const SystemError& x) {
    return std::string(x.code());
  } catch (const std::exception& x) {
    return x.what();
  }
}

TEST_F(WritableTest, WriteReturnsFalseAtHighWaterMark) {
  auto w = std::make_shared<Sink<Buffer>>(WritableOptions{.highWaterMark = 10});
  w->manual = true;
  EXPECT_TRUE(w->write(bytes("abcd")));
  EXPECT_EQ(w->writableLength(), 4u);
  EXPECT_TRUE(w->write(bytes("efghi")));
  EXPECT_EQ(w->writableLength(), 9u);
  EXPECT_FALSE(w->write(bytes("j")));
  EXPECT_EQ(w->writableLength(), 10u);
  EXPECT_TRUE(w->writableNeedDrain());
  EXPECT_FALSE(w->write(bytes("k")));
  EXPECT_EQ(w->writableHighWaterMark(), 10u);
  EXPECT_EQ(w->pending.size(), 1u);  // one _write at a time
  w->pending.clear();                // a held callback references its stream
}

TEST_F(WritableTest, DrainIsEmittedWhenTheBufferEmpties) {
  auto w = std::make_shared<Sink<Buffer>>(WritableOptions{.highWaterMark = 4});
  w->manual = true;
  int drains = 0;
  w->events().drain.on([&] { ++drains; });
  EXPECT_FALSE(w->write(bytes("abcd")));
  EXPECT_FALSE(w->write(bytes("ef")));
  w->completeOne();
  EXPECT_EQ(drains, 0);  // "ef" is still pending
  w->completeOne();
  EXPECT_EQ(drains, 1);  // async completion: drain at once
  EXPECT_FALSE(w->writableNeedDrain());
  EXPECT_EQ(w->writableLength(), 0u);
  loop.run();
  EXPECT_EQ(drains, 1);
}

TEST_F(WritableTest, SynchronousCompletionsEmitDrainInATick) {
  auto w = std::make_shared<Sink<Buffer>>(WritableOptions{.highWaterMark = 2});
  w->events().drain.on([&] { mark("drain"); });
  EXPECT_FALSE(w->write(bytes("abc")));
  mark("after write");
  loop.run();
  EXPECT_EQ(log, (std::vector<std::string>{"after write", "drain"}));
}

TEST_F(WritableTest, DefaultHighWaterMarks) {
  auto b = std::make_shared<Sink<Buffer>>();
  auto o = std::make_shared<Sink<int>>();
  EXPECT_EQ(b->writableHighWaterMark(), 16384u);
  EXPECT_EQ(o->writableHighWaterMark(), 16u);
  EXPECT_TRUE(o->writableObjectMode());
}

TEST_F(WritableTest, EndEmitsFinishThenClose) {
  auto w = std::make_shared<Sink<Buffer>>();
  w->events().finish.on([&] { mark("finish"); });
  w->events().close.on([&] { mark("close"); });
  w->events().prefinish.on([&] { mark("prefinish"); });
  (void)w->write(bytes("a"));
  (void)w->end(bytes("b"));
  mark("sync");
  EXPECT_TRUE(w->writableEnded());
  EXPECT_FALSE(w->writableFinished());
  loop.run();
  EXPECT_EQ(log, (std::vector<std::string>{"prefinish", "sync", "finish", "close"}));
  EXPECT_TRUE(w->writableFinished());
  EXPECT_EQ(w->finals, 1);
  ASSERT_EQ(w->chunks.size(), 2u);
  EXPECT_EQ(w->chunks[1].toString(), "b");
}

TEST_F(WritableTest, WriteAfterEndFailsWithErrStreamWriteAfterEnd) {
  auto w = std::make_shared<Sink<Buffer>>();
  std::string cbCode, errorCode;
  w->events().error.on([&](std::exception_ptr& e) { errorCode = codeOf(e); });
  (void)w->end();
  EXPECT_FALSE(w->write(bytes("x"), [&](std::exception_ptr e) { cbCode = codeOf(e); }));
  loop.run();
  EXPECT_EQ(cbCode, "ERR_STREAM_WRITE_AFTER_END");
  EXPECT_EQ(errorCode, "ERR_STREAM_WRITE_AFTER_END");
  EXPECT_TRUE(w->destroyed());
}

TEST_F(WritableTest, WriteAfterDestroyFailsWithErrStreamDestroyed) {
  auto w = std::make_shared<Sink<Buffer>>();
  std::string cbCode;
  w->destroy();
  EXPECT_FALSE(w->write(bytes("x"), [&](std::exception_ptr e) { cbCode = codeOf(e); }));
  loop.run();
  EXPECT_EQ(cbCode, "ERR_STREAM_DESTROYED");
}

TEST_F(WritableTest, CallingTheCallbackTwiceIsErrMultipleCallback) {
  auto w = std::make_shared<Sink<Buffer>>();
  w->onWrite = [](Buffer&, Callback& cb) {
    cb();
    cb();
  };
  std::string code;
  w->events().error.on([&](std::exception_ptr& e) { code = codeOf(e); });
  (void)w->write(bytes("x"));
  loop.run();
  EXPECT_EQ(code, "ERR_MULTIPLE_CALLBACK");
  EXPECT_TRUE(w->destroyed());
}

TEST_F(WritableTest, WriteErrorDestroysTheStreamErrorBeforeClose) {
  auto w = std::make_shared<Sink<Buffer>>();
  w->onWrite = [](Buffer&, Callback& cb) { cb(SystemError("EPIPE", "broken pipe")); };
  std::string cbCode;
  w->events().error.on([&](std::exception_ptr& e) { mark("error " + codeOf(e)); });
  w->events().close.on([&] { mark("close"); });
  (void)w->write(bytes("x"), [&](std::exception_ptr e) { mark("cb " + codeOf(e)); });
  loop.run();
  EXPECT_EQ(log, (std::vector<std::string>{"cb EPIPE", "error EPIPE", "close"}));
}

TEST_F(WritableTest, CallbackFromAThreadPoolCompletion) {
  auto w = std::make_shared<Sink<Buffer>>(WritableOptions{.highWaterMark = 2});
  w->onWrite = [](Buffer&, Callback& cb) {
    (void)threadpool::run([] { return 1; }).then([cb](int) { cb(); });
  };
  for (int i = 0; i < 5; ++i) (void)w->write(bytes("ab"));
  bool finished = false;
  w->events().finish.on([&] { finished = true; });
  (void)w->end();
  loop.run();
  EXPECT_TRUE(finished);
  EXPECT_EQ(w->chunks.size(), 5u);
}

class VecSink : public Writable<Buffer> {
 public:
  VecSink() : Writable(WritableOptions{.writev = true}) {}
  std::vector<std::size_t> batches;

 protected:
  void _write(Buffer, Callback cb) override {
    batches.push_back(1);
    cb();
  }
  void _writev(std::span<Buffer> chunks, Callback cb) override {
    batches.push_back(chunks.size());
    cb();
  }
};

TEST_F(WritableTest, CorkedWritesReachWritevTogether) {
  auto w = std::make_shared<VecSink>();
  w->cork();
  (void)w->write(bytes("a"));
  (void)w->write(bytes("b"));
  (void)w->write(bytes("c"));
  EXPECT_EQ(w->writableCorked(), 1u);
  EXPECT_TRUE(w->batches.empty());
  EXPECT_EQ(w->writableLength(), 3u);
  w->uncork();
  EXPECT_EQ(w->batches, (std::vector<std::size_t>{3}));
  loop.run();
}

TEST_F(WritableTest, WritevCompletesEveryBufferedCallback) {
  auto w = std::make_shared<VecSink>();
  (void)w->write(bytes("a"), [&](std::exception_ptr e) { mark(e ? "a failed" : "a"); });
  w->cork();
  (void)w->write(bytes("b"), [&](std::exception_ptr e) { mark(e ? "b failed" : "b"); });
  (void)w->write(bytes("c"), [&](std::exception_ptr e) { mark(e ? "c failed" : "c"); });
  w->uncork();
  loop.run();
  EXPECT_EQ(w->batches, (std::vector<std::size_t>{1, 2}));
  EXPECT_EQ(log, (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(WritableTest, FinalErrorFailsEnd) {
  class BadFinal : public Writable<Buffer> {
   protected:
    void _write(Buffer, Callback cb) override { cb(); }
    void _final(Callback cb) override { cb(SystemError("EFINAL", "flush failed")); }
  };
  auto w = std::make_shared<BadFinal>();
  w->events().error.on([&](std::exception_ptr& e) { mark("error " + codeOf(e)); });
  w->events().finish.on([&] { mark("finish"); });
  (void)w->end();
  loop.run();
  EXPECT_EQ(log, (std::vector<std::string>{"error EFINAL"}));
}

TEST_F(WritableTest, DestroyDuringWriteFailsBufferedWrites) {
  auto w = std::make_shared<Sink<Buffer>>();
  w->manual = true;
  w->events().error.on([&](std::exception_ptr& e) { mark("error " + codeOf(e)); });
  w->events().close.on([&] { mark("close"); });
  (void)w->write(bytes("a"), [&](std::exception_ptr e) { mark(e ? "a " + codeOf(e) : "a ok"); });
  (void)w->write(bytes("b"), [&](std::exception_ptr e) { mark(e ? "b " + codeOf(e) : "b ok"); });
  w->destroy();
  loop.run();
  EXPECT_EQ(log, (std::vector<std::string>{"close"}));
  w->completeOne();  // the in-flight write completes late
  loop.run();
  EXPECT_EQ(log, (std::vector<std::string>{"close", "a ok", "b ERR_STREAM_DESTROYED"}));
}

TEST_F(WritableTest, DefaultWriteIsNotImplemented) {
  class Bare : public Writable<Buffer> {};
  auto w = std::make_shared<Bare>();
  std::string code;
  w->events().error.on([&](std::exception_ptr& e) { code = codeOf(e); });
  (void)w->write(bytes("a"));
  loop.run();
  EXPECT_EQ(code, "ERR_METHOD_NOT_IMPLEMENTED");
}

Promise<> writeAll(std::shared_ptr<Sink<Buffer>> w, int n, std::vector<std::string>& log) {
  for (int i = 0; i < n; ++i) {
    std::size_t before = w->writableLength();
    co_await w->write(Buffer::from("0123456789"));
    // Never more than one chunk above the mark while waiting for room.
    if (before >= w->writableHighWaterMark()) log.push_back("over the mark");
  }
  co_await w->end();
  log.push_back("finished");
}

TEST_F(WritableTest, CoAwaitWriteWaitsForRoomAndEndForFinish) {
  auto w = std::make_shared<Sink<Buffer>>(WritableOptions{.highWaterMark = 25});
  w->onWrite = [](Buffer&, Callback& cb) { setImmediate([cb] { cb(); }); };
  int drains = 0;
  w->events().drain.on([&] { ++drains; });
  auto p = writeAll(w, 20, log);
  loop.run();
  EXPECT_TRUE(p.isFulfilled());
  EXPECT_EQ(log, (std::vector<std::string>{"finished"}));
  EXPECT_EQ(w->chunks.size(), 20u);
  EXPECT_GT(drains, 3);
}

Promise<> writeOnce(std::shared_ptr<Sink<Buffer>> w, bool& resumedSync) {
  bool before = true;
  co_await w->write(Buffer::from("x"));
  resumedSync = before;  // reached without suspension
}

TEST_F(WritableTest, CoAwaitWriteBelowTheMarkDoesNotSuspend) {
  auto w = std::make_shared<Sink<Buffer>>();
  w->manual = true;
  bool resumed = false;
  auto p = writeOnce(w, resumed);
  EXPECT_TRUE(resumed);  // before any loop turn
  EXPECT_TRUE(p.isFulfilled());
  w->completeOne();
  loop.run();
}

Promise<> writeUntilDestroyed(std::shared_ptr<Sink<Buffer>> w, std::string& error) {
  try {
    co_await w->write(Buffer::from("0123456789"));
    co_await w->write(Buffer::from("0123456789"));
  } catch (const SystemError& e) {
    error = e.code();
  }
}

TEST_F(WritableTest, CoAwaitWriteThrowsWhenDestroyedWhileWaiting) {
  auto w = std::make_shared<Sink<Buffer>>(WritableOptions{.highWaterMark = 5});
  w->manual = true;
  std::string error;
  auto p = writeUntilDestroyed(w, error);
  EXPECT_TRUE(p.isPending());
  w->destroy();
  loop.run();
  EXPECT_EQ(error, "ERR_STREAM_DESTROYED");
  EXPECT_TRUE(p.isFulfilled());
  w->pending.clear();
}

Promise<> endAndWait(std::shared_ptr<Sink<Buffer>> w, std::string& error) {
  try {
    co_await w->end(Buffer::from("x"));
  } catch (const SystemError& e) {
    error = e.code();
  }
}

TEST_F(WritableTest, CoAwaitEndRejectsWithTheStreamError) {
  auto w = std::make_shared<Sink<Buffer>>();
  w->onWrite = [](Buffer&, Callback& cb) { cb(SystemError("EIO", "i/o error")); };
  w->events().error.on([](std::exception_ptr&) {});
  std::string error;
  auto p = endAndWait(w, error);
  loop.run();
  EXPECT_EQ(error, "EIO");
}

Promise<> endAgain(std::shared_ptr<Sink<Buffer>> w, std::string& error) {
  try {
    co_await w->end();
    error = "none";
  } catch (const SystemError& e) {
    error = e.code();
  }
}

TEST_F(WritableTest, EndAfterFinishIsErrStreamAlreadyFinished) {
  auto w = std::make_shared<Sink<Buffer>>(WritableOptions{.autoDestroy = false});
  std::string first, second;
  auto p1 = endAgain(w, first);
  loop.run();
  EXPECT_EQ(first, "none");
  auto p2 = endAgain(w, second);
  loop.run();
  EXPECT_EQ(second, "ERR_STREAM_ALREADY_FINISHED");
}

}  // namespace
}  // namespace nx::stream
