// SPDX-License-Identifier: MIT
// A nextTick that queues a nextTick starves the event loop: timers and I/O wait until the chain
// ends. The same chain built from setImmediate lets them through. Each chain here runs for
// 200 ms; a 1 ms timer and an instant thread-pool job (I/O) race against it. Typical output:
//
//   nextTick chain:      ran 529401 steps for 202.2 ms
//     setTimeout(1 ms)  fired at  202.2 ms, after 529401 steps
//     I/O callback      ran at    202.3 ms, after 529401 steps
//   setImmediate chain:  ran 153808 steps for 200.0 ms
//     setTimeout(1 ms)  fired at    0.8 ms, after 1187 steps
//     I/O callback      ran at      0.2 ms, after 150 steps
//
// Why: the nextTick queue is drained completely after each callback, before the loop may move
// on to its next phase, so a queue that never empties keeps the loop where it is (Node does
// not prevent this). An immediate queued from an immediate runs in the next loop turn, and
// every turn passes through the timers and poll phases first. (The loop's clock counts whole
// milliseconds, so a 1 ms timer can fire a little before 1 ms has passed, as in Node.)
#include <chrono>
#include <cstdio>
#include <utility>
#include <vector>

#include "nodexx/core/combinators.hpp"
#include "nodexx/core/loop.hpp"
#include "nodexx/core/process.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/core/threadpool.hpp"
#include "nodexx/core/timers.hpp"

namespace {

constexpr double kChainMs = 200;

struct Race {
  bool viaNextTick;
  std::chrono::nanoseconds start = nx::process::hrtime();
  long steps = 0;
  double chainMs = 0;
  double timerMs = 0;
  long stepsBeforeTimer = 0;
  double ioMs = 0;
  long stepsBeforeIo = 0;
  nx::Promise<>::Resolvers chainDone = nx::Promise<>::withResolvers();

  double elapsedMs() const { return (nx::process::hrtime() - start).count() / 1e6; }
};

// One step of the chain: schedules the next one until kChainMs have passed.
void step(Race& race) {
  ++race.steps;
  if (race.elapsedMs() >= kChainMs) {
    race.chainMs = race.elapsedMs();
    race.chainDone.resolve();
  } else if (race.viaNextTick) {
    nx::nextTick([&race] { step(race); });
  } else {
    nx::setImmediate([&race] { step(race); });
  }
}

nx::Promise<> runRace(const char* name, bool viaNextTick) {
  Race race{viaNextTick};
  auto timerFired = nx::Promise<>::withResolvers();
  nx::setTimeout(
      [&race, timerFired] {
        race.timerMs = race.elapsedMs();
        race.stepsBeforeTimer = race.steps;
        timerFired.resolve();
      },
      1);
  auto ioDone = nx::threadpool::run([] {}).then([&race] {
    race.ioMs = race.elapsedMs();
    race.stepsBeforeIo = race.steps;
  });
  step(race);
  std::vector waitFor{race.chainDone.promise, timerFired.promise, ioDone};
  co_await nx::all(std::move(waitFor));

  std::printf("%-20s ran %ld steps for %.1f ms\n", name, race.steps, race.chainMs);
  std::printf("  setTimeout(1 ms)  fired at %6.1f ms, after %ld steps\n", race.timerMs,
              race.stepsBeforeTimer);
  std::printf("  I/O callback      ran at   %6.1f ms, after %ld steps\n", race.ioMs,
              race.stepsBeforeIo);
}

nx::Promise<> runBoth() {
  co_await runRace("nextTick chain:", true);
  co_await runRace("setImmediate chain:", false);
}

}  // namespace

int main() {
  (void)runBoth();
  return nx::run();
}
