// SPDX-License-Identifier: MIT
#include "nodexx/fs/write_stream.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "nodexx/core/abort.hpp"
#include "nodexx/core/errors.hpp"
#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/core/timers.hpp"
#include "nodexx/fs/internal/test_support.hpp"
#include "nodexx/fs/read_stream.hpp"
#include "nodexx/stream/pipeline.hpp"
#include "nodexx/stream/readable.hpp"

namespace nx {
namespace {

std::string readText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Record {
  std::vector<std::string> events;
  std::exception_ptr error;
};

void record(const std::shared_ptr<fs::WriteStream>& s, Record& r) {
  auto ev = s->events();
  ev.open.on([&r, raw = s.get()](int fd) {
    r.events.push_back(fd >= 0 && !raw->pending() ? "open" : "open(bad fd)");
  });
  ev.ready.on([&r] { r.events.push_back("ready"); });
  ev.finish.on([&r] { r.events.push_back("finish"); });
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

using Events = std::vector<std::string>;

class WriteStreamTest : public nx::testing::FreshLoop {
 protected:
  WriteStreamTest() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "nx-ws-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
  }
  ~WriteStreamTest() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::string at(const std::string& name) const { return dir_ + "/" + name; }

  std::string dir_;
};

TEST_F(WriteStreamTest, WritesInOrderThenEmitsFinishThenClose) {
  auto s = fs::createWriteStream(at("out"));
  EXPECT_TRUE(s->pending());
  EXPECT_EQ(s->writableHighWaterMark(), 16384u);
  Record r;
  record(s, r);
  // Written before the open completes: kept, in order.
  EXPECT_TRUE(s->write(Buffer::from("hello ")));
  EXPECT_TRUE(s->write(Buffer::from("file ")));
  (void)s->end(Buffer::from("stream"));
  loop.run();
  EXPECT_EQ(r.events, (Events{"open", "ready", "finish", "close"}));
  EXPECT_EQ(readText(at("out")), "hello file stream");
  EXPECT_EQ(s->bytesWritten(), 17u);
  EXPECT_TRUE(s->pending());
}

TEST_F(WriteStreamTest, EndWithoutWritesStillCreatesTheFileBeforeFinish) {
  auto s = fs::createWriteStream(at("empty"));
  Record r;
  record(s, r);
  (void)s->end();
  loop.run();
  EXPECT_EQ(r.events, (Events{"open", "ready", "finish", "close"}));
  EXPECT_TRUE(std::filesystem::exists(at("empty")));
  EXPECT_EQ(std::filesystem::file_size(at("empty")), 0u);
}

TEST_F(WriteStreamTest, TheDefaultFlagTruncatesAndAAppends) {
  std::ofstream(at("f"), std::ios::binary) << "0123456789";
  auto w = fs::createWriteStream(at("f"));
  (void)w->end(Buffer::from("ab"));
  loop.run();
  EXPECT_EQ(readText(at("f")), "ab");
  auto a = fs::createWriteStream(at("f"), {.flags = "a"});
  (void)a->write(Buffer::from("cd"));
  (void)a->end(Buffer::from("ef"));
  loop.run();
  EXPECT_EQ(readText(at("f")), "abcdef");
}

TEST_F(WriteStreamTest, StartWritesAtAnOffset) {
  std::ofstream(at("f"), std::ios::binary) << "0123456789";
  auto s = fs::createWriteStream(at("f"), {.flags = "r+", .start = 3});
  (void)s->write(Buffer::from("ab"));
  (void)s->end(Buffer::from("cd"));
  loop.run();
  EXPECT_EQ(readText(at("f")), "012abcd789");
  // With "w" the file is truncated first, so the bytes before start read as zeros.
  auto w = fs::createWriteStream(at("g"), {.start = 2});
  (void)w->end(Buffer::from("x"));
  loop.run();
  EXPECT_EQ(readText(at("g")), std::string("\0\0x", 3));
}

TEST_F(WriteStreamTest, ModeAppliesToACreatedFile) {
  const mode_t old = ::umask(022);
  auto s = fs::createWriteStream(at("m"), {.mode = 0640});
  (void)s->end(Buffer::from("x"));
  loop.run();
  ::umask(old);
  struct stat st {};
  ASSERT_EQ(::stat(at("m").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
}

TEST_F(WriteStreamTest, ChunksBufferedDuringAWriteGoOutInOneWritev) {
  auto s = fs::createWriteStream(at("v"));
  std::vector<std::uint64_t> seen;  // bytesWritten when each write's callback runs
  s->events().open.once([&](int) {
    s->cork();
    for (const char* part : {"one ", "two ", "three"}) {
      (void)s->write(Buffer::from(part),
                     [&](std::exception_ptr) { seen.push_back(s->bytesWritten()); });
    }
    s->uncork();
    (void)s->end();
  });
  loop.run();
  EXPECT_EQ(readText(at("v")), "one two three");
  // One request wrote all three: every callback sees the total.
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{13, 13, 13}));
}

TEST_F(WriteStreamTest, WriteReturnsFalseAtTheHighWaterMarkAndDrains) {
  auto s = fs::createWriteStream(at("d"), {.highWaterMark = 100});
  int drains = 0;
  s->events().drain.on([&] { ++drains; });
  EXPECT_TRUE(s->write(Buffer::from(pattern(60))));
  EXPECT_FALSE(s->write(Buffer::from(pattern(60))));
  (void)s->end();
  loop.run();
  EXPECT_EQ(drains, 0) << "no drain once ending, as Node";
  auto t = fs::createWriteStream(at("e"), {.highWaterMark = 100});
  t->events().drain.on([&] {
    ++drains;
    (void)t->end();
  });
  EXPECT_FALSE(t->write(Buffer::from(pattern(150))));
  loop.run();
  EXPECT_EQ(drains, 1);
  EXPECT_EQ(readText(at("e")), pattern(150));
}

TEST_F(WriteStreamTest, CoAwaitWriteWaitsForRoom) {
  auto s = fs::createWriteStream(at("c"), {.highWaterMark = 1024});
  auto produce = [&]() -> Promise<> {
    for (std::size_t i = 0; i < 200; ++i) {
      co_await s->write(Buffer::from(pattern(700, i)));
      EXPECT_LE(s->writableLength(), 1024u + 700u);
    }
    co_await s->end();
  };
  Promise<> p = produce();
  loop.run();
  EXPECT_TRUE(p.isFulfilled());
  std::string expected;
  for (std::size_t i = 0; i < 200; ++i) expected += pattern(700, i);
  EXPECT_EQ(readText(at("c")), expected);
}

TEST_F(WriteStreamTest, PipelineCopiesAFileByteForByte) {
  const std::string content = pattern(3 * 1024 * 1024 + 12345);
  std::ofstream(at("src"), std::ios::binary) << content;
  const int before = openFdCount();
  auto src = fs::createReadStream(at("src"));
  auto dst = fs::createWriteStream(at("dst"));
  Promise<> p = stream::pipeline(src, dst);
  loop.run();
  EXPECT_TRUE(p.isFulfilled());
  EXPECT_EQ(src->bytesRead(), content.size());
  EXPECT_EQ(dst->bytesWritten(), content.size());
  EXPECT_TRUE(readText(at("dst")) == content) << "the copy differs";
  EXPECT_EQ(openFdCount(), before);
}

TEST_F(WriteStreamTest, AFastProducerIsHeldBackByTheFile) {
  constexpr std::size_t kChunk = 4096;
  constexpr std::size_t kChunks = 1000;
  std::size_t produced = 0;
  std::shared_ptr<fs::WriteStream> dst = fs::createWriteStream(at("slow"));
  std::uint64_t maxAhead = 0;
  auto src = stream::Readable<Buffer>::from([&]() -> std::optional<Buffer> {
    if (produced == kChunks) return std::nullopt;
    maxAhead = std::max<std::uint64_t>(maxAhead, produced * kChunk - dst->bytesWritten());
    return Buffer::from(pattern(kChunk, produced++));
  });
  Promise<> p = stream::pipeline(src, dst);
  loop.run();
  EXPECT_TRUE(p.isFulfilled());
  EXPECT_EQ(dst->bytesWritten(), kChunk * kChunks);
  // Both streams' buffers (16 KiB each) and the batch being written; never the whole 4 MB.
  EXPECT_LE(maxAhead, 12u * kChunk);
}

TEST_F(WriteStreamTest, OpenErrorsMatchNode) {
  std::ofstream(at("exists"), std::ios::binary) << "x";
  struct Case {
    std::string path;
    fs::WriteStreamOptions options;
    std::string code, message;
  };
  const std::vector<Case> cases = {
      {dir_, {}, "EISDIR", "EISDIR: illegal operation on a directory, open '" + dir_ + "'"},
      {at("no/such/dir"),
       {},
       "ENOENT",
       "ENOENT: no such file or directory, open '" + at("no/such/dir") + "'"},
      {at("exists"),
       {.flags = "wx"},
       "EEXIST",
       "EEXIST: file already exists, open '" + at("exists") + "'"},
  };
  for (const Case& c : cases) {
    auto s = fs::createWriteStream(c.path, c.options);
    Record r;
    record(s, r);
    bool writeFailed = false;
    (void)s->write(Buffer::from("data"), [&](std::exception_ptr e) { writeFailed = e != nullptr; });
    (void)s->end();
    loop.run();
    EXPECT_EQ(r.events, (Events{"error", "close"})) << c.path;
    ErrorFields e = fieldsOf(r.error);
    EXPECT_EQ(e.code, c.code);
    EXPECT_EQ(e.syscall, "open");
    EXPECT_EQ(e.path, c.path);
    EXPECT_EQ(e.message, c.message);
    EXPECT_TRUE(writeFailed) << c.path;
  }
  EXPECT_EQ(readText(at("exists")), "x");
}

TEST_F(WriteStreamTest, AnOpenErrorWithoutAutoCloseFailsTheHeldWriteAndDoesNotLeak) {
  std::weak_ptr<fs::WriteStream> weak;
  std::string writeCode;
  Record r;
  {
    auto s = fs::createWriteStream(dir_, {.autoClose = false});
    weak = s;
    record(s, r);
    (void)s->write(Buffer::from("x"), [&](std::exception_ptr e) { writeCode = fieldsOf(e).code; });
    loop.run();
  }
  // As Node: "error" without "close" (no autoClose); the held write fails with the error.
  EXPECT_EQ(r.events, (Events{"error"}));
  EXPECT_EQ(fieldsOf(r.error).code, "EISDIR");
  EXPECT_EQ(writeCode, "EISDIR");
  EXPECT_TRUE(weak.expired()) << "the stream must not keep itself alive";
}

TEST_F(WriteStreamTest, AWriteErrorIsReportedWithoutAPath) {
  if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  auto s = fs::createWriteStream("/dev/full");
  Record r;
  record(s, r);
  std::string writeCode;
  (void)s->write(Buffer::from("abc"), [&](std::exception_ptr e) { writeCode = fieldsOf(e).code; });
  (void)s->end();
  loop.run();
  EXPECT_EQ(r.events, (Events{"open", "ready", "error", "close"}));
  EXPECT_EQ(writeCode, "ENOSPC");
  ErrorFields e = fieldsOf(r.error);
  EXPECT_EQ(e.syscall, "write");
  EXPECT_EQ(e.path, "");
  EXPECT_EQ(e.message, "ENOSPC: no space left on device, write");
}

TEST_F(WriteStreamTest, AnInvalidFlagEmitsInvalidArgValue) {
  auto s = fs::createWriteStream(at("f"), {.flags = "wq"});
  Record r;
  record(s, r);
  loop.run();
  EXPECT_EQ(r.events, (Events{"error", "close"}));
  ErrorFields e = fieldsOf(r.error);
  EXPECT_EQ(e.name, "TypeError");
  EXPECT_EQ(e.message, "The argument 'flags' is invalid. Received 'wq'");
  EXPECT_FALSE(std::filesystem::exists(at("f")));
}

TEST_F(WriteStreamTest, DestroyDuringAWriteFailsItAndClosesTheDescriptorAfterIt) {
  ASSERT_EQ(::mkfifo(at("fifo").c_str(), 0600), 0);
  // The test holds the read end (so the stream's open does not block) and reads only after
  // destroy(): a write larger than the pipe is surely in flight, blocked on the pool thread.
  const int reader = ::open(at("fifo").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(reader, 0);
  ASSERT_EQ(::fcntl(reader, F_SETFL, 0), 0);  // blocking reads from here on
  const int before = openFdCount();
  auto s = fs::createWriteStream(at("fifo"));
  Record r;
  record(s, r);
  std::string writeCode;
  std::size_t drained = 0;
  std::thread drainer;
  s->events().open.once([&](int) {
    (void)s->write(Buffer::alloc(1 << 20),
                   [&](std::exception_ptr e) { writeCode = fieldsOf(e).code; });
    // The write starts in the ticks after "open"; an immediate runs after them.
    setImmediate([&] {
      s->destroy();
      EXPECT_GE(s->fd(), 0) << "the descriptor must stay open while the write runs";
      // Read everything until the stream closes its end (EOF), unblocking the write.
      drainer = std::thread([reader, &drained] {
        char buf[65536];
        while (true) {
          const ssize_t n = ::read(reader, buf, sizeof buf);
          if (n <= 0) break;
          drained += static_cast<std::size_t>(n);
        }
      });
    });
  });
  loop.run();
  if (drainer.joinable()) drainer.join();
  // As Node: the write in flight completes, fails with ERR_STREAM_DESTROYED, and that error
  // becomes the stream's; the descriptor is closed only after the write returned.
  EXPECT_EQ(drained, std::size_t{1} << 20);
  EXPECT_EQ(writeCode, "ERR_STREAM_DESTROYED");
  EXPECT_EQ(r.events, (Events{"open", "ready", "error", "close"}));
  EXPECT_EQ(fieldsOf(r.error).message, "Cannot call write after a stream was destroyed");
  EXPECT_EQ(s->bytesWritten(), 0u);
  EXPECT_EQ(openFdCount(), before);
  ::close(reader);
}

TEST_F(WriteStreamTest, DestroyBeforeTheOpenFailsHeldWritesAndClosesTheDescriptor) {
  const int before = openFdCount();
  auto s = fs::createWriteStream(at("early"));
  Record r;
  record(s, r);
  std::string writeCode;
  (void)s->write(Buffer::from("x"), [&](std::exception_ptr e) { writeCode = fieldsOf(e).code; });
  s->destroy();
  loop.run();
  EXPECT_EQ(writeCode, "ERR_STREAM_DESTROYED");
  EXPECT_EQ(r.events, (Events{"open", "ready", "close"}));
  EXPECT_EQ(openFdCount(), before);
}

TEST_F(WriteStreamTest, CloseEndsTheStreamAndCallsBackOnClose) {
  const int before = openFdCount();
  auto s = fs::createWriteStream(at("c"), {.autoClose = false});
  Record r;
  record(s, r);
  (void)s->write(Buffer::from("kept"));
  int called = 0;
  s->close([&] { ++called; });
  loop.run();
  EXPECT_EQ(r.events, (Events{"open", "ready", "finish", "close"}));
  EXPECT_EQ(called, 1);
  EXPECT_EQ(readText(at("c")), "kept");
  EXPECT_EQ(openFdCount(), before);
  s->close([&] { ++called; });  // already closed: called in a tick
  loop.run();
  EXPECT_EQ(called, 2);
}

TEST_F(WriteStreamTest, AutoCloseFalseKeepsTheDescriptorAfterFinish) {
  const int before = openFdCount();
  {
    auto s = fs::createWriteStream(at("k"), {.autoClose = false});
    Record r;
    record(s, r);
    (void)s->end(Buffer::from("x"));
    loop.run();
    EXPECT_EQ(r.events, (Events{"open", "ready", "finish"}));
    EXPECT_EQ(openFdCount(), before + 1);
  }
  // Released while open: the destructor closes it.
  EXPECT_EQ(openFdCount(), before);
}

TEST_F(WriteStreamTest, AbortingTheSignalDestroysWithAbortError) {
  AbortController ac;
  auto s = fs::createWriteStream(at("a"), {}, ac.signal());
  Record r;
  record(s, r);
  s->events().open.once([&](int) { ac.abort(); });
  loop.run();
  EXPECT_EQ(r.events, (Events{"open", "ready", "error", "close"}));
  EXPECT_EQ(fieldsOf(r.error).name, "AbortError");
}

TEST_F(WriteStreamTest, AStartPastNodesLimitThrowsRangeError) {
  std::string code;
  try {
    (void)fs::createWriteStream(at("x"), {.start = std::uint64_t{1} << 53});
  } catch (const SystemError& e) {
    code = std::string(e.code());
  }
  EXPECT_EQ(code, "ERR_OUT_OF_RANGE");
  EXPECT_FALSE(std::filesystem::exists(at("x")));
}

}  // namespace
}  // namespace nx
