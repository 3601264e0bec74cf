// SPDX-License-Identifier: MIT
// bench_ratelimit <name> [ops] | all | --list: one rate-limit benchmark, printed as one JSON line.
//
// `<algorithm>_state` times consume() on one State (the bare arithmetic). `<algorithm>_1e3` and
// `<algorithm>_1e6` fill a MemoryRateLimitStore with that many keys ("user:<i>", short enough
// for the small-string buffer), then time `ops` consumes of 1 on keys drawn by xorshift32, the
// clock advancing 1 ms every 1024 calls. Besides the time, each line reports the allocations per
// operation in the timed loop (0 expected, except while SlidingWindowLog rings grow), the heap
// bytes per key after filling, and the number of allowed calls (a checksum across runs).
#include <malloc.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "nodexx/core/process.hpp"
#include "nodexx/resilience/memory_rate_limit_store.hpp"
#include "nodexx/resilience/rate_limit_windows.hpp"
#include "nodexx/resilience/token_bucket.hpp"

// Counts every allocation of the program (single-threaded), to check "no allocation per consume
// for known keys" on the real thing.
namespace {
std::uint64_t gAllocations = 0;
}  // namespace

void* operator new(std::size_t size) {
  ++gAllocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

using namespace nx::resilience;

struct XorShift32 {
  std::uint32_t x = 2463534242u;
  std::uint32_t next() noexcept {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return x;
  }
};

// Typical API limits: 100 per minute (windows), bursts of 100 refilled at 10/s (buckets).
TokenBucket tokenBucket() { return TokenBucket(100, 10); }
LeakyBucket leakyBucket() { return LeakyBucket(100, 10); }
FixedWindow fixedWindow() { return FixedWindow(100, 60'000); }
SlidingWindowLog slidingLog() { return SlidingWindowLog(100, 60'000); }
SlidingWindowCounter slidingCounter() { return SlidingWindowCounter(100, 60'000); }

void report(std::string_view name, long ops, long long ns, std::uint64_t allocations,
            double bytesPerKey, long allowed) {
  std::printf(
      "{\"name\":\"%.*s\",\"ops\":%ld,\"ns\":%lld,\"nsPerOp\":%.3f,\"allocsPerOp\":%.6f,"
      "\"bytesPerKey\":%.1f,\"allowed\":%ld}\n",
      static_cast<int>(name.size()), name.data(), ops, ns,
      static_cast<double>(ns) / static_cast<double>(ops),
      static_cast<double>(allocations) / static_cast<double>(ops), bytesPerKey, allowed);
  std::fflush(stdout);
}

template <class Algorithm>
int runState(std::string_view name, const Algorithm& algorithm, long ops) {
  typename Algorithm::State s;
  long allowed = 0;
  const std::uint64_t a0 = gAllocations;
  const auto t0 = nx::process::hrtime();
  for (long i = 0; i < ops; ++i) allowed += algorithm.consume(s, i >> 4, 1).allowed;
  const auto ns = (nx::process::hrtime() - t0).count();
  report(name, ops, ns, gAllocations - a0, 0, allowed);
  return 0;
}

template <class Algorithm>
int runStore(std::string_view name, const Algorithm& algorithm, std::uint32_t keys, long ops) {
  std::vector<std::string> names;
  names.reserve(keys);
  for (std::uint32_t i = 0; i < keys; ++i) names.push_back("user:" + std::to_string(i));
  const std::size_t heap0 = mallinfo2().uordblks;
  using Store = MemoryRateLimitStore<Algorithm>;
  Store store(algorithm, typename Store::Options{.maxKeys = 2 * std::size_t{keys}});
  for (const std::string& k : names) (void)store.consume(k, 1, 0);
  const double bytesPerKey =
      static_cast<double>(mallinfo2().uordblks - heap0) / static_cast<double>(keys);

  XorShift32 rng;
  long allowed = 0;
  std::int64_t now = 0;
  const std::uint64_t a0 = gAllocations;
  const auto t0 = nx::process::hrtime();
  for (long i = 0; i < ops; ++i) {
    if ((i & 1023) == 0) ++now;
    allowed += store.consume(names[rng.next() % keys], 1, now).allowed;
  }
  const auto ns = (nx::process::hrtime() - t0).count();
  report(name, ops, ns, gAllocations - a0, bytesPerKey, allowed);
  return 0;
}

struct Benchmark {
  std::string_view name;
  long defaultOps;
  int (*run)(std::string_view name, long ops);
};

template <auto Factory>
int stateRun(std::string_view name, long ops) {
  return runState(name, Factory(), ops);
}
template <auto Factory, std::uint32_t Keys>
int storeRun(std::string_view name, long ops) {
  return runStore(name, Factory(), Keys, ops);
}

constexpr Benchmark kBenchmarks[] = {
    {"token_bucket_state", 20'000'000, stateRun<tokenBucket>},
    {"token_bucket_1e3", 10'000'000, storeRun<tokenBucket, 1000>},
    {"token_bucket_1e6", 5'000'000, storeRun<tokenBucket, 1'000'000>},
    {"leaky_bucket_state", 20'000'000, stateRun<leakyBucket>},
    {"leaky_bucket_1e3", 10'000'000, storeRun<leakyBucket, 1000>},
    {"leaky_bucket_1e6", 5'000'000, storeRun<leakyBucket, 1'000'000>},
    {"fixed_window_state", 20'000'000, stateRun<fixedWindow>},
    {"fixed_window_1e3", 10'000'000, storeRun<fixedWindow, 1000>},
    {"fixed_window_1e6", 5'000'000, storeRun<fixedWindow, 1'000'000>},
    {"sliding_log_state", 20'000'000, stateRun<slidingLog>},
    {"sliding_log_1e3", 10'000'000, storeRun<slidingLog, 1000>},
    {"sliding_log_1e6", 5'000'000, storeRun<slidingLog, 1'000'000>},
    {"sliding_counter_state", 20'000'000, stateRun<slidingCounter>},
    {"sliding_counter_1e3", 10'000'000, storeRun<slidingCounter, 1000>},
    {"sliding_counter_1e6", 5'000'000, storeRun<slidingCounter, 1'000'000>},
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs("usage: bench_ratelimit <name> [ops] | all | --list\n", stderr);
    return 2;
  }
  const std::string_view name = argv[1];
  const long ops = argc > 2 ? std::atol(argv[2]) : 0;
  bool found = false;
  for (const Benchmark& b : kBenchmarks) {
    if (name == "--list") {
      std::printf("%.*s\n", static_cast<int>(b.name.size()), b.name.data());
    } else if (name == "all" || b.name == name) {
      found = true;
      if (int rc = b.run(b.name, ops > 0 ? ops : b.defaultOps); rc != 0) return rc;
    }
  }
  if (found || name == "--list") return 0;
  std::fprintf(stderr, "bench_ratelimit: unknown benchmark '%s'\n", argv[1]);
  return 2;
}
