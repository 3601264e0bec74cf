// SPDX-License-Identifier: MIT
// bench_lru <name> [ops]: one LruCache benchmark, printed as one JSON line. lru.js is the same
// program on npm lru-cache; run.py runs both, pinned to one core, and prints the ratios.
//
// Each benchmark fills a cache of `max` entries with keys 0..max-1, then times `ops` operations
// on keys drawn from [0, 2*max) by xorshift32 (the same seed and sequence as lru.js): gets and
// sets in the benchmark's proportion. About half the gets miss, and most sets evict.
// The checksum (hits and the sum of the values read) must match lru.js's: it proves that both
// caches made the same decisions.
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "nodexx/core/process.hpp"
#include "nodexx/resilience/lru_cache.hpp"

namespace {

struct Benchmark {
  std::string_view name;
  std::uint32_t max;
  unsigned getPercent;  // of the operations; the rest are sets
  long defaultOps;
};

constexpr Benchmark kBenchmarks[] = {
    {"get_heavy_1e3", 1'000, 90, 10'000'000},
    {"set_heavy_1e3", 1'000, 10, 10'000'000},
    {"get_heavy_1e6", 1'000'000, 90, 5'000'000},
    {"set_heavy_1e6", 1'000'000, 10, 5'000'000},
};

struct XorShift32 {
  std::uint32_t x = 2463534242u;
  std::uint32_t next() noexcept {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return x;
  }
};

int run(const Benchmark& b, long ops) {
  nx::resilience::LruCache<std::uint32_t, std::uint32_t> cache({.max = b.max});
  for (std::uint32_t i = 0; i < b.max; ++i) cache.set(i, i);
  XorShift32 rng;
  const std::uint32_t keySpace = 2 * b.max;
  std::uint64_t hits = 0;
  std::uint64_t sum = 0;
  const auto t0 = nx::process::hrtime();
  for (long i = 0; i < ops; ++i) {
    const bool isGet = rng.next() % 100 < b.getPercent;
    const std::uint32_t key = rng.next() % keySpace;
    if (isGet) {
      if (const std::uint32_t* v = cache.getPtr(key)) {
        ++hits;
        sum += *v;
      }
    } else {
      cache.set(key, static_cast<std::uint32_t>(i));
    }
  }
  const auto ns = (nx::process::hrtime() - t0).count();
  std::printf("{\"name\":\"%.*s\",\"ops\":%ld,\"ns\":%lld,\"nsPerOp\":%.3f,\"checksum\":\"%" PRIu64
              ":%" PRIu64 ":%zu\"}\n",
              static_cast<int>(b.name.size()), b.name.data(), ops, static_cast<long long>(ns),
              static_cast<double>(ns) / static_cast<double>(ops), hits, sum, cache.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs("usage: bench_lru <name> [ops]\n       bench_lru --list\n", stderr);
    return 2;
  }
  const std::string_view name = argv[1];
  for (const Benchmark& b : kBenchmarks) {
    if (name == "--list") {
      std::printf("%.*s\n", static_cast<int>(b.name.size()), b.name.data());
    } else if (b.name == name) {
      const long ops = argc > 2 ? std::atol(argv[2]) : b.defaultOps;
      return ops > 0 ? run(b, ops) : 2;
    }
  }
  if (name == "--list") return 0;
  std::fprintf(stderr, "bench_lru: unknown benchmark '%s'\n", argv[1]);
  return 2;
}
