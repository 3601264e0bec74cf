// SPDX-License-Identifier: MIT
#include "nodexx/fs/read_stream.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "nodexx/core/abort.hpp"
#include "nodexx/core/errors.hpp"
#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/core/sleep.hpp"
#include "nodexx/core/timers.hpp"
#include "nodexx/fs/internal/test_support.hpp"
#include "nodexx/stream/internal/test_streams.hpp"
#include "nodexx/stream/pipeline.hpp"

namespace nx {
namespace {

std::string text(const Buffer& b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

/// What a stream did, in order.
struct Record {
  std::vector<std::string> events;
  std::vector<std::size_t> sizes;
  std::string bytes;
  std::exception_ptr error;
};

/// Records every event of `s` and consumes it in flowing mode.
void record(const std::shared_ptr<fs::ReadStream>& s, Record& r) {
  auto ev = s->events();
  ev.open.on([&r, raw = s.get()](int fd) {
    r.events.push_back(fd >= 0 && !raw->pending() ? "open" : "open(bad fd)");
  });
  ev.ready.on([&r] { r.events.push_back("ready"); });
  ev.data.on([&r](Buffer& b) {
    r.sizes.push_back(b.size());
    r.bytes += text(b);
  });
  ev.end.on([&r] { r.events.push_back("end"); });
  ev.error.on([&r](std::exception_ptr e) {
    r.events.push_back("error");
    r.error = e;
  });
  ev.close.on([&r] { r.events.push_back("close"); });
}

using nx::testing::ErrorFields;
using nx::testing::fieldsOf;
using nx::testing::openFdCount;
using nx::testing::pattern;

class ReadStreamTest : public nx::testing::FreshLoop {
 protected:
  ReadStreamTest() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "nx-rs-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
  }
  ~ReadStreamTest() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::string at(const std::string& name) const { return dir_ + "/" + name; }
  std::string file(const std::string& name, const std::string& content) const {
    std::ofstream(at(name), std::ios::binary) << content;
    return at(name);
  }

  /// Reads `path` with `options` in flowing mode until the loop is empty.
  Record readAll(const std::string& path, fs::ReadStreamOptions options = {}) {
    Record r;
    record(fs::createReadStream(path, options), r);
    loop.run();
    return r;
  }

  std::string dir_;
};

using Events = std::vector<std::string>;
using Sizes = std::vector<std::size_t>;

TEST_F(ReadStreamTest, ReadsAFileInChunksOfTheDefault64KiBWithNodesEvents) {
  const std::string content = pattern(150000);
  auto s = fs::createReadStream(file("a", content));
  EXPECT_TRUE(s->pending());
  EXPECT_EQ(s->readableHighWaterMark(), 65536u);
  EXPECT_EQ(s->path(), at("a"));
  Record r;
  record(s, r);
  loop.run();
  EXPECT_EQ(r.events, (Events{"open", "ready", "end", "close"}));
  EXPECT_EQ(r.sizes, (Sizes{65536, 65536, 18928}));
  EXPECT_EQ(r.bytes, content);
  EXPECT_EQ(s->bytesRead(), 150000u);
  EXPECT_TRUE(s->pending()) << "closed again";
}

TEST_F(ReadStreamTest, HighWaterMarkSetsTheChunkSize) {
  Record r = readAll(file("a", pattern(2500)), {.highWaterMark = 1000});
  EXPECT_EQ(r.sizes, (Sizes{1000, 1000, 500}));
  EXPECT_EQ(r.bytes, pattern(2500));
}

TEST_F(ReadStreamTest, HighWaterMarkZeroEndsAtOnceAsInNode) {
  Record r = readAll(file("a", pattern(100)), {.highWaterMark = 0});
  EXPECT_TRUE(r.sizes.empty());
  EXPECT_EQ(r.events, (Events{"open", "ready", "end", "close"}));
}

TEST_F(ReadStreamTest, StartAndEndAreInclusive) {
  const std::string content = pattern(100);
  Record r = readAll(file("a", content), {.start = 10, .end = 19, .highWaterMark = 4});
  EXPECT_EQ(r.sizes, (Sizes{4, 4, 2}));
  EXPECT_EQ(r.bytes, content.substr(10, 10));
}

TEST_F(ReadStreamTest, StartEqualToEndReadsOneByte) {
  const std::string content = pattern(100);
  Record r = readAll(file("a", content), {.start = 42, .end = 42});
  EXPECT_EQ(r.bytes, content.substr(42, 1));
  Record first = readAll(at("a"), {.start = 0, .end = 0});
  EXPECT_EQ(first.bytes, content.substr(0, 1));
}

TEST_F(ReadStreamTest, EndWithoutStartCountsFromTheBeginning) {
  const std::string content = pattern(100);
  Record r = readAll(file("a", content), {.end = 4, .highWaterMark = 3});
  EXPECT_EQ(r.sizes, (Sizes{3, 2}));
  EXPECT_EQ(r.bytes, content.substr(0, 5));
}

TEST_F(ReadStreamTest, EndBeyondEofStopsAtEof) {
  const std::string content = pattern(100);
  Record r = readAll(file("a", content), {.start = 90, .end = 1000000});
  EXPECT_EQ(r.bytes, content.substr(90));
  EXPECT_EQ(r.events, (Events{"open", "ready", "end", "close"}));
}

TEST_F(ReadStreamTest, StartAtOrPastEofEndsWithoutData) {
  Record r = readAll(file("a", pattern(100)), {.start = 100});
  EXPECT_TRUE(r.sizes.empty());
  EXPECT_EQ(r.events, (Events{"open", "ready", "end", "close"}));
  Record past = readAll(at("a"), {.start = 5000, .end = 6000});
  EXPECT_TRUE(past.sizes.empty());
}

TEST_F(ReadStreamTest, EmptyFileEndsWithoutData) {
  Record r = readAll(file("empty", ""));
  EXPECT_TRUE(r.sizes.empty());
  EXPECT_EQ(r.events, (Events{"open", "ready", "end", "close"}));
}

TEST_F(ReadStreamTest, ARangeOutsideNodesLimitsThrowsRangeError) {
  const std::string p = file("a", "x");
  auto thrown = [](auto f) -> ErrorFields {
    try {
      f();
    } catch (...) {
      return fieldsOf(std::current_exception());
    }
    return {"(no throw)", "", "", "", ""};
  };
  ErrorFields e = thrown([&] { (void)fs::createReadStream(p, {.start = 5, .end = 2}); });
  EXPECT_EQ(e.name, "RangeError");
  EXPECT_EQ(e.code, "ERR_OUT_OF_RANGE");
  EXPECT_EQ(e.message,
            "The value of \"start\" is out of range. It must be <= \"end\" (here: 2). Received 5");
  e = thrown([&] { (void)fs::createReadStream(p, {.start = std::uint64_t{1} << 53}); });
  EXPECT_EQ(e.message,
            "The value of \"start\" is out of range. It must be >= 0 && <= 9007199254740991. "
            "Received 9_007_199_254_740_992");
  e = thrown([&] { (void)fs::createReadStream(p, {.end = std::uint64_t{1} << 60}); });
  EXPECT_EQ(e.code, "ERR_OUT_OF_RANGE");
  e = thrown([&] { (void)fs::createReadStream(dir_ + std::string("/x\0y", 4)); });
  EXPECT_EQ(e.name, "TypeError");
  EXPECT_EQ(e.code, "ERR_INVALID_ARG_VALUE");
  EXPECT_EQ(e.message,
            "The argument 'path' must be a string, Uint8Array, or URL without null bytes. "
            "Received '" +
                dir_ + "/x\\x00y'");
  loop.run();
}

TEST_F(ReadStreamTest, AMissingFileEmitsEnoentThenClose) {
  Record r = readAll(at("missing"));
  EXPECT_EQ(r.events, (Events{"error", "close"}));
  ErrorFields e = fieldsOf(r.error);
  EXPECT_EQ(e.name, "Error");
  EXPECT_EQ(e.code, "ENOENT");
  EXPECT_EQ(e.syscall, "open");
  EXPECT_EQ(e.path, at("missing"));
  EXPECT_EQ(e.message, "ENOENT: no such file or directory, open '" + at("missing") + "'");
  Record empty = readAll("");
  EXPECT_EQ(fieldsOf(empty.error).message, "ENOENT: no such file or directory, open ''");
}

TEST_F(ReadStreamTest, ADirectoryOpensThenFailsToReadWithEisdir) {
  Record r = readAll(dir_);
  EXPECT_EQ(r.events, (Events{"open", "ready", "error", "close"}));
  ErrorFields e = fieldsOf(r.error);
  EXPECT_EQ(e.code, "EISDIR");
  EXPECT_EQ(e.syscall, "read");
  EXPECT_EQ(e.path, "");
  EXPECT_EQ(e.message, "EISDIR: illegal operation on a directory, read");
}

TEST_F(ReadStreamTest, AnInvalidFlagEmitsInvalidArgValue) {
  Record r = readAll(file("a", "x"), {.flags = "q"});
  EXPECT_EQ(r.events, (Events{"error", "close"}));
  ErrorFields e = fieldsOf(r.error);
  EXPECT_EQ(e.name, "TypeError");
  EXPECT_EQ(e.code, "ERR_INVALID_ARG_VALUE");
  EXPECT_EQ(e.message, "The argument 'flags' is invalid. Received 'q'");
}

TEST_F(ReadStreamTest, CoAwaitReadYieldsEveryChunkThenNullopt) {
  const std::string content = pattern(10000);
  auto s = fs::createReadStream(file("a", content), {.highWaterMark = 4096});
  std::string got;
  Sizes sizes;
  auto consume = [&]() -> Promise<> {
    while (auto chunk = co_await s->read()) {
      sizes.push_back(chunk->size());
      got += text(*chunk);
    }
  };
  Promise<> p = consume();
  loop.run();
  EXPECT_TRUE(p.isFulfilled());
  EXPECT_EQ(got, content);
  EXPECT_EQ(sizes, (Sizes{4096, 4096, 1808}));
}

TEST_F(ReadStreamTest, ReadsOnlyWhileTheConsumerIsBelowTheHighWaterMark) {
  constexpr std::size_t kHwm = 1000;
  auto s = fs::createReadStream(file("a", pattern(200 * kHwm)), {.highWaterMark = kHwm});
  std::uint64_t consumed = 0;
  std::uint64_t maxAhead = 0;
  auto consume = [&]() -> Promise<> {
    while (auto chunk = co_await s->read()) {
      consumed += chunk->size();
      // Give the pool every chance to run ahead: without backpressure the whole file would
      // be read during these turns.
      for (int i = 0; i < 3; ++i) co_await sleep(1);
      maxAhead = std::max(maxAhead, s->bytesRead() - consumed);
      EXPECT_LE(s->readableLength(), kHwm);
    }
  };
  Promise<> p = consume();
  loop.run();
  EXPECT_TRUE(p.isFulfilled());
  EXPECT_EQ(consumed, 200 * kHwm);
  EXPECT_LE(maxAhead, kHwm);
}

TEST_F(ReadStreamTest, ASlowDestinationHoldsTheReaderBack) {
  auto src = fs::createReadStream(file("a", pattern(300000)), {.highWaterMark = 4096});
  auto sink = std::make_shared<stream::testing::Sink<Buffer>>(
      stream::WritableOptions{.highWaterMark = 4096});
  std::uint64_t written = 0;
  std::uint64_t maxAhead = 0;
  sink->onWrite = [&](Buffer& chunk, stream::Callback& cb) {
    // Complete each write a loop turn later (a slow disk or socket).
    setImmediate([&, n = chunk.size(), cb] {
      written += n;
      maxAhead = std::max(maxAhead, src->bytesRead() - written);
      cb();
    });
  };
  Promise<> p = stream::pipeline(src, sink);
  loop.run();
  EXPECT_TRUE(p.isFulfilled());
  EXPECT_EQ(written, 300000u);
  // The source's buffer, the sink's buffer and the chunk being written.
  EXPECT_LE(maxAhead, 3u * 4096);
}

TEST_F(ReadStreamTest, DestroyFromADataListenerStopsReadingAndClosesTheDescriptor) {
  const int before = openFdCount();
  auto s = fs::createReadStream(file("a", pattern(1 << 20)), {.highWaterMark = 1 << 16});
  Record r;
  record(s, r);
  s->events().data.once([&](Buffer&) { s->destroy(); });
  loop.run();
  EXPECT_EQ(r.events, (Events{"open", "ready", "close"}));
  EXPECT_EQ(r.sizes.size(), 1u);
  EXPECT_EQ(openFdCount(), before);
}

TEST_F(ReadStreamTest, DestroyDuringAReadWaitsForItThenClosesTheDescriptor) {
  ASSERT_EQ(::mkfifo(at("fifo").c_str(), 0600), 0);
  // The test holds a writer end: the stream's open does not block, and its read blocks on
  // the pool thread until the test writes, so the read is surely in flight at destroy().
  const int writer = ::open(at("fifo").c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(writer, 0);
  const int before = openFdCount();
  auto s = fs::createReadStream(at("fifo"), {.highWaterMark = 16});
  Record r;
  record(s, r);
  s->events().open.once([&](int) {
    // The read starts in the ticks after "open"; an immediate runs after them.
    setImmediate([&] {
      s->destroy();
      EXPECT_GE(s->fd(), 0) << "the descriptor must stay open while the read runs";
      EXPECT_EQ(::write(writer, "abc", 3), 3);
    });
  });
  loop.run();
  EXPECT_EQ(r.events, (Events{"open", "ready", "close"}));
  EXPECT_TRUE(r.sizes.empty()) << "data read after destroy() is dropped";
  EXPECT_EQ(s->bytesRead(), 0u);
  EXPECT_EQ(openFdCount(), before);
  ::close(writer);
}

TEST_F(ReadStreamTest, DestroyBeforeTheOpenCompletesClosesTheDescriptorOnceOpen) {
  const int before = openFdCount();
  auto s = fs::createReadStream(file("a", pattern(100)));
  Record r;
  record(s, r);
  s->destroy();
  EXPECT_TRUE(s->destroyed());
  loop.run();
  // As Node: the open completes ("open", "ready"), then the file is closed.
  EXPECT_EQ(r.events, (Events{"open", "ready", "close"}));
  EXPECT_TRUE(r.sizes.empty());
  EXPECT_EQ(openFdCount(), before);
}

TEST_F(ReadStreamTest, AutoCloseFalseKeepsTheDescriptorUntilDestroy) {
  const int before = openFdCount();
  auto s = fs::createReadStream(file("a", pattern(100)), {.autoClose = false});
  Record r;
  record(s, r);
  loop.run();
  EXPECT_EQ(r.events, (Events{"open", "ready", "end"}));
  EXPECT_GE(s->fd(), 0);
  EXPECT_EQ(openFdCount(), before + 1);
  std::exception_ptr closeError = std::make_exception_ptr(std::runtime_error("not called"));
  s->close([&](std::exception_ptr e) { closeError = e; });
  loop.run();
  EXPECT_EQ(r.events, (Events{"open", "ready", "end", "close"}));
  EXPECT_EQ(closeError, nullptr) << "the stream had ended";
  EXPECT_EQ(openFdCount(), before);
}

TEST_F(ReadStreamTest, ReleasingAnOpenStreamClosesItsDescriptor) {
  const int before = openFdCount();
  {
    auto s = fs::createReadStream(file("a", pattern(100)), {.autoClose = false});
    s->events().data.on([](Buffer&) {});
    loop.run();
    EXPECT_EQ(openFdCount(), before + 1);
  }
  EXPECT_EQ(openFdCount(), before);
}

TEST_F(ReadStreamTest, CloseBeforeTheEndReportsPrematureClose) {
  auto s = fs::createReadStream(file("a", pattern(200000)));
  Record r;
  record(s, r);
  std::string closeCode;
  s->events().data.once(
      [&](Buffer&) { s->close([&](std::exception_ptr e) { closeCode = fieldsOf(e).code; }); });
  loop.run();
  EXPECT_EQ(closeCode, "ERR_STREAM_PREMATURE_CLOSE");
  EXPECT_EQ(r.events.back(), "close");
}

TEST_F(ReadStreamTest, AbortingTheSignalDestroysWithAbortError) {
  const int before = openFdCount();
  AbortController ac;
  auto s = fs::createReadStream(file("a", pattern(100)), {}, ac.signal());
  Record r;
  record(s, r);
  s->events().open.once([&](int) { ac.abort(); });
  loop.run();
  EXPECT_EQ(r.events, (Events{"open", "ready", "error", "close"}));
  ErrorFields e = fieldsOf(r.error);
  EXPECT_EQ(e.name, "AbortError");
  EXPECT_EQ(e.code, "ABORT_ERR");
  EXPECT_EQ(e.message, "The operation was aborted");
  EXPECT_EQ(openFdCount(), before);

  // An already aborted signal destroys at once; the file is still opened and closed.
  Record r2;
  record(fs::createReadStream(at("a"), {}, AbortSignal::abort()), r2);
  loop.run();
  EXPECT_EQ(fieldsOf(r2.error).code, "ABORT_ERR");
  EXPECT_EQ(r2.events.back(), "close");
  EXPECT_EQ(openFdCount(), before);
}

TEST_F(ReadStreamTest, EmitCloseFalseClosesTheFileSilently) {
  const int before = openFdCount();
  Record r = readAll(file("a", pattern(10)), {.emitClose = false});
  EXPECT_EQ(r.events, (Events{"open", "ready", "end"}));
  EXPECT_EQ(openFdCount(), before);
}

}  // namespace
}  // namespace nx
