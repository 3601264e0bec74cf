// SPDX-License-Identifier: MIT
#include "nodexx/core/process.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>

#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/core/timers.hpp"

using ::testing::ElementsAre;

namespace nx {
namespace {

using ProcessTest = testing::FreshLoop;

TEST_F(ProcessTest, BeforeExitCanReviveTheLoopThenExitFiresOnce) {
  int rounds = 0;
  process::on("beforeExit", [&](int code) {
    mark("beforeExit " + std::to_string(code));
    if (++rounds < 2) setTimeout([&] { mark("revived"); }, 1);
  });
  process::on("exit", [&](int code) { mark("exit " + std::to_string(code)); });
  EXPECT_EQ(run(), 0);
  EXPECT_THAT(log, ElementsAre("beforeExit 0", "revived", "beforeExit 0", "exit 0"));
}

TEST_F(ProcessTest, ExitListenersSeeTheExitCode) {
  process::on("exit", [&](int code) { mark("exit " + std::to_string(code)); });
  process::exitCode = 4;
  EXPECT_EQ(run(), 4);
  EXPECT_THAT(log, ElementsAre("exit 4"));
}

TEST(ProcessDeathTest, ExitRunsExitListenersAndNothingElse) {
  EXPECT_EXIT(
      {
        Loop l;
        LoopScope s(l);
        process::on("exit", [](int code) { std::fprintf(stderr, "exit listener %d\n", code); });
        setTimeout([] { std::fprintf(stderr, "never\n"); }, 50);
        setTimeout([] { process::exit(5); }, 1);
        run();
      },
      ::testing::ExitedWithCode(5), "^exit listener 5\n$");
}

TEST_F(ProcessTest, SignalListenerRunsOnTheLoopAndDoesNotKeepItAlive) {
  ListenerId id = process::on(Signal::Usr1, [&](Signal s) {
    mark(std::string(signalName(s)));
  });
  setTimeout([] { std::raise(SIGUSR1); }, 1);
  setTimeout([] {}, 30);
  run();
  EXPECT_THAT(log, ElementsAre("SIGUSR1"));
  EXPECT_TRUE(process::off(Signal::Usr1, id));
  EXPECT_FALSE(process::off(Signal::Usr1, id));
  run();  // nothing keeps the loop alive
}

TEST_F(ProcessTest, EnvPidAndClocks) {
  ::setenv("NX_PROCESS_TEST", "yes", 1);
  EXPECT_EQ(process::env("NX_PROCESS_TEST"), "yes");
  EXPECT_EQ(process::env("NX_PROCESS_TEST_UNSET_VARIABLE"), std::nullopt);
  EXPECT_GT(process::pid(), 0);
  auto a = process::hrtime();
  auto b = process::hrtime();
  EXPECT_LE(a, b);
  EXPECT_GT(process::uptime(), 0.0);
}

TEST_F(ProcessTest, MemoryUsageReportsRssAndHeap) {
  process::MemoryUsage before = process::memoryUsage();
  std::vector<char> block(64 << 20, 1);
  process::MemoryUsage after = process::memoryUsage();
  EXPECT_GT(before.rss, 0u);
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
  // Sanitizers replace malloc, so mallinfo2 sees nothing there.
  EXPECT_GE(after.heapUsed, before.heapUsed + (64u << 20) - 4096);
#endif
  EXPECT_GT(after.rss, before.rss);
  EXPECT_EQ(block[12345], 1);
}

TEST_F(ProcessTest, SignalNames) {
  EXPECT_EQ(signalName(Signal::Int), "SIGINT");
  EXPECT_EQ(signalName(Signal::Term), "SIGTERM");
  EXPECT_EQ(signalName(Signal::Hup), "SIGHUP");
}

}  // namespace
}  // namespace nx
