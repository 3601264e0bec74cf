#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs each LRU cache benchmark against its npm lru-cache twin and prints the ratios.

Each benchmark runs --runs times, alternating nodexx (bench_lru) and node (lru.js), both pinned to
the same core with taskset (one after the other, never together). The table shows the median
ns/op of each side and lru-cache/nodexx (higher is better for nodexx). Both sides print a checksum
of what their gets returned; a mismatch means the caches disagreed and the runner fails. All runs
are written as JSON to --out.

    cmake --preset release && cmake --build build/release --target bench_lru
    npm ci --prefix bench                          # once: installs lru-cache
    python3 bench/resilience/lru/run.py            # every benchmark, 5 runs each
    python3 bench/resilience/lru/run.py get_heavy_1e3 --runs 3
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))
import compare  # noqa: E402  (bench/compare.py: the shared runner)

if __name__ == "__main__":
    compare.main(__doc__, "resilience/lru/bench_lru",
                 lambda node, name, ops: [node, os.path.join(HERE, "lru.js"), name],
                 peers=("lru-cache",))
