// SPDX-License-Identifier: MIT
#include "nodexx/resilience/clock.hpp"

#include "nodexx/core/errors.hpp"
#include "nodexx/core/process.hpp"
#include "nodexx/core/sleep.hpp"

namespace nx::resilience {

namespace {

class SystemClock final : public Clock {
 public:
  std::int64_t now() override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(process::hrtime()).count();
  }
  Promise<> sleep(std::int64_t ms, AbortSignal signal) override {
    return nx::sleep(ms, std::move(signal));
  }
};

}  // namespace

Clock& Clock::system() {
  static SystemClock clock;
  return clock;
}

Promise<> ManualClock::sleep(std::int64_t ms, AbortSignal signal) {
  if (signal.aborted()) return Promise<>::reject(AbortError());
  auto key = std::make_pair(now_ + (ms > 0 ? ms : 0), seq_++);
  auto it = sleeps_.emplace(key, Waiter{Promise<>::withResolvers(), signal, 0});
  Promise<> p = it->second.resolvers.promise;
  if (signal) {
    it->second.abortListener = signal.onAbort([this, key] {
      auto found = sleeps_.find(key);
      if (found == sleeps_.end()) return;
      Promise<>::Resolvers r = found->second.resolvers;
      sleeps_.erase(found);
      r.reject(AbortError());
    });
  }
  return p;
}

void ManualClock::advance(std::int64_t ms) {
  if (ms < 0) throw RangeError("ERR_OUT_OF_RANGE", "ManualClock::advance: ms must be >= 0");
  now_ += ms;
  while (!sleeps_.empty() && sleeps_.begin()->first.first <= now_) {
    Waiter w = std::move(sleeps_.begin()->second);
    sleeps_.erase(sleeps_.begin());
    w.signal.off(w.abortListener);
    w.resolvers.resolve();
  }
}

}  // namespace nx::resilience
