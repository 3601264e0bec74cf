// SPDX-License-Identifier: MIT
// bench_limit <name> [ops]: one concurrency-limit benchmark, printed as one JSON line
// {"name":...,"ops":...,"ns":...,"nsPerOp":...}. js/<name>.mjs is the same program on npm p-limit
// or p-queue; run.py runs both, pinned to one core, and prints the ratios.
//
// Each benchmark adds `ops` trivial async tasks (a task returns an already resolved promise) to a
// limiter or queue of concurrency 8, all at once, then waits for all of them (Promise.all) and
// checks the sum of their values. The time covers adding, running and collecting.
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "nodexx/core/combinators.hpp"
#include "nodexx/core/loop.hpp"
#include "nodexx/core/process.hpp"
#include "nodexx/resilience/async_queue.hpp"
#include "nodexx/resilience/limiter.hpp"

namespace {

using nx::Promise;

void report(std::string_view name, long ops, std::chrono::nanoseconds elapsed) {
  const auto ns = static_cast<long long>(elapsed.count());
  std::printf("{\"name\":\"%.*s\",\"ops\":%ld,\"ns\":%lld,\"nsPerOp\":%.3f}\n",
              static_cast<int>(name.size()), name.data(), ops, ns,
              static_cast<double>(ns) / static_cast<double>(ops));
  std::fflush(stdout);
}

// Adds the tasks with `add`, waits for all, reports; returns the exit code.
template <class Add>
int measure(std::string_view name, long ops, Add add) {
  const auto t0 = nx::process::hrtime();
  std::vector<Promise<int>> promises;
  promises.reserve(static_cast<std::size_t>(ops));
  for (long i = 0; i < ops; ++i) promises.push_back(add());
  long sum = 0;
  (void)nx::all(std::move(promises)).then([&](std::vector<int>& values) {
    for (int v : values) sum += v;
    report(name, ops, nx::process::hrtime() - t0);
  });
  const int rc = nx::run();
  if (sum != ops) {
    std::fprintf(stderr, "%.*s: sum %ld, expected %ld\n", static_cast<int>(name.size()),
                 name.data(), sum, ops);
    return 1;
  }
  return rc;
}

int limiter(long ops) {
  nx::resilience::Limiter limit(8);
  return measure("limiter", ops, [&] { return limit([] { return Promise<int>::resolve(1); }); });
}

int queue(long ops) {
  nx::resilience::AsyncQueue q({.concurrency = 8});
  return measure("queue", ops, [&] { return q.add([] { return Promise<int>::resolve(1); }); });
}

struct Benchmark {
  std::string_view name;
  long defaultOps;
  int (*run)(long ops);
};

constexpr Benchmark kBenchmarks[] = {
    {"limiter", 1'000'000, limiter},
    {"queue", 1'000'000, queue},
};

int usage() {
  std::fputs("usage: bench_limit <name> [ops]\n       bench_limit --list\n", stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string_view name = argv[1];
  if (name == "--list") {
    for (const Benchmark& b : kBenchmarks) {
      std::printf("%.*s\n", static_cast<int>(b.name.size()), b.name.data());
    }
    return 0;
  }
  for (const Benchmark& b : kBenchmarks) {
    if (b.name != name) continue;
    const long ops = argc > 2 ? std::atol(argv[2]) : b.defaultOps;
    if (ops <= 0) return usage();
    return b.run(ops);
  }
  return usage();
}
