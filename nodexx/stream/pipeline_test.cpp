// SPDX-License-Identifier: MIT
#include "nodexx/stream/pipeline.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "nodexx/core/abort.hpp"
#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/core/timers.hpp"
#include "nodexx/stream/duplex.hpp"
#include "nodexx/stream/errors.hpp"
#include "nodexx/stream/internal/test_streams.hpp"

namespace nx::stream {
namespace {

using testing::Sink;
using testing::Source;
using PipelineTest = nx::testing::FreshLoop;

std::string codeOf(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const SystemError& x) {
    return std::string(x.code());
  } catch (const std::exception& x) {
    return x.what();
  }
}

std::string nameOf(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const SystemError& x) {
    return std::string(x.name());
  } catch (...) {
    return "?";
  }
}

// Adjacent stages must agree on the chunk type.
static_assert(
    detail::AllPipeable<Readable<int>, Transform<int, std::string>, Writable<std::string>>::value);
static_assert(!detail::AllPipeable<Readable<int>, Writable<std::string>>::value);
static_assert(!detail::AllPipeable<Readable<Buffer>, Transform<int, int>, Writable<int>>::value);

class Counter : public Readable<Buffer> {
 public:
  explicit Counter(int n, ReadableOptions o = {}) : Readable(o), n_(n) {}
  std::size_t maxLength = 0;

 protected:
  void _read(std::size_t) override {
    maxLength = std::max(maxLength, readableLength());
    if (i_++ < n_) {
      push(Buffer::alloc(1000, 'x'));
    } else {
      push(nullptr);
    }
  }

 private:
  int n_;
  int i_ = 0;
};

TEST_F(PipelineTest, PipeWithASlowConsumerKeepsBothBuffersBounded) {
  auto src = std::make_shared<Counter>(200, ReadableOptions{.highWaterMark = 4000});
  auto dst = std::make_shared<Sink<Buffer>>(WritableOptions{.highWaterMark = 3000});
  std::size_t maxWritable = 0;
  std::size_t maxReadable = 0;
  dst->onWrite = [&](Buffer&, Callback& cb) {
    maxWritable = std::max(maxWritable, dst->writableLength());
    maxReadable = std::max(maxReadable, src->readableLength());
    setImmediate([cb] { cb(); });
  };
  int pauses = 0;
  src->events().pause.on([&] { ++pauses; });
  bool finished = false;
  dst->events().finish.on([&] { finished = true; });
  src->pipe(dst);
  loop.run();
  EXPECT_TRUE(finished);
  EXPECT_EQ(dst->chunks.size(), 200u);
  EXPECT_LE(maxWritable, 4000u);  // the mark plus one chunk
  EXPECT_LE(maxReadable, 5000u);
  EXPECT_GT(pauses, 10);
}

TEST_F(PipelineTest, UnpipeStopsTheFlowToThatDestination) {
  auto src = std::make_shared<Source<int>>();
  auto dst = std::make_shared<Sink<int>>();
  int unpipes = 0;
  dst->events().unpipe.on([&] { ++unpipes; });
  src->pipe(dst);
  src->push(1);
  loop.run();
  src->unpipe(*dst);
  src->push(2);
  loop.run();
  EXPECT_EQ(dst->chunks, (std::vector<int>{1}));
  EXPECT_EQ(unpipes, 1);
  EXPECT_EQ(src->readableLength(), 1u);
  EXPECT_FALSE(dst->writableEnded());
}

TEST_F(PipelineTest, ADestinationErrorUnpipesIt) {
  auto src = std::make_shared<Source<int>>();
  auto dst = std::make_shared<Sink<int>>();
  dst->onWrite = [](int&, Callback& cb) { cb(SystemError("EDST", "sink failed")); };
  std::string code;
  dst->events().error.on([&](std::exception_ptr& e) { code = codeOf(e); });
  int unpipes = 0;
  dst->events().unpipe.on([&] { ++unpipes; });
  src->pipe(dst);
  src->push(1);
  loop.run();
  EXPECT_EQ(code, "EDST");
  EXPECT_EQ(unpipes, 1);
  EXPECT_FALSE(src->destroyed());  // pipe() does not forward errors; pipeline() does
  src->destroy();
  loop.run();
}

TEST_F(PipelineTest, PipelineResolvesWhenTheDestinationFinishes) {
  auto src = Readable<int>::from({1, 2, 3});
  auto t = std::make_shared<PassThrough<int>>();
  auto dst = std::make_shared<Sink<int>>();
  auto p = pipeline(src, t, dst);
  loop.run();
  EXPECT_TRUE(p.isFulfilled());
  EXPECT_EQ(dst->chunks, (std::vector<int>{1, 2, 3}));
  EXPECT_TRUE(dst->writableFinished());
}

class FailAt : public Transform<int, int> {
 public:
  explicit FailAt(int at) : at_(at) {}

 protected:
  void _transform(int v, Callback cb) override {
    if (v == at_) {
      cb(SystemError("EMIDDLE", "middle stage failed"));
      return;
    }
    push(v);
    cb();
  }

 private:
  int at_;
};

Promise<> runAndCatch(Promise<> p, std::string& code) {
  try {
    co_await p;
    code = "resolved";
  } catch (...) {
    code = codeOf(std::current_exception());
  }
}

TEST_F(PipelineTest, ErrorFromAMiddleStageWinsAndDestroysEveryStage) {
  auto src = Readable<int>::from({1, 2, 3, 4, 5});
  auto mid = std::make_shared<FailAt>(3);
  auto dst = std::make_shared<Sink<int>>();
  dst->onWrite = [](int&, Callback& cb) { setImmediate([cb] { cb(); }); };
  std::string code;
  auto p = runAndCatch(pipeline(src, mid, dst), code);
  loop.run();
  EXPECT_EQ(code, "EMIDDLE");
  EXPECT_TRUE(src->destroyed());
  EXPECT_TRUE(mid->destroyed());
  EXPECT_TRUE(dst->destroyed());
  EXPECT_EQ(codeOf(dst->errored()), "EMIDDLE");
}

TEST_F(PipelineTest, LaterErrorsAreIgnored) {
  class FailingSink : public Writable<int> {
   protected:
    void _write(int, Callback cb) override { cb(); }
    void _destroy(std::exception_ptr, Callback cb) override {
      cb(SystemError("ELATE", "teardown failed"));
    }
  };
  auto src = Readable<int>::from({1, 2, 3});
  auto mid = std::make_shared<FailAt>(2);
  auto dst = std::make_shared<FailingSink>();
  std::string code;
  auto p = runAndCatch(pipeline(src, mid, dst), code);
  loop.run();
  EXPECT_EQ(code, "EMIDDLE");
}

TEST_F(PipelineTest, AbortDestroysEveryStageWithAnAbortError) {
  auto src = std::make_shared<Source<int>>();  // never ends on its own
  auto dst = std::make_shared<Sink<int>>();
  AbortController ac;
  std::string code;
  auto p = runAndCatch(pipeline(ac.signal(), src, dst), code);
  src->push(1);
  setTimeout([&] { ac.abort(); }, 1);
  loop.run();
  EXPECT_EQ(code, "ABORT_ERR");
  EXPECT_EQ(nameOf(src->errored()), "AbortError");
  EXPECT_TRUE(src->destroyed());
  EXPECT_TRUE(dst->destroyed());
  EXPECT_EQ(dst->chunks, (std::vector<int>{1}));
}

TEST_F(PipelineTest, AlreadyAbortedSignalRejects) {
  auto src = Readable<int>::from({1});
  auto dst = std::make_shared<Sink<int>>();
  std::string code;
  auto p = runAndCatch(pipeline(AbortSignal::abort(), src, dst), code);
  loop.run();
  EXPECT_EQ(code, "ABORT_ERR");
}

TEST_F(PipelineTest, PrematureCloseOfAStageRejects) {
  auto src = std::make_shared<Source<int>>();
  auto dst = std::make_shared<Sink<int>>();
  std::string code;
  auto p = runAndCatch(pipeline(src, dst), code);
  src->push(1);
  setTimeout([&] { dst->destroy(); }, 1);
  loop.run();
  EXPECT_EQ(code, "ERR_STREAM_PREMATURE_CLOSE");
  EXPECT_TRUE(src->destroyed());
}

TEST_F(PipelineTest, SettlesExactlyOnce) {
  auto src = Readable<int>::from({1, 2});
  auto dst = std::make_shared<Sink<int>>();
  int settled = 0;
  (void)pipeline(src, dst).then([&] { ++settled; }, [&](std::exception_ptr) { ++settled; });
  loop.run();
  dst->destroy(SystemError("ELATER", "after the end"));
  loop.run();
  EXPECT_EQ(settled, 1);
}

TEST_F(PipelineTest, FinishedResolvesOnFinish) {
  auto w = std::make_shared<Sink<int>>();
  std::string code;
  auto p = runAndCatch(finished(w), code);
  (void)w->end(1);
  loop.run();
  EXPECT_EQ(code, "resolved");
}

TEST_F(PipelineTest, FinishedResolvesOnEndOfAReadable) {
  auto r = Readable<int>::from({1, 2});
  r->resume();
  std::string code;
  auto p = runAndCatch(finished(r), code);
  loop.run();
  EXPECT_EQ(code, "resolved");
}

TEST_F(PipelineTest, FinishedRejectsWithTheError) {
  auto w = std::make_shared<Sink<int>>();
  w->events().error.on([](std::exception_ptr&) {});
  std::string code;
  auto p = runAndCatch(finished(w), code);
  w->destroy(SystemError("EW", "w failed"));
  loop.run();
  EXPECT_EQ(code, "EW");
}

TEST_F(PipelineTest, FinishedRejectsOnPrematureClose) {
  auto r = std::make_shared<Source<int>>();
  std::string code;
  auto p = runAndCatch(finished(r), code);
  r->destroy();
  loop.run();
  EXPECT_EQ(code, "ERR_STREAM_PREMATURE_CLOSE");
}

TEST_F(PipelineTest, FinishedOnAnAlreadyFinishedStreamResolves) {
  auto w = std::make_shared<Sink<int>>();
  (void)w->end();
  loop.run();
  std::string code;
  auto p = runAndCatch(finished(w), code);
  loop.run();
  EXPECT_EQ(code, "resolved");
}

// An HTTP-style connection object that embeds its request body and response streams and
// hands out aliasing shared_ptrs to them.
struct Connection {
  Source<Buffer> body;
  Sink<Buffer> response;
};

TEST_F(PipelineTest, EmbeddedStreamsKeepTheirOwnerAlive) {
  auto conn = std::make_shared<Connection>();
  conn->body.setOwner(conn);
  conn->response.setOwner(conn);
  std::shared_ptr<Readable<Buffer>> body(conn, &conn->body);
  std::shared_ptr<Writable<Buffer>> response(conn, &conn->response);
  std::weak_ptr<Connection> weak = conn;
  conn.reset();
  std::string code;
  auto p = runAndCatch(pipeline(body, response), code);
  body.reset();
  response.reset();
  EXPECT_FALSE(weak.expired());  // the pipeline holds the connection
  weak.lock()->body.push(Buffer::from("hello"));
  weak.lock()->body.push(nullptr);
  loop.run();
  EXPECT_EQ(code, "resolved");
  EXPECT_TRUE(weak.expired());  // and let it go once settled
}

TEST_F(PipelineTest, StreamWithoutSharedOwnershipWorks) {
  // A stream owned by a plain object (no shared_ptr): the owner keeps it alive until close.
  Sink<int> sink;
  (void)sink.write(1);
  (void)sink.end(2);
  bool closed = false;
  sink.events().close.on([&] { closed = true; });
  loop.run();
  EXPECT_TRUE(closed);
  EXPECT_EQ(sink.chunks, (std::vector<int>{1, 2}));
}

}  // namespace
}  // namespace nx::stream
