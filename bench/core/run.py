#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs each core benchmark against its node twin and prints the ratios.

Each benchmark runs --runs times, alternating nodexx and node, both pinned to the same core with
taskset (they run one after the other, never together). The table shows the median ns/op of
each side and node/nodexx (higher is better for nodexx). All runs are written as JSON to --out.

    cmake --preset release && cmake --build build/release --target bench_core
    python3 bench/core/run.py                      # every benchmark, 5 runs each
    python3 bench/core/run.py timers emit_1 --runs 3
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
import compare  # noqa: E402  (bench/compare.py: the shared runner)

if __name__ == "__main__":
    compare.main(__doc__, "core/bench_core",
                 lambda node, name, ops: [node, os.path.join(HERE, "js", f"{name}.js")],
                 peers=())
