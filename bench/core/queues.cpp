// SPDX-License-Identifier: MIT
// The tick queues: js/queue_microtask.js and js/next_tick.js. All tasks are queued first; the
// clock stops in the last one.
#include "bench.hpp"
#include "nodexx/core/loop.hpp"

namespace bench {

int queueMicrotask(long ops) {
  const Ns t0 = now();
  long left = ops;
  for (long i = 0; i < ops; ++i) {
    nx::queueMicrotask([&left, ops, t0] {
      if (--left == 0) report("queue_microtask", ops, now() - t0);
    });
  }
  return nx::run();
}

int nextTick(long ops) {
  const Ns t0 = now();
  long left = ops;
  for (long i = 0; i < ops; ++i) {
    nx::nextTick([&left, ops, t0] {
      if (--left == 0) report("next_tick", ops, now() - t0);
    });
  }
  return nx::run();
}

}  // namespace bench
