// SPDX-License-Identifier: MIT
#include "nodexx/core/sleep.hpp"

#include "nodexx/core/timers.hpp"

namespace nx::detail {

Promise<> sleepMs(double ms, AbortSignal signal) {
  if (signal.aborted()) return Promise<>::reject(AbortError());
  auto r = Promise<>::withResolvers();
  if (!signal) {
    setTimeout([r] { r.resolve(); }, ms);
    return r.promise;
  }
  // The timer and the abort listener each cancel the other; ids are known after both exist.
  auto listener = std::make_shared<ListenerId>(0);
  Timeout timer = setTimeout(
      [r, signal, listener] {
        signal.off(*listener);
        r.resolve();
      },
      ms);
  *listener = signal.onAbort([r, timer] {
    clearTimeout(timer);
    r.reject(AbortError());
  });
  return r.promise;
}

}  // namespace nx::detail
