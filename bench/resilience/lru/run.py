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

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))


def run_once(cmd, cpu, timeout):
    if cpu is not None:
        cmd = ["taskset", "-c", str(cpu)] + cmd
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=HERE)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited with {done.returncode}:\n{done.stderr}")
    lines = [l for l in done.stdout.splitlines() if l.startswith("{")]
    if not lines:
        raise RuntimeError(f"{' '.join(cmd)} printed no result:\n{done.stdout}{done.stderr}")
    return json.loads(lines[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    ap.add_argument("--bin", default=os.path.join(ROOT, "build/release/bench/resilience/lru/bench_lru"),
                    help="the bench_lru executable (default: build/release/...)")
    ap.add_argument("--node", default=shutil.which("node") or "node", help="the node executable")
    ap.add_argument("--runs", type=int, default=5, help="runs per side and benchmark (default 5)")
    ap.add_argument("--cpu", default="0", help="core to pin both sides to; 'none' to not pin")
    ap.add_argument("--out", help="JSON results file (default: next to --bin)")
    ap.add_argument("--timeout", type=float, default=300, help="seconds per run")
    args = ap.parse_args()

    args.bin = os.path.abspath(args.bin)
    if not os.access(args.bin, os.X_OK):
        sys.exit(f"run.py: {args.bin} is not built; see bench/README.md")
    if not os.path.isdir(os.path.join(ROOT, "bench", "node_modules", "lru-cache")):
        sys.exit("run.py: lru-cache is not installed; run: npm ci --prefix bench")
    cpu = None if args.cpu == "none" or not shutil.which("taskset") else args.cpu
    names = args.names or subprocess.run([args.bin, "--list"], capture_output=True, text=True,
                                         check=True).stdout.split()
    out = args.out or os.path.join(os.path.dirname(os.path.abspath(args.bin)),
                                   "bench_lru_results.json")
    node_version = subprocess.run([args.node, "--version"], capture_output=True, text=True,
                                  check=True).stdout.strip()
    js = os.path.join(HERE, "lru.js")
    with open(os.path.join(ROOT, "bench", "node_modules", "lru-cache", "package.json")) as f:
        peer = "lru-cache " + json.load(f)["version"]

    results = []
    header = f"{'name':<14} | {'nodexx ns/op':>12} | {'lru-cache ns/op':>15} | {'ratio':>6}"
    print(f"bench_lru vs {peer} on node {node_version}, {args.runs} runs each, "
          f"{'pinned to cpu ' + cpu if cpu is not None else 'not pinned'}")
    print(header)
    print("-" * len(header))
    failed = False
    for name in names:
        runs = {"nodexx": [], "lru-cache": []}
        checksums = set()
        for _ in range(args.runs):
            a = run_once([args.bin, name], cpu, args.timeout)
            b = run_once([args.node, js, name], cpu, args.timeout)
            runs["nodexx"].append(a["nsPerOp"])
            runs["lru-cache"].append(b["nsPerOp"])
            checksums.update([a["checksum"], b["checksum"]])
        nx = statistics.median(runs["nodexx"])
        lc = statistics.median(runs["lru-cache"])
        ratio = lc / nx if nx > 0 else float("inf")
        same = len(checksums) == 1
        failed |= not same
        results.append({"name": name, "nodexx_ns_per_op": nx, "lru_cache_ns_per_op": lc,
                        "ratio": ratio, "checksums_match": same, "runs": runs})
        note = "" if same else f"  CHECKSUM MISMATCH {sorted(checksums)}"
        print(f"{name:<14} | {nx:>12.2f} | {lc:>15.2f} | {ratio:>5.1f}x{note}", flush=True)

    with open(out, "w") as f:
        json.dump({"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "host": platform.node(),
                   "cpus": os.cpu_count(), "pinned_cpu": cpu, "node": node_version, "peer": peer,
                   "bin": os.path.abspath(args.bin), "results": results}, f, indent=2)
    print(f"\nwritten: {out}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
