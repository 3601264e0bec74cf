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
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited with {done.returncode}:\n{done.stderr}")
    lines = [l for l in done.stdout.splitlines() if l.startswith("{")]
    if not lines:
        raise RuntimeError(f"{' '.join(cmd)} printed no result:\n{done.stdout}{done.stderr}")
    return json.loads(lines[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    ap.add_argument("--bin",
                    default=os.path.join(ROOT, "build/release/bench/resilience/limit/bench_limit"),
                    help="the bench_limit executable (default: build/release/...)")
    ap.add_argument("--ops", type=int, help="tasks per run (default: each program's, 1e6)")
    ap.add_argument("--node", default=shutil.which("node") or "node", help="the node executable")
    ap.add_argument("--runs", type=int, default=5, help="runs per side and benchmark (default 5)")
    ap.add_argument("--cpu", default="0", help="core to pin both sides to; 'none' to not pin")
    ap.add_argument("--out", help="JSON results file (default: next to --bin)")
    ap.add_argument("--timeout", type=float, default=300, help="seconds per run")
    args = ap.parse_args()

    if not os.access(args.bin, os.X_OK):
        sys.exit(f"run.py: {args.bin} is not built; see bench/README.md")
    cpu = None if args.cpu == "none" or not shutil.which("taskset") else args.cpu
    names = args.names or subprocess.run([args.bin, "--list"], capture_output=True, text=True,
                                         check=True).stdout.split()
    out = args.out or os.path.join(os.path.dirname(os.path.abspath(args.bin)),
                                   "bench_limit_results.json")
    node_version = subprocess.run([args.node, "--version"], capture_output=True, text=True,
                                  check=True).stdout.strip()

    results = []
    header = f"{'name':<16} | {'nodexx ns/op':>12} | {'node ns/op':>10} | {'ratio':>6}"
    print(f"bench_limit vs node {node_version} (p-limit, p-queue), {args.runs} runs each, "
          f"{'pinned to cpu ' + cpu if cpu is not None else 'not pinned'}")
    print(header)
    print("-" * len(header))
    for name in names:
        runs = {"nodexx": [], "node": []}
        for _ in range(args.runs):
            ops = [str(args.ops)] if args.ops else []
            runs["nodexx"].append(run_once([args.bin, name] + ops, cpu, args.timeout)["nsPerOp"])
            js = os.path.join(HERE, "js", f"{name}.mjs")
            runs["node"].append(run_once([args.node, js] + ops, cpu, args.timeout)["nsPerOp"])
        nx = statistics.median(runs["nodexx"])
        nd = statistics.median(runs["node"])
        ratio = nd / nx if nx > 0 else float("inf")
        results.append({"name": name, "nodexx_ns_per_op": nx, "node_ns_per_op": nd,
                        "ratio": ratio, "runs": runs})
        print(f"{name:<16} | {nx:>12.2f} | {nd:>10.2f} | {ratio:>5.1f}x", flush=True)

    with open(out, "w") as f:
        json.dump({"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "host": platform.node(),
                   "cpus": os.cpu_count(), "pinned_cpu": cpu, "node": node_version,
                   "bin": os.path.abspath(args.bin), "results": results}, f, indent=2)
    print(f"\nwritten: {out}")


if __name__ == "__main__":
    main()
