// SPDX-License-Identifier: MIT
// Blocking the loop delays everything else. A ticker wants to run every 10 ms while the event
// loop's delay is sampled (perf_hooks.monitorEventLoopDelay) during three rounds of 500 ms:
//   1. idle:     nothing else runs;
//   2. blocking: 300 ms of CPU work runs on the loop thread;
//   3. offload:  the same work runs on the thread pool (nx::threadpool::run).
// Typical output:
//
//   idle      ticks 48/50, event-loop delay p50  10.2 ms, p99  10.4 ms, max  10.4 ms
//   blocking  ticks 18/50, event-loop delay p50  10.2 ms, p99 309.2 ms, max 309.2 ms
//   offload   ticks 50/50, event-loop delay p50  10.2 ms, p99  10.4 ms, max  10.4 ms
//
// The monitor's timer fires every 10 ms and records the time since its previous firing, so an
// idle loop shows ~10 ms and a loop stuck for 300 ms shows ~300 ms. While the loop thread is
// busy nothing else runs on it: no tick, no timer, no I/O callback, no request. On the thread
// pool the same work leaves the loop free, and the delay stays at the idle figure.
#include <chrono>
#include <cstdio>

#include "nodexx/core/loop.hpp"
#include "nodexx/core/loop_health.hpp"
#include "nodexx/core/process.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/core/sleep.hpp"
#include "nodexx/core/threadpool.hpp"
#include "nodexx/core/timers.hpp"

namespace {

using std::chrono::milliseconds;

constexpr milliseconds kTick{10};
constexpr milliseconds kRound{500};
constexpr milliseconds kWork{300};

// The CPU-heavy work: here a busy-wait; in real code a big JSON.parse, a sync hash, a regex.
void busyWait(milliseconds d) {
  const auto until = nx::process::hrtime() + d;
  while (nx::process::hrtime() < until) {
  }
}

// A 10 ms ticker and the event-loop delay monitor, for the lifetime of one round.
class Round {
 public:
  Round() { delay_.enable(); }
  ~Round() { nx::clearInterval(ticker_); }

  void print(const char* name) const {
    auto ms = [](double ns) { return ns / 1e6; };
    std::printf("%-9s ticks %2d/%lld, event-loop delay p50 %5.1f ms, p99 %5.1f ms, max %5.1f ms\n",
                name, ticks_, static_cast<long long>(kRound / kTick),
                ms(static_cast<double>(delay_.percentile(50))),
                ms(static_cast<double>(delay_.percentile(99))),
                ms(static_cast<double>(delay_.max())));
  }

 private:
  nx::EventLoopDelayMonitor delay_ = nx::monitorEventLoopDelay({.resolution = kTick});
  int ticks_ = 0;
  nx::Timeout ticker_ = nx::setInterval([this] { ++ticks_; }, kTick);
};

nx::Promise<> idle() {
  Round round;
  co_await nx::sleep(kRound);
  round.print("idle");
}

nx::Promise<> blocking() {
  Round round;
  co_await nx::sleep(100);
  busyWait(kWork);  // the loop thread is stuck here for 300 ms
  co_await nx::sleep(kRound - milliseconds{100} - kWork);
  round.print("blocking");
}

nx::Promise<> offload() {
  Round round;
  co_await nx::sleep(100);
  co_await nx::threadpool::run([] { busyWait(kWork); });  // the loop stays free meanwhile
  co_await nx::sleep(kRound - milliseconds{100} - kWork);
  round.print("offload");
}

nx::Promise<> rounds() {
  co_await idle();
  co_await blocking();
  co_await offload();
}

}  // namespace

int main() {
  (void)rounds();
  return nx::run();
}
