// SPDX-License-Identifier: MIT
// Timers and immediates: js/timers.js and js/set_immediate.js. All are scheduled first; the
// clock stops in the last callback.
#include "nodexx/core/timers.hpp"
#include "bench.hpp"
#include "nodexx/core/loop.hpp"

namespace bench {

int timers(long ops) {
  const Ns t0 = now();
  long left = ops;
  // Four distinct delays: four timer lists, as in Node.
  for (long i = 0; i < ops; ++i) {
    nx::setTimeout(
        [&left, ops, t0] {
          if (--left == 0) report("timers", ops, now() - t0);
        },
        static_cast<double>(1 + i % 4));
  }
  return nx::run();
}

int setImmediate(long ops) {
  const Ns t0 = now();
  long left = ops;
  for (long i = 0; i < ops; ++i) {
    nx::setImmediate([&left, ops, t0] {
      if (--left == 0) report("set_immediate", ops, now() - t0);
    });
  }
  return nx::run();
}

}  // namespace bench
