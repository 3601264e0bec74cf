// SPDX-License-Identifier: MIT
#include "nodexx/web/send_file.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "nodexx/core/abort.hpp"
#include "nodexx/core/errors.hpp"
#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/fs/fs.hpp"
#include "nodexx/http/agent.hpp"
#include "nodexx/http/fetch.hpp"
#include "nodexx/http/incoming_message.hpp"
#include "nodexx/http/server.hpp"
#include "nodexx/http/server_response.hpp"
#include "nodexx/web/errors.hpp"
#include "nodexx/web/etag.hpp"
#include "nodexx/web/fresh.hpp"
#include "nodexx/web/testdata/files_oracle/oracle.hpp"

namespace nx::web {
namespace {

using namespace std::chrono_literals;
namespace stdfs = std::filesystem;

struct Reply {
  int status = 0;
  http::Headers headers;
  std::string body;
  std::string header(std::string_view name) const {
    return std::string(headers.get(name).value_or(""));
  }
  std::string code() const { return header("x-error-code"); }
};

using nx::web::testing::openDescriptorsOf;
using nx::web::testing::writeFile;

class SendFileTest : public nx::testing::FreshLoop {
 protected:
  void SetUp() override {
    dir = nx::web::testing::freshTestDir("nx_send_file");
    writeFile(dir / "hello.txt", "hello world");
    writeFile(dir / "page.html", "<p>hi</p>");
    writeFile(dir / "data.json", "{\"a\":1}");
    writeFile(dir / "blob.nxunknown", "xyz");
    writeFile(dir / "empty.txt", "");
    writeFile(dir / ".secret", "token");
    writeFile(dir / ".hidden/inside.txt", "inside");
    writeFile(dir / "sub/index.html", "<h1>index</h1>");
    writeFile(dir / "sub/nested.txt", "nested");
    writeFile(dir / "100%.txt", "percent");
    stdfs::create_directories(dir / "emptydir");
    root = dir.string();
  }
  void TearDown() override {
    agent.destroy();
    loop.run();
    stdfs::remove_all(dir);
  }

  Promise<> handle(http::IncomingMessage& req, http::ServerResponse& res) {
    int status = 0;
    std::string code;
    try {
      co_await sendFile(req, res, target, options);
    } catch (const HttpError& e) {
      status = e.status();
      code = std::string(e.code());
    } catch (const SystemError& e) {
      status = 500;
      code = std::string(e.code());
    }
    ++handled;
    if (status != 0) {
      res.statusCode = status;
      res.setHeader("X-Error-Code", code);
      res.end();
    }
  }

  /// One request through a real server whose handler calls web::sendFile(target, options).
  Reply run(std::string method = "GET", http::Headers headers = {}) {
    http::Server server(
        [this](http::IncomingMessage& req, http::ServerResponse& res) { return handle(req, res); });
    Reply out;
    auto task = [](http::Server& s, http::Agent& a, std::string m, http::Headers h,
                   Reply& r) -> Promise<> {
      co_await s.listen(0, "127.0.0.1");
      http::FetchInit init;
      init.method = m;
      init.headers = h;
      init.decompress = false;
      init.agent = &a;
      auto res =
          co_await http::fetch("http://127.0.0.1:" + std::to_string(s.address().port) + "/", init);
      r.status = res.status();
      r.headers = res.headers();
      r.body = co_await res.text();
      a.destroy();
      co_await s.close(2000ms);
    };
    Promise<> p = task(server, agent, std::move(method), std::move(headers), out);
    loop.run();
    EXPECT_FALSE(p.isPending());
    EXPECT_FALSE(p.isRejected());
    return out;
  }

  std::string abs(std::string_view name) const { return (dir / name).string(); }

  stdfs::path dir;
  std::string root;
  std::string target;
  SendFileOptions options;
  int handled = 0;
  http::Agent agent;
};

TEST_F(SendFileTest, ServesFileWithValidatorsTypeAndCacheControl) {
  target = abs("hello.txt");
  const Reply r = run();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello world");
  EXPECT_EQ(r.header("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(r.header("content-length"), "11");
  EXPECT_EQ(r.header("accept-ranges"), "bytes");
  EXPECT_EQ(r.header("cache-control"), "public, max-age=0");
  // The ETag is the weak size-mtime tag of the file's stat.
  EXPECT_TRUE(r.header("etag").starts_with("W/\"b-")) << r.header("etag");
  EXPECT_TRUE(parseHttpDate(r.header("last-modified")).has_value()) << r.header("last-modified");
  EXPECT_EQ(handled, 1);
}

TEST_F(SendFileTest, ContentTypeComesFromTheExtension) {
  target = abs("page.html");
  EXPECT_EQ(run().header("content-type"), "text/html; charset=utf-8");
  target = abs("data.json");
  EXPECT_EQ(run().header("content-type"), "application/json; charset=utf-8");
  target = abs("blob.nxunknown");
  EXPECT_EQ(run().header("content-type"), "application/octet-stream");
}

TEST_F(SendFileTest, EmptyFileHasZeroLength) {
  target = abs("empty.txt");
  const Reply r = run();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-length"), "0");
  EXPECT_EQ(r.body, "");
}

TEST_F(SendFileTest, IfNoneMatchWithTheETagGives304WithoutContentFields) {
  target = abs("hello.txt");
  const std::string tag = run().header("etag");
  const Reply r = run("GET", {{"If-None-Match", tag}});
  EXPECT_EQ(r.status, 304);
  EXPECT_EQ(r.body, "");
  EXPECT_FALSE(r.headers.has("content-type"));
  EXPECT_FALSE(r.headers.has("content-length"));
  EXPECT_EQ(r.header("etag"), tag);
  EXPECT_EQ(run("GET", {{"If-None-Match", "\"other\""}}).status, 200);
}

TEST_F(SendFileTest, IfModifiedSinceGives304UnlessNoCache) {
  target = abs("hello.txt");
  const std::string lm = run().header("last-modified");
  EXPECT_EQ(run("GET", {{"If-Modified-Since", lm}}).status, 304);
  EXPECT_EQ(run("GET", {{"If-Modified-Since", lm}, {"Cache-Control", "no-cache"}}).status, 200);
  EXPECT_EQ(run("GET", {{"If-Modified-Since", "Thu, 01 Jan 1970 00:00:00 GMT"}}).status, 200);
}

TEST_F(SendFileTest, FailedPreconditionsGive412) {
  target = abs("hello.txt");
  const std::string tag = run().header("etag");
  Reply r = run("GET", {{"If-Match", "\"nope\""}});
  EXPECT_EQ(r.status, 412);
  EXPECT_EQ(r.code(), "precondition_failed");
  EXPECT_EQ(run("GET", {{"If-Match", "*"}}).status, 200);
  EXPECT_EQ(run("GET", {{"If-Match", "\"x\", " + tag}}).status, 200);
  r = run("GET", {{"If-Unmodified-Since", "Thu, 01 Jan 1970 00:00:00 GMT"}});
  EXPECT_EQ(r.status, 412);
  EXPECT_EQ(run("GET", {{"If-Unmodified-Since", "Fri, 31 Dec 9999 23:59:59 GMT"}}).status, 200);
}

TEST_F(SendFileTest, SingleRangeGives206WithContentRange) {
  target = abs("hello.txt");
  Reply r = run("GET", {{"Range", "bytes=0-4"}});
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body, "hello");
  EXPECT_EQ(r.header("content-range"), "bytes 0-4/11");
  EXPECT_EQ(r.header("content-length"), "5");
  r = run("GET", {{"Range", "bytes=-5"}});
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body, "world");
  r = run("GET", {{"Range", "bytes=6-"}});
  EXPECT_EQ(r.body, "world");
  EXPECT_EQ(r.header("content-range"), "bytes 6-10/11");
  // Overlapping ranges combine into one.
  r = run("GET", {{"Range", "bytes=0-2,1-4"}});
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body, "hello");
}

TEST_F(SendFileTest, SeveralOrMalformedRangesGiveTheWholeFile) {
  target = abs("hello.txt");
  Reply r = run("GET", {{"Range", "bytes=0-1,5-6"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello world");
  EXPECT_FALSE(r.headers.has("content-range"));
  EXPECT_EQ(run("GET", {{"Range", "bytes=x-y"}}).status, 200);
  EXPECT_EQ(run("GET", {{"Range", "items=0-1"}}).status, 200);
}

TEST_F(SendFileTest, UnsatisfiableRangeGives416WithStarContentRange) {
  target = abs("hello.txt");
  const Reply r = run("GET", {{"Range", "bytes=50-60"}});
  EXPECT_EQ(r.status, 416);
  EXPECT_EQ(r.code(), "range_not_satisfiable");
  EXPECT_EQ(r.header("content-range"), "bytes */11");
}

TEST_F(SendFileTest, IfRangeHonoursTheRangeOnlyWhileTheValidatorMatches) {
  target = abs("hello.txt");
  const Reply first = run();
  const std::string tag = first.header("etag");
  EXPECT_EQ(run("GET", {{"Range", "bytes=0-4"}, {"If-Range", tag}}).status, 206);
  EXPECT_EQ(run("GET", {{"Range", "bytes=0-4"}, {"If-Range", "\"stale\""}}).status, 200);
  EXPECT_EQ(
      run("GET", {{"Range", "bytes=0-4"}, {"If-Range", first.header("last-modified")}}).status,
      206);
  EXPECT_EQ(
      run("GET", {{"Range", "bytes=0-4"}, {"If-Range", "Thu, 01 Jan 1970 00:00:00 GMT"}}).status,
      200);
}

TEST_F(SendFileTest, RangesCanBeTurnedOff) {
  target = abs("hello.txt");
  options.acceptRanges = false;
  const Reply r = run("GET", {{"Range", "bytes=0-4"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_FALSE(r.headers.has("accept-ranges"));
}

TEST_F(SendFileTest, HeadSendsTheHeadOnly) {
  target = abs("hello.txt");
  const Reply r = run("HEAD");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(r.header("content-length"), "11");
  EXPECT_TRUE(r.headers.has("etag"));
}

TEST_F(SendFileTest, CacheOptionsAndExtraHeaders) {
  target = abs("hello.txt");
  options.maxAge = 3600500ms;
  options.immutable = true;
  const HeaderField extra[] = {{"X-Extra", "1"}, {"Content-Type", "text/x-custom"}};
  options.headers = extra;
  Reply r = run();
  EXPECT_EQ(r.header("cache-control"), "public, max-age=3600, immutable");
  EXPECT_EQ(r.header("x-extra"), "1");
  EXPECT_EQ(r.header("content-type"), "text/x-custom");

  options = {};
  options.maxAge = std::chrono::milliseconds(100LL * 365 * 24 * 3600 * 1000);
  EXPECT_EQ(run().header("cache-control"), "public, max-age=31536000");
  options = {};
  options.cacheControl = false;
  options.etag = false;
  options.lastModified = false;
  r = run();
  EXPECT_FALSE(r.headers.has("cache-control"));
  EXPECT_FALSE(r.headers.has("etag"));
  EXPECT_FALSE(r.headers.has("last-modified"));
}

TEST_F(SendFileTest, MissingFileAndDirectoryAre404) {
  target = abs("nope.txt");
  Reply r = run();
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.code(), "not_found");
  target = abs("emptydir");
  EXPECT_EQ(run().status, 404);
  target = abs("hello.txt/");
  EXPECT_EQ(run().status, 404);
  target = abs("hello.txt/x");
  EXPECT_EQ(run().status, 404);  // ENOTDIR
}

TEST_F(SendFileTest, TrailingSlashServesTheIndexFile) {
  target = abs("sub") + "/";
  const Reply r = run();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "<h1>index</h1>");
  target = abs("emptydir") + "/";
  EXPECT_EQ(run().status, 404);
}

TEST_F(SendFileTest, DotfilesPolicy) {
  target = abs(".secret");
  EXPECT_EQ(run().status, 404);
  options.dotfiles = Dotfiles::Deny;
  Reply r = run();
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.code(), "forbidden");
  options.dotfiles = Dotfiles::Allow;
  EXPECT_EQ(run().body, "token");
  options = {};
  target = abs(".hidden/inside.txt");
  EXPECT_EQ(run().status, 404);
  // The root itself may contain dot segments; only the path below it is checked.
  writeFile(dir / ".cfg/visible.txt", "v");
  const std::string dotRoot = (dir / ".cfg").string();
  options.root = dotRoot;
  target = "visible.txt";
  EXPECT_EQ(run().body, "v");
  options.root = root;
  target = ".cfg/visible.txt";
  EXPECT_EQ(run().status, 404);
}

TEST_F(SendFileTest, RootKeepsPathsInside) {
  options.root = root;
  target = "hello.txt";
  EXPECT_EQ(run().body, "hello world");
  target = "/sub/nested.txt";  // absolute below a root is relative to it, as in send
  EXPECT_EQ(run().body, "nested");
  // sendFile paths are file names, not URLs: a '%' is literal.
  target = "100%.txt";
  EXPECT_EQ(run().body, "percent");

  struct Case {
    std::string path;
    int status;
    std::string code;
  };
  const std::vector<Case> hostile = {
      {"../hello.txt", 403, "forbidden"},
      {"sub/../../hello.txt", 403, "forbidden"},
      {"/../hello.txt", 403, "forbidden"},
      {"..", 403, "forbidden"},
      {"sub/..", 404, "not_found"},  // normalises to the root: a directory
      {"..\\hello.txt", 403, "forbidden"},
      {"%2e%2e/hello.txt", 404, "not_found"},
      {"..%2fhello.txt", 404, "not_found"},
      {std::string("hello.txt\0.png", 14), 400, "bad_path"},
      {std::string("\0", 1), 400, "bad_path"},
      {"sub/./../hello.txt", 200, ""},
      {"./hello.txt", 200, ""},
      {"//hello.txt", 200, ""},
      {std::string(5000, 'a'), 404, "not_found"},  // ENAMETOOLONG
  };
  for (const Case& c : hostile) {
    target = c.path;
    const Reply r = run();
    EXPECT_EQ(r.status, c.status) << c.path;
    EXPECT_EQ(r.code(), c.code) << c.path;
  }
}

TEST_F(SendFileTest, PathWithoutRootMustBeAbsoluteAndWithoutUpSegments) {
  target = "hello.txt";
  Reply r = run();
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.code(), "ERR_INVALID_ARG_VALUE");
  target = "";
  EXPECT_EQ(run().code(), "ERR_INVALID_ARG_VALUE");
  target = abs("sub/../hello.txt");
  r = run();
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.code(), "forbidden");
}

TEST_F(SendFileTest, LargeFileArrivesWhole) {
  std::string big(5 * 1024 * 1024 + 123, '\0');
  for (std::size_t i = 0; i < big.size(); ++i)
    big[i] = static_cast<char>('a' + (i * 7 + i / 4096) % 26);
  writeFile(dir / "big.bin", big);
  target = abs("big.bin");
  Reply r = run();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.size(), big.size());
  EXPECT_TRUE(r.body == big);
  r = run("GET", {{"Range", "bytes=1000000-3999999"}});
  EXPECT_EQ(r.status, 206);
  EXPECT_TRUE(r.body == big.substr(1000000, 3000000));
}

TEST_F(SendFileTest, ClientAbortClosesTheFile) {
  // Large enough that the response cannot sit in socket buffers when the client leaves.
  const stdfs::path file = dir / "huge.bin";
  {
    std::ofstream f(file, std::ios::binary);
    f.seekp(256 * 1024 * 1024 - 1);
    f.put('x');
  }
  target = file.string();
  http::Server server(
      [this](http::IncomingMessage& req, http::ServerResponse& res) { return handle(req, res); });
  int openWhileStreaming = -1;
  auto task = [](http::Server& s, http::Agent& a, const stdfs::path& f, int& during) -> Promise<> {
    co_await s.listen(0, "127.0.0.1");
    AbortController controller;
    http::FetchInit init;
    init.agent = &a;
    init.signal = controller.signal();
    init.maxResponseBytes = 0;
    auto res =
        co_await http::fetch("http://127.0.0.1:" + std::to_string(s.address().port) + "/", init);
    auto body = res.body();
    auto chunk = co_await body->read();
    EXPECT_TRUE(chunk.has_value());
    during = openDescriptorsOf(f);
    controller.abort();
    a.destroy();
    co_await s.close(5000ms);
  };
  Promise<> p = task(server, agent, file, openWhileStreaming);
  loop.run();
  EXPECT_FALSE(p.isPending());
  EXPECT_EQ(openWhileStreaming, 1);
  EXPECT_EQ(handled, 1);  // the handler's sendFile settled (resolved: an abort is not an error)
  EXPECT_EQ(openDescriptorsOf(file), 0);
}

// ---- The engine against a scripted exchange: backpressure and memory -------------------------

class ScriptedExchange final : public detail::FileExchange {
 public:
  std::string_view method() const noexcept override { return "GET"; }
  std::optional<std::string_view> requestHeader(std::string_view) const noexcept override {
    return std::nullopt;
  }
  std::optional<std::string_view> getHeader(std::string_view name) const noexcept override {
    return headers.get(name);
  }
  void setHeader(std::string_view name, std::string_view value) override {
    headers.set(name, value);
  }
  void removeHeader(std::string_view name) override { headers.remove(name); }
  int statusCode() const noexcept override { return status; }
  void setStatus(int s) override { status = s; }
  bool headersSent() const noexcept override { return false; }
  Promise<> write(Buffer chunk) override {
    received += chunk.size();
    ++writes;
    pending = Promise<>::withResolvers();
    return pending->promise;
  }
  void end() override { ended = true; }
  bool aborted() const noexcept override { return gone; }

  http::Headers headers;
  int status = 200;
  std::uint64_t received = 0;
  int writes = 0;
  bool ended = false;
  bool gone = false;
  std::optional<Promise<>::Resolvers> pending;
};

TEST_F(SendFileTest, EngineWaitsForDrainBeforeReadingMore) {
  const stdfs::path file = dir / "sparse.bin";
  {
    std::ofstream f(file, std::ios::binary);
    f.seekp(64 * 1024 * 1024 - 1);
    f.put('x');
  }
  ScriptedExchange ex;
  const detail::SendSettings settings = detail::SendSettings::from({});
  Promise<detail::SendOutcome> p = detail::sendPath(ex, file.string(), false, settings);
  // The stat, the open and the first reads run until the loop has nothing left to do: the
  // engine waits on its first unfinished write and the file stream stops at its high-water
  // mark, so the loop empties instead of reading the whole 64 MiB.
  loop.run();
  ASSERT_TRUE(p.isPending());
  EXPECT_EQ(ex.writes, 1);
  EXPECT_EQ(ex.received, 64u * 1024);
  EXPECT_EQ(openDescriptorsOf(file), 1);
  // Each drained write lets exactly one more chunk through.
  for (int k = 0; k < 5; ++k) {
    const int before = ex.writes;
    ex.pending->resolve();
    loop.run();
    EXPECT_EQ(ex.writes, before + 1);
    EXPECT_EQ(ex.received, std::uint64_t(before + 1) * 64 * 1024);
  }
  // The client goes away: the engine stops, closes the file and settles without an error.
  ex.gone = true;
  ex.pending->resolve();
  loop.run();
  ASSERT_FALSE(p.isPending());
  ASSERT_FALSE(p.isRejected());
  EXPECT_EQ(ex.writes, 6);
  EXPECT_FALSE(ex.ended);
  EXPECT_EQ(openDescriptorsOf(file), 0);
}

}  // namespace
}  // namespace nx::web
