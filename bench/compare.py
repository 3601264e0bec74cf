# SPDX-License-Identifier: MIT
"""The one benchmark runner: a nodexx program against its node twin, same machine, same run.

Each benchmark runs --runs times, alternating nodexx and node, both pinned to the same core with
taskset (one after the other, never together). Both sides print a JSON line with "nsPerOp" (and
optionally "checksum": when present the two sides must agree, or the runner fails). The table
shows each side's median ns/op and the ratio node/nodexx (higher is better for nodexx); every run
is written as JSON next to the binary or to --out. The npm peers come from bench/node_modules
(npm ci --prefix bench).
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

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


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


def peer_versions(packages):
    out = []
    for p in packages:
        with open(os.path.join(ROOT, "bench", "node_modules", p, "package.json")) as f:
            out.append(f"{p} {json.load(f)['version']}")
    return ", ".join(out)


def main(doc, binary, node_command, peers=(), ops_help=None):
    """binary: the program's path under build/release/bench/; node_command(node, name, ops) gives
    the node twin's command line for one benchmark; peers: npm packages named in the title."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    ap.add_argument("--bin", default=os.path.join(ROOT, "build/release/bench", binary),
                    help=f"the {os.path.basename(binary)} executable (default: build/release/...)")
    if ops_help:
        ap.add_argument("--ops", type=int, help=ops_help)
    ap.add_argument("--node", default=shutil.which("node") or "node", help="the node executable")
    ap.add_argument("--runs", type=int, default=5, help="runs per side and benchmark (default 5)")
    ap.add_argument("--cpu", default="0", help="core to pin both sides to; 'none' to not pin")
    ap.add_argument("--out", help="JSON results file (default: next to --bin)")
    ap.add_argument("--timeout", type=float, default=300, help="seconds per run")
    args = ap.parse_args()

    name = os.path.basename(binary)
    if not os.access(args.bin, os.X_OK):
        sys.exit(f"{name}: {args.bin} is not built; see bench/README.md")
    cpu = None if args.cpu == "none" or not shutil.which("taskset") else args.cpu
    names = args.names or subprocess.run([args.bin, "--list"], capture_output=True, text=True,
                                         check=True).stdout.split()
    out = args.out or os.path.join(os.path.dirname(os.path.abspath(args.bin)),
                                   f"{name}_results.json")
    node_version = subprocess.run([args.node, "--version"], capture_output=True, text=True,
                                  check=True).stdout.strip()
    ops = [str(args.ops)] if ops_help and args.ops else []
    peer = peer_versions(peers)

    print(f"{name} vs {peer + ' on ' if peer else ''}node {node_version}, {args.runs} runs each, "
          f"{'pinned to cpu ' + cpu if cpu is not None else 'not pinned'}")
    header = f"{'name':<16} | {'nodexx ns/op':>12} | {'node ns/op':>10} | {'ratio':>6}"
    print(header)
    print("-" * len(header))
    results, failed = [], False
    for bench in names:
        runs, checksums = {"nodexx": [], "node": []}, set()
        for _ in range(args.runs):
            a = run_once([args.bin, bench] + ops, cpu, args.timeout)
            b = run_once(node_command(args.node, bench, ops), cpu, args.timeout)
            runs["nodexx"].append(a["nsPerOp"])
            runs["node"].append(b["nsPerOp"])
            checksums.update(r["checksum"] for r in (a, b) if "checksum" in r)
        nx = statistics.median(runs["nodexx"])
        nd = statistics.median(runs["node"])
        ratio = nd / nx if nx > 0 else float("inf")
        agree = len(checksums) <= 1
        failed |= not agree
        results.append({"name": bench, "nodexx_ns_per_op": nx, "node_ns_per_op": nd,
                        "ratio": ratio, "checksums_match": agree, "runs": runs})
        note = "" if agree else f"  CHECKSUM MISMATCH {sorted(checksums)}"
        print(f"{bench:<16} | {nx:>12.2f} | {nd:>10.2f} | {ratio:>5.1f}x{note}", flush=True)

    with open(out, "w") as f:
        json.dump({"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "host": platform.node(),
                   "cpus": os.cpu_count(), "pinned_cpu": cpu, "node": node_version, "peer": peer,
                   "bin": os.path.abspath(args.bin), "results": results}, f, indent=2)
    print(f"\nwritten: {out}")
    sys.exit(1 if failed else 0)
