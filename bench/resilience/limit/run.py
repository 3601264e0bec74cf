#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs Limiter and AsyncQueue against p-limit and p-queue (js/<name>.mjs) and prints the ratios.

Each benchmark runs --runs times, alternating nodexx and node, both pinned to the same core with
taskset (they run one after the other, never together). The table shows the median ns/op of
each side and node/nodexx (higher is better for nodexx). All runs are written as JSON to --out.
The npm packages come from bench/node_modules (npm ci --prefix bench).

    cmake --preset release && cmake --build build/release --target bench_limit
    python3 bench/resilience/limit/run.py                  # both benchmarks, 5 runs, 1e6 tasks
    python3 bench/resilience/limit/run.py queue --ops 100000 --runs 3
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))
import compare  # noqa: E402  (bench/compare.py: the shared runner)

if __name__ == "__main__":
    compare.main(__doc__, "resilience/limit/bench_limit",
                 lambda node, name, ops: [node, os.path.join(HERE, "js", f"{name}.mjs")] + ops,
                 peers=("p-limit", "p-queue"), ops_help="tasks per run (default: each program's, 1e6)")
