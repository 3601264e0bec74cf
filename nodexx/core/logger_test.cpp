// SPDX-License-Identifier: MIT
#include "nodexx/core/logger.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "nodexx/core/errors.hpp"
#include "nodexx/core/loop.hpp"
#include "nodexx/core/process.hpp"
#include "nodexx/core/timers.hpp"

namespace {

using namespace std::chrono_literals;

/// A unique file under the temp directory, removed at the end of the test.
class TempFile {
 public:
  TempFile() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "nx_logger_XXXXXX").string();
    int fd = ::mkstemp(tmpl.data());
    if (fd < 0) throw std::runtime_error("mkstemp failed");
    ::close(fd);
    path_ = tmpl;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }
  std::string read() const {
    std::ifstream in(path_, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  std::vector<std::string> lines() const {
    std::vector<std::string> out;
    std::stringstream ss(read());
    for (std::string line; std::getline(ss, line);) out.push_back(line);
    return out;
  }

 private:
  std::string path_;
};

/// Options for exact-output tests: no pid, hostname or time.
nx::LoggerOptions bare(const TempFile& f) {
  nx::LoggerOptions o;
  o.destination = f.path();
  o.base = false;
  o.timestamp = false;
  return o;
}

class Logger : public ::testing::Test {
 protected:
  nx::Loop loop_;
  nx::LoopScope scope_{loop_};
  TempFile file_;

  /// Everything written so far, after a synchronous flush.
  std::string output(const nx::Logger& log) {
    log.flushSync();
    return file_.read();
  }
};

TEST_F(Logger, WritesPinoBaseFields) {
  nx::LoggerOptions o;
  o.destination = file_.path();
  o.name = "app";
  nx::Logger log(o);
  const auto before = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  log.info("hello");
  std::smatch m;
  const std::string out = output(log);
  ASSERT_TRUE(std::regex_match(
      out, m,
      std::regex(R"re(\{"level":30,"time":(\d+),"pid":(\d+),"hostname":"([^"]*)","name":"app",)re"
                 R"re("msg":"hello"\}\n)re")))
      << out;
  EXPECT_GE(std::stoll(m[1]), before);
  EXPECT_LE(std::stoll(m[1]), before + 60000);
  EXPECT_EQ(std::stoi(m[2]), nx::process::pid());
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  EXPECT_EQ(m[3].str(), host);
}

TEST_F(Logger, WritesEachValueType) {
  nx::Logger log(bare(file_));
  const std::string owned = "str";
  log.info({{"null", nullptr},
            {"t", true},
            {"f", false},
            {"i", -42},
            {"min", std::numeric_limits<std::int64_t>::min()},
            {"umax", std::numeric_limits<std::uint64_t>::max()},
            {"short", static_cast<short>(7)},
            {"d", 1.5},
            {"float", 0.25F},
            {"cstr", "c"},
            {"nullcstr", static_cast<const char*>(nullptr)},
            {"sv", std::string_view("sv")},
            {"string", owned},
            {"obj", {{"a", 1}, {"b", {{"c", "d"}}}}},
            {"empty", nx::Fields{}},
            {"arr", nx::LogValue::array({1, "two", nullptr, nx::LogValue::array({})})},
            {"none", {}}},
           "m");
  EXPECT_EQ(output(log),
            R"({"level":30,"null":null,"t":true,"f":false,"i":-42,"min":-9223372036854775808,)"
            R"("umax":18446744073709551615,"short":7,"d":1.5,"float":0.25,"cstr":"c",)"
            R"("nullcstr":null,"sv":"sv","string":"str","obj":{"a":1,"b":{"c":"d"}},"empty":{},)"
            R"("arr":[1,"two",null,[]],"none":null,"msg":"m"})"
            "\n");
}

TEST_F(Logger, WritesDynamicFields) {
  nx::Logger log(bare(file_));
  std::vector<nx::LogField> fields{{"a", 1}, {"b", "x"}};
  std::vector<nx::LogValue> items{1, 2};
  fields.push_back({"c", nx::LogValue::array(items)});
  fields.push_back({"d", nx::Fields(fields).size()});
  log.info(fields);
  EXPECT_EQ(output(log), "{\"level\":30,\"a\":1,\"b\":\"x\",\"c\":[1,2],\"d\":3}\n");
}

TEST_F(Logger, WritesNumbersAsJavaScriptDoes) {
  nx::Logger log(bare(file_));
  const double inf = std::numeric_limits<double>::infinity();
  log.info({{"n", nx::LogValue::array({0.1,
                                       1e21,
                                       1e20,
                                       1e-7,
                                       1.2345e-7,
                                       0.000001,
                                       2.5e-5,
                                       -0.0,
                                       5e-324,
                                       123456789012345680000.0,
                                       1.7976931348623157e308,
                                       -1.5,
                                       100.0,
                                       1.0 / 3,
                                       std::nan(""),
                                       inf,
                                       -inf,
                                       1e300,
                                       4.35,
                                       0.5e-6})}});
  EXPECT_EQ(output(log),
            R"({"level":30,"n":[0.1,1e+21,100000000000000000000,1e-7,1.2345e-7,0.000001,)"
            R"(0.000025,0,5e-324,123456789012345680000,1.7976931348623157e+308,-1.5,100,)"
            R"(0.3333333333333333,null,null,null,1e+300,4.35,5e-7]})"
            "\n");
}

TEST_F(Logger, EscapesStringsLikeJsonStringify) {
  nx::Logger log(bare(file_));
  log.info({{"k\"ey\n", "q\"b\\s/\n\t\r\b\f\x01\x1f\x7f \xC3\xA9 \xF0\x9F\x98\x80 \xE2\x80\xA8"}},
           "");
  EXPECT_EQ(output(log),
            "{\"level\":30,\"k\\\"ey\\n\":\"q\\\"b\\\\s/\\n\\t\\r\\b\\f\\u0001\\u001f\x7f "
            "\xC3\xA9 \xF0\x9F\x98\x80 \xE2\x80\xA8\",\"msg\":\"\"}\n");
}

TEST_F(Logger, ReplacesInvalidUtf8) {
  nx::Logger log(bare(file_));
  const std::string r = "\xEF\xBF\xBD";
  struct Case {
    std::string in;
    std::string out;
  };
  const std::vector<Case> cases = {
      {"\xFF", r},
      {"a\xC3", "a" + r},                   // truncated 2-byte sequence
      {"\xC0\xAF", r + r},                  // overlong, C0 is never valid
      {"\xE0\x80\x80", r + r + r},          // overlong 3-byte
      {"\xED\xA0\x80", r + r + r},          // UTF-16 surrogate
      {"\xF0\x9F\x98", r},                  // truncated 4-byte: one maximal subpart
      {"\xF4\x90\x80\x80", r + r + r + r},  // above U+10FFFF
      {"\xE2\x82x", r + "x"},
      {std::string("nul\0in", 6), "nul\\u0000in"},
  };
  for (const auto& c : cases) log.info(c.in);
  log.flushSync();
  const auto all = file_.lines();
  ASSERT_EQ(all.size(), cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(all[i], "{\"level\":30,\"msg\":\"" + cases[i].out + "\"}") << i;
  }
}

TEST_F(Logger, ChildBindingsComeBeforeFieldsAndMsgLast) {
  nx::LoggerOptions o = bare(file_);
  o.name = "svc";
  nx::Logger root(o);
  nx::Logger req = root.child({{"reqId", 7}});
  nx::Logger user = req.child({{"user", "bob"}, {"role", "admin"}});
  user.info({{"a", 1}, {"b", {{"c", 2}}}}, "done");
  user.info({{"a", 1}});
  req.warn("w");
  root.error("e");
  user.info({{"msg", "inner"}});
  EXPECT_EQ(output(root),
            "{\"level\":30,\"name\":\"svc\",\"reqId\":7,\"user\":\"bob\",\"role\":\"admin\","
            "\"a\":1,\"b\":{\"c\":2},\"msg\":\"done\"}\n"
            "{\"level\":30,\"name\":\"svc\",\"reqId\":7,\"user\":\"bob\",\"role\":\"admin\","
            "\"a\":1}\n"
            "{\"level\":40,\"name\":\"svc\",\"reqId\":7,\"msg\":\"w\"}\n"
            "{\"level\":50,\"name\":\"svc\",\"msg\":\"e\"}\n"
            "{\"level\":30,\"name\":\"svc\",\"reqId\":7,\"user\":\"bob\",\"role\":\"admin\","
            "\"msg\":\"inner\"}\n");
}

TEST_F(Logger, FiltersByLevel) {
  nx::Logger log(bare(file_));
  EXPECT_EQ(log.level(), "info");
  EXPECT_FALSE(log.isLevelEnabled(nx::LogLevel::Debug));
  EXPECT_TRUE(log.isLevelEnabled("warn"));
  EXPECT_FALSE(log.isLevelEnabled("nope"));
  log.trace("t");
  log.debug("d");
  log.info("i");
  log.setLevel("trace");
  nx::Logger child = log.child({});
  log.setLevel(nx::LogLevel::Error);
  EXPECT_EQ(log.level(), "error");
  EXPECT_EQ(child.level(), "trace");  // inherited at creation, then independent
  log.warn("w");
  log.error("e");
  child.trace("ct");
  log.setLevel("silent");
  log.fatal("f");
  EXPECT_FALSE(log.isLevelEnabled(nx::LogLevel::Fatal));
  EXPECT_THROW(log.setLevel("verbose"), nx::RangeError);
  nx::LoggerOptions o = bare(file_);
  o.level = "loud";
  EXPECT_THROW(nx::Logger{o}, nx::RangeError);
  EXPECT_EQ(output(log),
            "{\"level\":30,\"msg\":\"i\"}\n{\"level\":50,\"msg\":\"e\"}\n"
            "{\"level\":10,\"msg\":\"ct\"}\n");
}

TEST_F(Logger, RedactsPathsInBindingsAndFields) {
  nx::LoggerOptions o = bare(file_);
  o.redact = {"password", "req.headers.authorization", "*.secret", "a.*.b", "x[\"y.z\"]"};
  nx::Logger log(o);
  nx::Logger child = log.child({{"password", "p"}, {"cfg", {{"secret", 1}, {"ok", 2}}}});
  child.info({{"password", "hunter2"},
              {"req", {{"headers", {{"authorization", "Bearer t"}, {"host", "h"}}}}},
              {"u", {{"secret", "s"}, {"password", "nested is not top-level"}}},
              {"a", {{"m", {{"b", 1}, {"c", 2}}}, {"n", {{"b", {{"deep", 3}}}}}}},
              {"x", {{"y.z", "dotted"}, {"y", {{"z", "not dotted"}}}}},
              {"req2", {{"headers", {{"authorization", "kept"}}}}},
              {"secret", "top-level is not *.secret"}},
             "m");
  EXPECT_EQ(output(log),
            R"({"level":30,"password":"[Redacted]","cfg":{"secret":"[Redacted]","ok":2},)"
            R"("password":"[Redacted]","req":{"headers":{"authorization":"[Redacted]",)"
            R"("host":"h"}},"u":{"secret":"[Redacted]","password":"nested is not top-level"},)"
            R"("a":{"m":{"b":"[Redacted]","c":2},"n":{"b":"[Redacted]"}},)"
            R"("x":{"y.z":"[Redacted]","y":{"z":"not dotted"}},)"
            R"("req2":{"headers":{"authorization":"kept"}},"secret":"top-level is not *.secret",)"
            R"("msg":"m"})"
            "\n");
}

TEST_F(Logger, RedactionCensorAndRemove) {
  nx::LoggerOptions o = bare(file_);
  o.redact = {"token", "a.b"};
  o.censor = "***";
  nx::Logger censor(o);
  censor.info({{"token", "t"}, {"a", {{"b", 1}, {"c", 2}}}});
  o.redactRemove = true;
  nx::Logger remove(o);
  remove.info({{"token", "t"}, {"a", {{"b", 1}, {"c", 2}}}, {"k", 1}});
  remove.info({{"a", {{"b", 1}}}});
  censor.flushSync();
  EXPECT_EQ(output(remove),
            "{\"level\":30,\"token\":\"***\",\"a\":{\"b\":\"***\",\"c\":2}}\n"
            "{\"level\":30,\"a\":{\"c\":2},\"k\":1}\n"
            "{\"level\":30,\"a\":{}}\n");
  o.redact = {"a..b"};
  EXPECT_THROW(nx::Logger{o}, nx::RangeError);
  o.redact = {"a["};
  EXPECT_THROW(nx::Logger{o}, nx::RangeError);
  o.redact = {"a."};
  EXPECT_THROW(nx::Logger{o}, nx::RangeError);
}

struct NotStd {};

TEST_F(Logger, SerialisesErrorsLikePino) {
  nx::LoggerOptions o = bare(file_);
  nx::Logger log(o);
  log.error({{"err", std::make_exception_ptr(nx::SystemError("ECODE", "boom"))}});
  log.error({{"err", std::make_exception_ptr(nx::UvError(-2, "open", "x.txt"))}}, "ctx");
  log.error({{"err", std::runtime_error("rt")}, {"k", 1}});
  log.error({{"err", std::make_exception_ptr(nx::AbortError())}, {"msg", "own"}});
  log.error({{"err", std::make_exception_ptr(NotStd{})}});
  log.error({{"err", std::exception_ptr()}}, "none");
  log.error({{"cause", std::make_exception_ptr(nx::AggregateError(
                           {std::make_exception_ptr(std::logic_error("a")),
                            std::make_exception_ptr(nx::SystemError("EX", "b"))}))}},
            "agg");
  EXPECT_EQ(
      output(log),
      R"({"level":50,"err":{"type":"Error","message":"boom","code":"ECODE"},"msg":"boom"})"
      "\n"
      R"({"level":50,"err":{"type":"Error","message":"ENOENT: no such file or directory, open )"
      R"('x.txt'","errno":-2,"code":"ENOENT","syscall":"open","path":"x.txt"},"msg":"ctx"})"
      "\n"
      R"({"level":50,"err":{"type":"std::runtime_error","message":"rt"},"k":1,"msg":"rt"})"
      "\n"
      R"({"level":50,"err":{"type":"AbortError","message":"The operation was aborted",)"
      R"("code":"ABORT_ERR"},"msg":"own"})"
      "\n"
      R"({"level":50,"err":{"type":"Error","message":"exception of unknown type"},)"
      R"("msg":"exception of unknown type"})"
      "\n"
      R"({"level":50,"err":null,"msg":"none"})"
      "\n"
      R"({"level":50,"cause":{"type":"AggregateError","message":"All promises were rejected",)"
      R"("code":"ERR_AGGREGATE","aggregateErrors":[{"type":"std::logic_error","message":"a"},)"
      R"({"type":"Error","message":"b","code":"EX"}]},"msg":"agg"})"
      "\n");
}

TEST_F(Logger, RedactsInsideErrors) {
  nx::LoggerOptions o = bare(file_);
  o.redact = {"err.path"};
  nx::Logger log(o);
  log.error({{"err", std::make_exception_ptr(nx::UvError(-13, "open", "/secret"))}}, "x");
  EXPECT_EQ(output(log),
            R"({"level":50,"err":{"type":"Error","message":"EACCES: permission denied, open )"
            R"('/secret'","errno":-13,"code":"EACCES","syscall":"open","path":"[Redacted]"},)"
            R"("msg":"x"})"
            "\n");
}

TEST_F(Logger, WritesAsynchronouslyWithoutFlushSync) {
  nx::Logger log(bare(file_));
  std::string seen;
  nx::setTimeout([&] { log.info("from a timer"); }, 1);
  // The pool writes the batch and the loop is free meanwhile; 200 ms later it is on disk.
  nx::setTimeout([&] { seen = file_.read(); }, 200);
  nx::run();
  EXPECT_EQ(seen, "{\"level\":30,\"msg\":\"from a timer\"}\n");
}

TEST_F(Logger, LinesLoggedJustBeforeRunReturnsAreWritten) {
  nx::Logger log(bare(file_));
  log.info("before run");
  nx::setTimeout(
      [&] {
        for (int i = 0; i < 1000; ++i) log.info({{"i", i}}, "last burst");
      },
      5);
  nx::process::on("exit", [&](int) { log.info("in exit"); });
  nx::run();
  // No flushSync: what run() left behind must already be in the file.
  const auto lines = file_.lines();
  ASSERT_EQ(lines.size(), 1002U);
  EXPECT_EQ(lines.front(), "{\"level\":30,\"msg\":\"before run\"}");
  EXPECT_EQ(lines[1000], "{\"level\":30,\"i\":999,\"msg\":\"last burst\"}");
  EXPECT_EQ(lines.back(), "{\"level\":30,\"msg\":\"in exit\"}");
}

// process::exit() ends the process at once; the logger's "exit" listener writes the buffer
// first. The death test re-executes this binary, so the parent passes its file by environment.
TEST(LoggerExit, ProcessExitWritesWhatIsBuffered) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  constexpr const char* kEnv = "NX_LOGGER_TEST_EXIT_FILE";
  const bool parent = std::getenv(kEnv) == nullptr;
  if (parent) {
    const auto p = std::filesystem::temp_directory_path() /
                   ("nx_logger_exit_" + std::to_string(nx::process::pid()));
    ::setenv(kEnv, p.c_str(), 1);
  }
  const std::string path = std::getenv(kEnv);
  std::remove(path.c_str());
  EXPECT_EXIT(
      {
        nx::Loop loop;
        nx::LoopScope scope(loop);
        nx::LoggerOptions o;
        o.destination = path;
        o.base = false;
        o.timestamp = false;
        nx::Logger log(o);
        nx::setTimeout(
            [&] {
              for (int i = 0; i < 500; ++i) log.info({{"i", i}});
              nx::process::exit(3);
            },
            1);
        nx::run();
      },
      ::testing::ExitedWithCode(3), "");
  ::unsetenv(kEnv);
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::remove(path.c_str());
  ASSERT_EQ(lines.size(), 500U);
  EXPECT_EQ(lines.back(), "{\"level\":30,\"i\":499}");
}

TEST_F(Logger, WritesSynchronouslyWhenTheBufferIsFull) {
  nx::LoggerOptions o = bare(file_);
  o.maxBufferBytes = 1024;
  nx::Logger log(o);
  for (int i = 0; i < 200; ++i) log.info({{"i", i}}, "fill the buffer past its limit");
  // The loop has not run: everything beyond the limit was written by the logging thread.
  EXPECT_GE(file_.read().size(), 200U * 40 - 1024);
  nx::run();
  EXPECT_EQ(file_.lines().size(), 200U);
}

TEST_F(Logger, ManyThreadsLoseNothing) {
  constexpr int kThreads = 4;
  constexpr int kLines = 5000;
  nx::Logger log(bare(file_));
  std::atomic<int> done{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&log, &done, t] {
      for (int i = 0; i < kLines; ++i) {
        log.info({{"t", t}, {"i", i}, {"pad", "some text to make lines longer"}}, "line");
      }
      ++done;
    });
  }
  int ticks = 0;
  nx::Timeout interval;
  interval = nx::setInterval(
      [&] {
        log.info({{"tick", ticks++}});
        if (done == kThreads) nx::clearInterval(interval);
      },
      1);
  nx::run();
  for (auto& th : threads) th.join();
  const auto lines = file_.lines();
  std::vector<int> next(kThreads, 0);
  int tickLines = 0;
  const std::regex re(
      R"(\{"level":30,"t":(\d),"i":(\d+),"pad":"some text to make lines longer","msg":"line"\})");
  for (const auto& line : lines) {
    std::smatch m;
    if (line.rfind("{\"level\":30,\"tick\":", 0) == 0) {
      ++tickLines;
      continue;
    }
    ASSERT_TRUE(std::regex_match(line, m, re)) << line;
    const int t = std::stoi(m[1]);
    EXPECT_EQ(std::stoi(m[2]), next[static_cast<std::size_t>(t)]++) << "order of thread " << t;
  }
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(next[static_cast<std::size_t>(t)], kLines);
  EXPECT_EQ(tickLines, ticks);
}

TEST_F(Logger, OtherThreadsWithoutARunningLoopAreFlushedAtDestruction) {
  {
    nx::Logger log(bare(file_));
    std::thread th([&log] {
      for (int i = 0; i < 100; ++i) log.info({{"i", i}});
    });
    th.join();
  }
  EXPECT_EQ(file_.lines().size(), 100U);
}

TEST_F(Logger, UsesAGivenDescriptorWithoutClosingIt) {
  const int fd = ::open(file_.path().c_str(), O_WRONLY | O_APPEND);
  ASSERT_GE(fd, 0);
  {
    nx::LoggerOptions o = bare(file_);
    o.destination = fd;
    nx::Logger log(o);
    log.info("via fd");
  }
  EXPECT_NE(::fcntl(fd, F_GETFD), -1);
  ::close(fd);
  EXPECT_EQ(file_.read(), "{\"level\":30,\"msg\":\"via fd\"}\n");
}

TEST_F(Logger, UnopenableFileThrowsUvError) {
  nx::LoggerOptions o;
  o.destination = std::string("/nonexistent-dir/x.log");
  try {
    nx::Logger log(o);
    FAIL() << "no exception";
  } catch (const nx::UvError& e) {
    EXPECT_EQ(e.code(), "ENOENT");
    EXPECT_EQ(e.syscall(), "open");
  }
}

// Compares our output with pino's for the same calls, ignoring "time", "pid" and pino's
// "stack". Skipped unless node and pino are available. To enable it:
//   mkdir -p build/oracle_node_modules && cd build/oracle_node_modules && npm install pino@9
// (the test looks there, relative to the source tree, or in $NX_NODE_MODULES, a node_modules
// directory that contains pino).
TEST_F(Logger, MatchesPinoOutput) {
  namespace fs = std::filesystem;
  fs::path modules;
  if (auto env = nx::process::env("NX_NODE_MODULES")) {
    modules = *env;
  } else {
    modules = fs::path(__FILE__).parent_path().parent_path().parent_path() / "build" /
              "oracle_node_modules" / "node_modules";
  }
  if (!fs::exists(modules / "pino" / "package.json")) GTEST_SKIP() << "pino not installed";
  if (std::system("node --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "node not found";

  TempFile script;
  {
    std::ofstream js(script.path());
    js << R"JS(
const pino = require('pino');
const log = pino({name: 'app', level: 'trace',
                  redact: ['password', 'req.headers.authorization', '*.secret', 'a.*.b']},
                 pino.destination({dest: 1, sync: true}));
log.info('hello');
log.trace('t'); log.debug('d'); log.warn('w'); log.error('e'); log.fatal('f');
log.info({z: 1, a: {y: 2, x: {b: 3, c: 4}}, password: 'x', u: {secret: 's', k: 1},
          req: {headers: {authorization: 't', host: 'h'}}}, 'm');
const e = new Error('boom'); e.code = 'ECODE';
log.error({err: e});
log.error({err: e}, 'ctx');
log.info({n: [1e21, 1e-7, -0, 0.1, 5e-324, 123456789012345680000, 1.7976931348623157e308,
              0.000001, 2.5e-5, -1.5, 1 / 3], x: NaN, y: Infinity,
          s: 'q"\\\n\t\r\b\f\u0001\u001f\u007f\u2028\u00e9\u{1F600}'});
log.child({c: 1, password: 'p'}).child({d: {secret: 'z'}}).warn({e: 2}, 'child');
log.info({msg: 'inner'});
log.info({big: 9007199254740991, neg: -9007199254740991, t: true, f: false, nul: null,
          emp: {}, arr: [], s: ''}, '');
log.info({'k"ey\n': 1}, 'keys');
)JS";
  }
  const std::string cmd = "NODE_PATH='" + modules.string() + "' node '" + script.path() + "' 2>&1";
  std::string expected;
  {
    FILE* p = ::popen(cmd.c_str(), "r");
    ASSERT_NE(p, nullptr);
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) expected.append(buf, n);
    ASSERT_EQ(::pclose(p), 0) << expected;
  }

  nx::LoggerOptions o;
  o.destination = file_.path();
  o.name = "app";
  o.level = "trace";
  o.redact = {"password", "req.headers.authorization", "*.secret", "a.*.b"};
  nx::Logger log(o);
  log.info("hello");
  log.trace("t");
  log.debug("d");
  log.warn("w");
  log.error("e");
  log.fatal("f");
  log.info({{"z", 1},
            {"a", {{"y", 2}, {"x", {{"b", 3}, {"c", 4}}}}},
            {"password", "x"},
            {"u", {{"secret", "s"}, {"k", 1}}},
            {"req", {{"headers", {{"authorization", "t"}, {"host", "h"}}}}}},
           "m");
  const auto err = std::make_exception_ptr(nx::SystemError("ECODE", "boom"));
  log.error({{"err", err}});
  log.error({{"err", err}}, "ctx");
  log.info({{"n", nx::LogValue::array({1e21, 1e-7, -0.0, 0.1, 5e-324, 123456789012345680000.0,
                                       1.7976931348623157e308, 0.000001, 2.5e-5, -1.5, 1.0 / 3})},
            {"x", std::nan("")},
            {"y", std::numeric_limits<double>::infinity()},
            {"s", "q\"\\\n\t\r\b\f\x01\x1f\x7f\xE2\x80\xA8\xC3\xA9\xF0\x9F\x98\x80"}});
  log.child({{"c", 1}, {"password", "p"}})
      .child({{"d", {{"secret", "z"}}}})
      .warn({{"e", 2}}, "child");
  log.info({{"msg", "inner"}});
  log.info({{"big", 9007199254740991LL},
            {"neg", -9007199254740991LL},
            {"t", true},
            {"f", false},
            {"nul", nullptr},
            {"emp", nx::Fields{}},
            {"arr", nx::LogValue::array({})},
            {"s", ""}},
           "");
  log.info({{"k\"ey\n", 1}}, "keys");

  auto normalise = [](std::string s) {
    s = std::regex_replace(s, std::regex(R"("time":\d+)"), "\"time\":0");
    s = std::regex_replace(s, std::regex(R"("pid":\d+)"), "\"pid\":0");
    return std::regex_replace(s, std::regex(R"(,"stack":"(?:[^"\\]|\\.)*")"), "");
  };
  EXPECT_EQ(normalise(output(log)), normalise(expected));
}

}  // namespace
