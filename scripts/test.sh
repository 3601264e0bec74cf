#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The whole test suite, as CI runs it:
#   1. build with -Wall -Wextra -Werror and run every test (unit, node oracle, examples),
#   2. again under AddressSanitizer + UndefinedBehaviorSanitizer,
#   3. the unit tests under ThreadSanitizer,
#   4. install the package and build an out-of-tree consumer against it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
jobs=$(nproc)
export CTEST_OUTPUT_ON_FAILURE=1

step() { printf '\n== %s\n' "$*"; }

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

step "all tests passed"
