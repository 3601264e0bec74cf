#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The whole test suite, as CI runs it:
#   1. build with -Wall -Wextra -Werror and run every test (unit, node oracle, examples),
#   2. again under AddressSanitizer + UndefinedBehaviorSanitizer,
#   3. the unit tests under ThreadSanitizer,
#   4. install the package and build an out-of-tree consumer against it,
#   5. run each libFuzzer target briefly (clang).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
jobs=$(nproc)
export CTEST_OUTPUT_ON_FAILURE=1

step() { printf '\n== %s\n' "$*"; }

step "test oracles"
# Express, its dependencies and Fastify from npm: the oracle tests compare against them (they skip
# with a message when the folder is absent, e.g. offline).
scripts/install-npm-peers.sh || echo "npm peers unavailable: oracle tests will skip" >&2

step "module layering"
python3 scripts/check-layers.py

step "dev build"
cmake --preset dev >/dev/null
cmake --build build/dev -j"$jobs"
ctest --test-dir build/dev -j"$jobs" --timeout 300

step "ASan + UBSan"
cmake --preset asan-ubsan >/dev/null
cmake --build build/asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build/asan -j"$jobs" --timeout 600

step "TSan (unit tests)"
cmake --preset tsan >/dev/null
cmake --build build/tsan -j"$jobs"
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
  ctest --test-dir build/tsan -j"$jobs" -L unit --timeout 600

step "install + out-of-tree consumer"
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install build/dev --prefix "$prefix" >/dev/null
cmake -S tests/consumer -B "$prefix/consumer-build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$prefix/consumer-build"
"$prefix/consumer-build/consumer"
PKG_CONFIG_PATH="$prefix/lib/pkgconfig" \
  c++ -std=c++20 "$root/tests/consumer/main.cpp" -o "$prefix/consumer-pc" \
  $(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs nodexx)
"$prefix/consumer-pc"

step "fuzz (short)"
# Each fuzz/<name>_fuzz.cpp runs for a bounded time with its dictionary, from its seed corpus.
# New inputs go to an empty temp dir given first (libFuzzer writes only to the first corpus
# dir), so the source tree is not modified; a crashing input is kept in build/fuzz/artifacts/.
if command -v clang++ >/dev/null 2>&1; then
  cmake --preset fuzz >/dev/null
  cmake --build build/fuzz -j"$jobs" --target nodexx_fuzzers
  (
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    mkdir -p build/fuzz/artifacts
    for src in fuzz/*_fuzz.cpp; do
      name=$(basename "$src" _fuzz.cpp)
      mkdir "$work/$name"
      log="build/fuzz/artifacts/$name.log"
      if ! UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        "build/fuzz/fuzz/${name}_fuzz" -max_total_time=20 -timeout=10 -print_final_stats=1 \
        -dict="fuzz/dict/$name.dict" -artifact_prefix="build/fuzz/artifacts/$name-" \
        "$work/$name" "fuzz/corpus/$name" >"$log" 2>&1; then
        tail -n 40 "$log"
        echo "fuzz: $name failed; input in build/fuzz/artifacts/, log $log" >&2
        exit 1
      fi
      grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | sed "s/^/$name: /" || true
    done
  )
else
  echo "clang++ not found: fuzzers skipped"
fi

step "all tests passed"
