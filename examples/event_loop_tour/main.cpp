// SPDX-License-Identifier: MIT
// A tour of the event loop's phases, in the order Node runs them. Each line names the phase (or
// queue) its callback ran in. Expected output, the same every run:
//
//   sync       main() runs to its end before anything else
//   sync       main() hands over to the loop: nx::run()
//   nextTick   process.nextTick: runs first, although it was queued last
//   microtask  promise.then: after every nextTick
//   timers     setTimeout(0): the loop's first phase (0 means 1 ms)
//   check      setImmediate queued from a timer: later in the same loop turn
//   poll       I/O callback: a thread-pool job finished (like fs.readFile)
//   check      setImmediate queued from I/O: always before setTimeout(0)
//   timers     setTimeout(0) queued from I/O: needs the next loop turn
//   close      a handle's close callback: the last phase of the turn
#include <uv.h>

#include <cstdio>

#include "nodexx/core/loop.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/core/threadpool.hpp"
#include "nodexx/core/timers.hpp"

namespace {

void log(const char* phase, const char* what) { std::printf("%-10s %s\n", phase, what); }

// Close callbacks run in the close phase, the last of a loop turn: Node emits a socket's 'close'
// event there. The core has no sockets, so a bare libuv handle stands in for one.
void closeAHandle() {
  auto* handle = new uv_idle_t;
  uv_idle_init(nx::loop().uv(), handle);
  uv_close(reinterpret_cast<uv_handle_t*>(handle), [](uv_handle_t* h) {
    log("close", "a handle's close callback: the last phase of the turn");
    delete reinterpret_cast<uv_idle_t*>(h);
  });
}

// Runs in the poll phase. After an I/O callback the loop goes on to the check phase, so an
// immediate queued here always runs before a timer, which must wait for the next turn. (From
// main() their order is not fixed: it depends on whether 1 ms has passed when the loop starts.)
void onFileRead() {
  log("poll", "I/O callback: a thread-pool job finished (like fs.readFile)");
  nx::setTimeout(
      [] {
        log("timers", "setTimeout(0) queued from I/O: needs the next loop turn");
        closeAHandle();
      },
      0);
  nx::setImmediate(
      [] { log("check", "setImmediate queued from I/O: always before setTimeout(0)"); });
}

}  // namespace

int main() {
  log("sync", "main() runs to its end before anything else");

  nx::setTimeout(
      [] {
        log("timers", "setTimeout(0): the loop's first phase (0 means 1 ms)");
        nx::setImmediate([] {
          log("check", "setImmediate queued from a timer: later in the same loop turn");
          // The thread pool does the blocking work; its completion comes back in the poll phase
          // (the promise's reaction runs right after that callback, still in the poll phase).
          (void)nx::threadpool::run([] { /* a blocking read() would go here */ }).then([] {
            onFileRead();
          });
        });
      },
      0);
  (void)nx::Promise<>::resolve().then(
      [] { log("microtask", "promise.then: after every nextTick"); });
  nx::nextTick(
      [] { log("nextTick", "process.nextTick: runs first, although it was queued last"); });

  log("sync", "main() hands over to the loop: nx::run()");
  return nx::run();
}
