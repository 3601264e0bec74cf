// SPDX-License-Identifier: MIT
#include "nodexx/fs/fs.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "nodexx/core/errors.hpp"
#include "nodexx/core/internal/node_runner.hpp"
#include "nodexx/core/loop.hpp"
#include "nodexx/fs/internal/test_support.hpp"

namespace nx {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

/// The rejection of `p`, or nullptr if it fulfilled.
template <class T>
Promise<std::exception_ptr> errorOf(Promise<T> p) {
  try {
    co_await std::move(p);
  } catch (...) {
    co_return std::current_exception();
  }
  co_return nullptr;
}

using nx::testing::ErrorFields;
using nx::testing::fieldsOf;

std::string readText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void writeText(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

/// Runs `js` with node and returns its stdout, or nullopt if node is not installed.
std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::string::size_type start = 0;
  for (;;) {
    auto end = s.find(sep, start);
    parts.push_back(s.substr(start, end - start));
    if (end == std::string::npos) return parts;
    start = end + 1;
  }
}

/// Each test gets a fresh loop and an empty temporary directory.
class FsTest : public ::testing::Test {
 protected:
  FsTest() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "nx-fs-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
  }
  ~FsTest() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::string at(const std::string& name) const { return dir_ + "/" + name; }

  /// Runs the coroutine `body` returns on the fixture's loop until the loop is empty and
  /// expects it to have fulfilled. `body` lives in this frame, so its captures outlive run().
  template <class F>
  void runAsync(F body) {
    Promise<> p = body();
    run();
    EXPECT_TRUE(p.isFulfilled()) << (p.isRejected() ? describe(p.state()->error)
                                                    : std::string("still pending"));
  }

  Loop loop_;
  LoopScope scope_{loop_};
  std::string dir_;
};

TEST_F(FsTest, TextRoundTrip) {
  runAsync([&]() -> Promise<> {
    co_await fs::writeFile(at("a.txt"), std::string("héllo\n"));
    EXPECT_EQ(co_await fs::readFile(at("a.txt"), Encoding::Utf8), "héllo\n");
    Buffer b = co_await fs::readFile(at("a.txt"));
    EXPECT_EQ(b.byteView(), "héllo\n");
    EXPECT_EQ(co_await fs::readFile(at("a.txt"), Encoding::Hex), "68c3a96c6c6f0a");
  });
  EXPECT_EQ(readText(at("a.txt")), "héllo\n");
}

TEST_F(FsTest, BinaryRoundTripOfEveryByteAndALargeFile) {
  Buffer all = Buffer::alloc(256);
  for (std::size_t i = 0; i < 256; ++i) all[i] = static_cast<std::uint8_t>(i);
  Buffer big = Buffer::allocUnsafe(3 * 1024 * 1024 + 17);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<std::uint8_t>(i * 131 + 7);
  runAsync([&]() -> Promise<> {
    co_await fs::writeFile(at("all.bin"), all);
    co_await fs::writeFile(at("big.bin"), big);
    EXPECT_EQ(co_await fs::readFile(at("all.bin")), all);
    EXPECT_EQ(co_await fs::readFile(at("big.bin")), big);
    // Invalid UTF-8 decodes to U+FFFD, as Node's readFile(path, 'utf8').
    EXPECT_EQ(co_await fs::readFile(at("all.bin"), Encoding::Utf8),
              (co_await fs::readFile(at("all.bin"))).toString());
  });
}

TEST_F(FsTest, EmptyFileReadsAsEmptyBuffer) {
  writeText(at("empty"), "");
  runAsync([&]() -> Promise<> {
    Buffer b = co_await fs::readFile(at("empty"));
    EXPECT_EQ(b.size(), 0u);
    EXPECT_EQ(co_await fs::readFile(at("empty"), Encoding::Utf8), "");
  });
}

TEST_F(FsTest, WriteFileTruncatesAndAppendFileAppends) {
  runAsync([&]() -> Promise<> {
    co_await fs::appendFile(at("log"), std::string("one\n"));  // creates the file
    co_await fs::appendFile(at("log"), Buffer::from("two\n"));
    co_await fs::appendFile(at("log"), std::string("three\n"), {.mode = 0600});  // still "a"
    co_await fs::writeFile(at("log"), std::string("four\n"), {.flag = "a"});
    EXPECT_EQ(co_await fs::readFile(at("log"), Encoding::Utf8), "one\ntwo\nthree\nfour\n");
    co_await fs::writeFile(at("log"), std::string("new"));
    EXPECT_EQ(co_await fs::readFile(at("log"), Encoding::Utf8), "new");
  });
}

TEST_F(FsTest, WxFailsWithEexistAndKeepsTheFile) {
  writeText(at("f"), "keep");
  runAsync([&]() -> Promise<> {
    auto err = fieldsOf(co_await errorOf(fs::writeFile(at("f"), std::string("x"), {.flag = "wx"})));
    EXPECT_EQ(err.code, "EEXIST");
    EXPECT_EQ(err.syscall, "open");
    EXPECT_EQ(err.path, at("f"));
    EXPECT_EQ(err.message, "EEXIST: file already exists, open '" + at("f") + "'");
    co_await fs::writeFile(at("g"), std::string("new"), {.flag = "wx"});
  });
  EXPECT_EQ(readText(at("f")), "keep");
  EXPECT_EQ(readText(at("g")), "new");
}

TEST_F(FsTest, WriteFileAppliesModeToANewFile) {
  const mode_t mask = ::umask(022);
  runAsync([&]() -> Promise<> {
    co_await fs::writeFile(at("secret"), std::string("s"), {.mode = 0640});
    fs::Stats s = co_await fs::stat(at("secret"));
    EXPECT_EQ(s.mode & 0777, 0640u);
  });
  ::umask(mask);
}

TEST_F(FsTest, InvalidArgumentsRejectLikeNode) {
  runAsync([&]() -> Promise<> {
    auto flag =
        fieldsOf(co_await errorOf(fs::writeFile(at("f"), std::string("x"), {.flag = "zz"})));
    EXPECT_EQ(flag.name, "TypeError");
    EXPECT_EQ(flag.code, "ERR_INVALID_ARG_VALUE");
    EXPECT_EQ(flag.message, "The argument 'flags' is invalid. Received 'zz'");
    auto nul = fieldsOf(co_await errorOf(fs::readFile(std::string("a\0b", 3))));
    EXPECT_EQ(nul.code, "ERR_INVALID_ARG_VALUE");
    EXPECT_EQ(nul.message,
              "The argument 'path' must be a string, Uint8Array, or URL without null bytes. "
              "Received 'a\\x00b'");
    auto mode = fieldsOf(co_await errorOf(fs::access(at("f"), 8)));
    EXPECT_EQ(mode.name, "RangeError");
    EXPECT_EQ(mode.code, "ERR_OUT_OF_RANGE");
  });
  EXPECT_FALSE(std::filesystem::exists(at("f")));
}

TEST_F(FsTest, StatReportsTheFileWritten) {
  runAsync([&]() -> Promise<> {
    co_await fs::writeFile(at("f"), std::string(1234, 'x'));
    co_await fs::mkdir(at("d"));
    fs::Stats s = co_await fs::stat(at("f"));
    struct stat st {};
    EXPECT_EQ(::stat(at("f").c_str(), &st), 0);
    EXPECT_EQ(s.size, 1234u);
    EXPECT_TRUE(s.isFile());
    EXPECT_FALSE(s.isDirectory());
    EXPECT_FALSE(s.isSymbolicLink());
    EXPECT_EQ(s.ino, st.st_ino);
    EXPECT_EQ(s.dev, st.st_dev);
    EXPECT_EQ(s.mode, st.st_mode);
    EXPECT_EQ(s.nlink, 1u);
    EXPECT_EQ(s.uid, ::getuid());
    EXPECT_EQ(s.gid, st.st_gid);
    EXPECT_EQ(s.blocks, static_cast<std::uint64_t>(st.st_blocks));
    EXPECT_DOUBLE_EQ(s.mtimeMs, st.st_mtim.tv_sec * 1e3 + st.st_mtim.tv_nsec / 1e6);
    EXPECT_GT(s.mtimeMs, 1.6e12);  // after 2020: a plausible wall-clock time in ms
    EXPECT_TRUE((co_await fs::stat(at("d"))).isDirectory());

    EXPECT_EQ(::symlink("f", at("link").c_str()), 0);
    EXPECT_TRUE((co_await fs::lstat(at("link"))).isSymbolicLink());
    fs::Stats followed = co_await fs::stat(at("link"));
    EXPECT_TRUE(followed.isFile());
    EXPECT_EQ(followed.ino, s.ino);
  });
}

TEST_F(FsTest, MkdirReturnsTheFirstDirectoryCreated) {
  writeText(at("file"), "x");
  runAsync([&]() -> Promise<> {
    EXPECT_EQ(co_await fs::mkdir(at("plain")), std::nullopt);
    EXPECT_EQ(co_await fs::mkdir(at("a/b/c"), {.recursive = true}), at("a"));
    EXPECT_EQ(co_await fs::mkdir(at("a/b/c"), {.recursive = true}), std::nullopt);
    EXPECT_EQ(co_await fs::mkdir(at("a/x/"), {.recursive = true}), at("a/x/"));  // as Node
    EXPECT_EQ(co_await fs::mkdir(at("a/y/z/"), {.recursive = true}), at("a/y"));
    EXPECT_TRUE((co_await fs::stat(at("a/b/c"))).isDirectory());

    auto exists = fieldsOf(co_await errorOf(fs::mkdir(at("plain"))));
    EXPECT_EQ(exists.message, "EEXIST: file already exists, mkdir '" + at("plain") + "'");
    auto underFile = fieldsOf(co_await errorOf(fs::mkdir(at("file/x/y"), {.recursive = true})));
    EXPECT_EQ(underFile.code, "ENOTDIR");
    EXPECT_EQ(underFile.path, at("file/x/y"));
    auto onFile = fieldsOf(co_await errorOf(fs::mkdir(at("file"), {.recursive = true})));
    EXPECT_EQ(onFile.code, "EEXIST");
  });
}

TEST_F(FsTest, ReaddirListsNamesSortedAndTypes) {
  writeText(at("b.txt"), "");
  writeText(at("A.txt"), "");
  std::filesystem::create_directory(at("sub"));
  EXPECT_EQ(::symlink("b.txt", at("link").c_str()), 0);
  EXPECT_EQ(::mkfifo(at("pipe").c_str(), 0600), 0);
  runAsync([&]() -> Promise<> {
    EXPECT_THAT(co_await fs::readdir(dir_), ElementsAre("A.txt", "b.txt", "link", "pipe", "sub"));
    std::vector<fs::Dirent> d = co_await fs::readdir(dir_, fs::withFileTypes);
    EXPECT_EQ(d.size(), 5u);
    if (d.size() != 5) co_return;
    EXPECT_EQ(d[0].name, "A.txt");
    EXPECT_EQ(d[0].parentPath, dir_);
    EXPECT_TRUE(d[0].isFile());
    EXPECT_TRUE(d[2].isSymbolicLink());
    EXPECT_TRUE(d[3].isFIFO());
    EXPECT_TRUE(d[4].isDirectory());
    EXPECT_TRUE((co_await fs::readdir(at("sub"))).empty());
  });
}

TEST_F(FsTest, RmRemovesFilesAndTreesAndHonoursForce) {
  std::filesystem::create_directories(at("tree/a/b"));
  writeText(at("tree/a/b/f"), "x");
  writeText(at("tree/g"), "y");
  writeText(at("outside"), "z");
  EXPECT_EQ(::symlink(at("outside").c_str(), at("tree/link").c_str()), 0);
  writeText(at("file"), "x");
  runAsync([&]() -> Promise<> {
    co_await fs::rm(at("file"));
    auto dir = fieldsOf(co_await errorOf(fs::rm(at("tree"))));
    EXPECT_EQ(dir.code, "ERR_FS_EISDIR");
    EXPECT_EQ(dir.message,
              "Path is a directory: rm returned EISDIR (is a directory) " + at("tree"));
    co_await fs::rm(at("tree"), {.recursive = true});
    auto missing = fieldsOf(co_await errorOf(fs::rm(at("tree"))));
    EXPECT_EQ(missing.code, "ENOENT");
    EXPECT_EQ(missing.syscall, "lstat");
    co_await fs::rm(at("tree"), {.recursive = true, .force = true});
  });
  EXPECT_FALSE(std::filesystem::exists(at("file")));
  EXPECT_FALSE(std::filesystem::exists(at("tree")));
  EXPECT_EQ(readText(at("outside")), "z");  // the link was removed, not followed
}

TEST_F(FsTest, RenameMovesAndReportsBothPaths) {
  writeText(at("from"), "data");
  runAsync([&]() -> Promise<> {
    co_await fs::rename(at("from"), at("to"));
    auto err = fieldsOf(co_await errorOf(fs::rename(at("from"), at("to2"))));
    EXPECT_EQ(err.code, "ENOENT");
    EXPECT_EQ(err.path, at("from"));
    EXPECT_EQ(err.message, "ENOENT: no such file or directory, rename '" + at("from") + "' -> '" +
                               at("to2") + "'");
  });
  EXPECT_EQ(readText(at("to")), "data");
  EXPECT_FALSE(std::filesystem::exists(at("from")));
}

TEST_F(FsTest, UnlinkAndAccess) {
  writeText(at("f"), "x");
  runAsync([&]() -> Promise<> {
    co_await fs::access(at("f"));
    co_await fs::access(at("f"), fs::kROk | fs::kWOk);
    co_await fs::unlink(at("f"));
    auto err = fieldsOf(co_await errorOf(fs::access(at("f"))));
    EXPECT_EQ(err.message, "ENOENT: no such file or directory, access '" + at("f") + "'");
    auto again = fieldsOf(co_await errorOf(fs::unlink(at("f"))));
    EXPECT_EQ(again.syscall, "unlink");
    EXPECT_EQ(again.code, "ENOENT");
  });
}

TEST_F(FsTest, MkdtempCreatesAUniqueDirectory) {
  runAsync([&]() -> Promise<> {
    std::string a = co_await fs::mkdtemp(at("tmp-"));
    std::string b = co_await fs::mkdtemp(at("tmp-"));
    EXPECT_THAT(a, StartsWith(at("tmp-")));
    EXPECT_EQ(a.size(), at("tmp-").size() + 6);
    EXPECT_NE(a, b);
    EXPECT_TRUE((co_await fs::stat(a)).isDirectory());
    auto err = fieldsOf(co_await errorOf(fs::mkdtemp(at("missing/tmp-"))));
    EXPECT_EQ(err.code, "ENOENT");
    EXPECT_EQ(err.syscall, "mkdtemp");
    EXPECT_EQ(err.path.size(), at("missing/tmp-").size() + 6);
    EXPECT_THAT(err.path, ::testing::Not(HasSubstr("XXXXXX")));
  });
}

TEST_F(FsTest, ReadsFilesThatReportSizeZero) {
  runAsync([&]() -> Promise<> {
    std::string status = co_await fs::readFile("/proc/self/status", Encoding::Utf8);
    EXPECT_THAT(status, StartsWith("Name:"));
  });
}

TEST_F(FsTest, ReadsAPipeInChunksToEof) {
  ASSERT_EQ(::mkfifo(at("fifo").c_str(), 0600), 0);
  const std::string payload(200 * 1024 + 5, 'p');
  std::thread writer([&] {
    int fd = ::open(at("fifo").c_str(), O_WRONLY);  // blocks until readFile opens it
    if (fd < 0) return;
    std::size_t done = 0;
    while (done < payload.size()) {
      ssize_t n = ::write(fd, payload.data() + done, payload.size() - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    ::close(fd);
  });
  runAsync([&]() -> Promise<> {
    Buffer b = co_await fs::readFile(at("fifo"));
    EXPECT_EQ(b.size(), payload.size());
    EXPECT_EQ(b.byteView(), payload);
  });
  writer.join();
}

TEST_F(FsTest, ReadFileRejectsFilesOver2GiB) {
  {
    int fd = ::open(at("huge").c_str(), O_CREAT | O_WRONLY, 0600);
    ASSERT_GE(fd, 0);
    // Sparse: no disk space is used.
    ASSERT_EQ(::ftruncate(fd, off_t{3} << 30), 0);
    ::close(fd);
  }
  runAsync([&]() -> Promise<> {
    auto err = fieldsOf(co_await errorOf(fs::readFile(at("huge"))));
    EXPECT_EQ(err.name, "RangeError");
    EXPECT_EQ(err.code, "ERR_FS_FILE_TOO_LARGE");
    EXPECT_EQ(err.message, "File size (3221225472) is greater than 2 GiB");
  });
}

TEST_F(FsTest, HundredConcurrentReadsAllResolve) {
  constexpr int kFiles = 100;
  for (int i = 0; i < kFiles; ++i) writeText(at("f" + std::to_string(i)), std::to_string(i * i));
  int ok = 0;
  runAsync([&]() -> Promise<> {
    std::vector<Promise<std::string>> reads;
    for (int i = 0; i < kFiles; ++i) {
      reads.push_back(fs::readFile(at("f" + std::to_string(i)), Encoding::Utf8));
    }
    for (int i = 0; i < kFiles; ++i) {
      if (co_await reads[static_cast<std::size_t>(i)] == std::to_string(i * i)) ++ok;
    }
  });
  EXPECT_EQ(ok, kFiles);
}

// The same failures through Node's fs/promises and ours: name, code, syscall, message and path
// must be identical.
TEST_F(FsTest, ErrorsMatchNode) {
  writeText(at("file"), "x");
  std::filesystem::create_directory(at("dir"));
  struct Case {
    std::string js;
    std::function<Promise<std::exception_ptr>()> ours;
    bool nodeOnlyFields = false;  // Node's SystemError also has name "SystemError" and syscall
  };
  const std::string P = dir_;
  const std::vector<Case> cases = {
      {"fs.readFile(P + '/missing')", [&] { return errorOf(fs::readFile(at("missing"))); }},
      {"fs.readFile(P + '/dir')", [&] { return errorOf(fs::readFile(at("dir"))); }},
      {"fs.readFile('')", [&] { return errorOf(fs::readFile("")); }},
      {"fs.readFile(P + '/a\\0b')",
       [&] { return errorOf(fs::readFile(P + std::string("/a\0b", 4))); }},
      {"fs.readdir(P + '/file')", [&] { return errorOf(fs::readdir(at("file"))); }},
      {"fs.readdir(P + '/missing', {withFileTypes: true})",
       [&] { return errorOf(fs::readdir(at("missing"), fs::withFileTypes)); }},
      {"fs.mkdir(P + '/dir')", [&] { return errorOf(fs::mkdir(at("dir"))); }},
      {"fs.mkdir(P + '/file/x', {recursive: true})",
       [&] { return errorOf(fs::mkdir(at("file/x"), {.recursive = true})); }},
      {"fs.mkdir(P + '/file', {recursive: true})",
       [&] { return errorOf(fs::mkdir(at("file"), {.recursive = true})); }},
      {"fs.unlink(P + '/dir')", [&] { return errorOf(fs::unlink(at("dir"))); }},
      {"fs.writeFile(P + '/file', 'y', {flag: 'wx'})",
       [&] { return errorOf(fs::writeFile(at("file"), std::string("y"), {.flag = "wx"})); }},
      {"fs.writeFile(P + '/dir', 'y')",
       [&] { return errorOf(fs::writeFile(at("dir"), std::string("y"))); }},
      {"fs.appendFile(P + '/file', 'y', {flag: 'q'})",
       [&] { return errorOf(fs::appendFile(at("file"), std::string("y"), {.flag = "q"})); }},
      {"fs.stat(P + '/missing')", [&] { return errorOf(fs::stat(at("missing"))); }},
      {"fs.lstat(P + '/missing')", [&] { return errorOf(fs::lstat(at("missing"))); }},
      {"fs.rm(P + '/missing')", [&] { return errorOf(fs::rm(at("missing"))); }},
      {"fs.rm(P + '/dir')", [&] { return errorOf(fs::rm(at("dir"))); }, true},
      {"fs.rename(P + '/missing', P + '/other')",
       [&] { return errorOf(fs::rename(at("missing"), at("other"))); }},
      {"fs.rename(P + '/dir', P + '/file')",
       [&] { return errorOf(fs::rename(at("dir"), at("file"))); }},
      {"fs.access(P + '/missing')", [&] { return errorOf(fs::access(at("missing"))); }},
      {"fs.access(P + '/file', 8)", [&] { return errorOf(fs::access(at("file"), 8)); }},
  };
  std::string js = "const fs = require('fs/promises');\nconst P = '" + P + "';\nconst cases = [\n";
  for (const Case& c : cases) js += "  () => " + c.js + ",\n";
  js += R"(];
(async () => {
  for (const c of cases) {
    try { await c(); console.log('(fulfilled)'); }
    catch (e) { console.log([e.name, e.code, e.syscall ?? '', e.message, e.path ?? ''].join('\x1f')); }
  }
})();
)";
  if (!testing::hasNode()) GTEST_SKIP() << "node is not installed";
  const testing::TempFile script("nx_fs_oracle", js, ".js");
  const auto out = testing::runNode({.script = script.path()}).out;
  std::vector<std::string> lines = split(out, '\n');
  ASSERT_GE(lines.size(), cases.size()) << out;

  std::vector<ErrorFields> ours;
  runAsync([&]() -> Promise<> {
    for (const Case& c : cases) ours.push_back(fieldsOf(co_await c.ours()));
  });
  ASSERT_EQ(ours.size(), cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    std::vector<std::string> f = split(lines[i], '\x1f');
    ASSERT_EQ(f.size(), 5u) << lines[i];
    ErrorFields node{f[0], f[1], f[2], f[3], f[4]};
    if (cases[i].nodeOnlyFields) node.name = ours[i].name, node.syscall = "", node.path = "";
    EXPECT_EQ(ours[i].name, node.name) << cases[i].js;
    EXPECT_EQ(ours[i].code, node.code) << cases[i].js;
    EXPECT_EQ(ours[i].syscall, node.syscall) << cases[i].js;
    EXPECT_EQ(ours[i].message, node.message) << cases[i].js;
    EXPECT_EQ(ours[i].path, node.path) << cases[i].js;
  }
}

TEST_F(FsTest, StatAndReaddirMatchNode) {
  writeText(at("file"), "hello");
  std::filesystem::create_directory(at("dir"));
  std::filesystem::create_directory(at("names"));
  EXPECT_EQ(::symlink("file", at("link").c_str()), 0);
  // Listed in a directory of its own: reading "dir" would change the atime being compared.
  for (const char* name : {"zeta", "Alpha", "10", "9", "_x", "\xc3\xa9", "a.b"}) {
    writeText(at("names/") + name, "");
  }
  const std::string js = "const fs = require('fs');\nconst P = '" + dir_ + R"(';
const f = (s) => [s.dev, s.ino, s.mode, s.nlink, s.uid, s.gid, s.rdev, s.size, s.blksize,
                  s.blocks, s.atimeMs, s.mtimeMs, s.ctimeMs, s.birthtimeMs].join(' ');
console.log(f(fs.statSync(P + '/file')));
console.log(f(fs.lstatSync(P + '/link')));
console.log(f(fs.statSync(P + '/dir')));
console.log(fs.readdirSync(P + '/names').join('/'));
)";
  if (!testing::hasNode()) GTEST_SKIP() << "node is not installed";
  const testing::TempFile script("nx_fs_oracle", js, ".js");
  const auto out = testing::runNode({.script = script.path()}).out;
  std::vector<std::string> lines = split(out, '\n');
  ASSERT_GE(lines.size(), 4u) << out;

  std::vector<std::vector<double>> ours;
  std::string names;
  runAsync([&]() -> Promise<> {
    for (auto p : {fs::stat(at("file")), fs::lstat(at("link")), fs::stat(at("dir"))}) {
      fs::Stats s = co_await p;
      ours.push_back({double(s.dev), double(s.ino), double(s.mode), double(s.nlink), double(s.uid),
                      double(s.gid), double(s.rdev), double(s.size), double(s.blksize),
                      double(s.blocks), s.atimeMs, s.mtimeMs, s.ctimeMs, s.birthtimeMs});
    }
    for (const std::string& n : co_await fs::readdir(at("names"))) {
      names += (names.empty() ? "" : "/") + n;
    }
  });
  ASSERT_EQ(ours.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    std::vector<double> node;
    for (const std::string& field : split(lines[i], ' ')) {
      node.push_back(std::strtod(field.c_str(), nullptr));
    }
    // Exact equality: the times are computed in the same double arithmetic as Node's.
    EXPECT_EQ(ours[i], node) << "line " << i << ": " << lines[i];
  }
  EXPECT_EQ(names, lines[3]);
}

}  // namespace
}  // namespace nx
