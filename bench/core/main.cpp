// SPDX-License-Identifier: MIT
// bench_core <name> [ops]: runs one core benchmark and prints one JSON line. The same program for
// node is js/<name>.js; run.py runs both, pinned to one core, and prints the ratios.
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "bench.hpp"

namespace {

struct Benchmark {
  std::string_view name;
  long defaultOps;
  int (*run)(long ops);
};

constexpr Benchmark kBenchmarks[] = {
    {"await_resolved", 1'000'000, bench::awaitResolved},
    {"then_chain", 1'000'000, bench::thenChain},
    {"queue_microtask", 1'000'000, bench::queueMicrotask},
    {"next_tick", 1'000'000, bench::nextTick},
    {"timers", 1'000'000, bench::timers},
    {"set_immediate", 1'000'000, bench::setImmediate},
    {"emit_1", 10'000'000, bench::emit1},
    {"emit_3", 10'000'000, bench::emit3},
};

int usage() {
  std::fputs("usage: bench_core <name> [ops]\n       bench_core --list\n", stderr);
  return 2;
}

}  // namespace

namespace bench {

void report(std::string_view name, long ops, Ns elapsed) {
  const auto ns = static_cast<long long>(elapsed.count());
  std::printf("{\"name\":\"%.*s\",\"ops\":%ld,\"ns\":%lld,\"nsPerOp\":%.3f}\n",
              static_cast<int>(name.size()), name.data(), ops, ns,
              static_cast<double>(ns) / static_cast<double>(ops));
  std::fflush(stdout);
}

}  // namespace bench

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
  std::fprintf(stderr, "bench_core: unknown benchmark '%s'\n", argv[1]);
  return usage();
}
