#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Web-framework benchmark: nodexx's web layer against Express 5 and Fastify 5, in one go.

The same application in each: 200 routes (100 static, 80 with two params, 20 wildcards) behind
a chain of 10 cheap middleware; wrk (-t1, pinned to --client-cpu) spreads its requests over
the three kinds of route (wrk/routes.lua) while the server runs pinned to --server-cpu. Per
peer: a response check, a warm-up, then --runs runs (median shown) with the server core's busy
CPU time per request from /proc/stat; a run during which something else used the machine is
repeated (--retries) and marked when it stays disturbed. bench/http's modules do the process
handling (peers.py) and the measurement (runner.py, with cpu.py).

    python3 bench/web/run.py                  # builds bench_web_nodexx (release preset), all peers
    python3 bench/web/run.py --quick          # 1 run of 2 s: checks the harness only
    python3 bench/web/run.py --peers nodexx,fastify --runs 5 --out /tmp/web.json

Results: one table on stdout with the ratios to nodexx (goal: Express >= 10x, Fastify >= 3x
the CPU per request of nodexx), and JSON in <build-dir>/bench/web/results/<UTC time>.json or
--out.
"""

import argparse
import http.client
import os
import platform
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
HTTP_BENCH = os.path.join(os.path.dirname(HERE), "http")
# No __pycache__ folders in the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, HTTP_BENCH)
import runner  # noqa: E402  (bench/http/runner.py)
import peers  # noqa: E402  (bench/http/peers.py)
from peers import PeerError  # noqa: E402

ROOT = peers.ROOT
ALL = ["nodexx", "express", "fastify"]
ROUTES_LUA = os.path.join(HERE, "wrk", "routes.lua")
# Goals, as CPU-per-request ratios peer / nodexx.
GOALS = {"express": 10.0, "fastify": 3.0}
MIDDLEWARE_HEADERS = [f"x-mw-{i}" for i in range(0, 10, 2)]
# (path, expected status, expected body) checked on every peer before it is measured.
CHECKS = [
    ("/api/v1/items/static0", 200, b"static0"),
    ("/api/v1/items/static99", 200, b"static99"),
    ("/api/v1/users0/42/items/7", 200, b"42/7"),
    ("/api/v1/users79/a%20b/items/x", 200, b"a b/x"),
    ("/files0/a.txt", 200, b"a.txt"),
    ("/files19/docs/3/report-1.txt", 200, b"docs/3/report-1.txt"),
    ("/api/v1/items/static100", 404, None),
    ("/api/v1/users80/1/items/2", 404, None),
]


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--peers", default=",".join(ALL),
                    help=f"comma-separated servers to run (default: {','.join(ALL)})")
    ap.add_argument("--duration", type=float, default=10, help="seconds per run (default 10)")
    ap.add_argument("--warmup", type=float, default=5,
                    help="seconds of unmeasured load before the runs (default 5)")
    ap.add_argument("--runs", type=int, default=3, help="runs per peer; the median is shown")
    ap.add_argument("--retries", type=int, default=2,
                    help="extra attempts of a disturbed run (default 2)")
    ap.add_argument("--connections", type=int, default=256, help="wrk connections (256)")
    ap.add_argument("--out", help="JSON results (default <build-dir>/bench/web/results/)")
    ap.add_argument("--quick", action="store_true",
                    help="1 run of 2 s, 1 s warm-up, 1 retry: checks the harness, no figures")
    ap.add_argument("--server-cpu", default="0", help="core the servers are pinned to (0)")
    ap.add_argument("--client-cpu", default="1", help="core wrk is pinned to (1)")
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build", "release"),
                    help="nodexx build tree; build/release is configured with the release "
                         "preset (default)")
    ap.add_argument("--nodexx-bin", help="a built bench_web_nodexx; skips the build")
    ap.add_argument("--node", default=shutil.which("node") or "node", help="node executable")
    ap.add_argument("--wrk", default=shutil.which("wrk") or "wrk", help="wrk executable")
    ap.add_argument("--start-timeout", type=float, default=20,
                    help="seconds a server may take to listen (20)")
    args = runner.finish_arguments(ap.parse_args())
    # bench/http's Peer reads these when it builds or starts a server.
    args.idle_conns = 0
    return args


class WebPeer(peers.Peer):
    """bench/http's Peer (process group, pinning, start and stop) with bench/web's servers."""

    def prepare(self):
        a = self.args
        if self.name == "nodexx":
            binary = a.nodexx_bin or peers.build_nodexx(a.build_dir, "web", ["-j2"])
            if not os.access(binary, os.X_OK):
                raise PeerError(f"{binary} is not built (see bench/web/README.md)")
            self.binary = os.path.abspath(binary)
            self.version = "nodexx " + peers._out(["git", "-C", ROOT, "describe", "--always",
                                                   "--dirty"])
        elif self.name in ("express", "fastify"):
            if not shutil.which(a.node):
                raise PeerError(f"{a.node} not found")
            node_v = peers._out([a.node, "--version"])
            self.version = f"{peers._npm_version(self.name)} (node {node_v})"
        else:
            raise PeerError(f"unknown peer {self.name!r} (known: {', '.join(ALL)})")

    def _command(self):
        if self.name == "nodexx":
            return [self.binary, str(self.port)]
        return [self.args.node, os.path.join(HERE, "peers", f"{self.name}.js"), str(self.port)]


def check_responses(port, timeout=10):
    """Every CHECKS path: status, body, and the five headers the middleware set."""
    problems = []
    for path, status, body in CHECKS:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            data = resp.read()
            if resp.status != status:
                problems.append(f"{path}: status {resp.status}, expected {status}")
            if body is not None and data != body:
                problems.append(f"{path}: body {data[:60]!r}, expected {body!r}")
            if status == 200:
                missing = [h for h in MIDDLEWARE_HEADERS if resp.getheader(h) is None]
                if missing:
                    problems.append(f"{path}: middleware headers missing: {missing}")
        except OSError as e:
            problems.append(f"{path}: {e}")
        finally:
            conn.close()
    if problems:
        raise PeerError("wrong responses:\n  " + "\n  ".join(problems))


def bench_peer(args, peer):
    result = {"name": peer.name, "version": peer.version, "tests": {}}
    try:
        peer.start(args.server_cpu, args.start_timeout)
        check_responses(peer.port)
        print(f"  {peer.name} routes", file=sys.stderr, flush=True)
        result["routes"] = runner.measure(
            args, lambda duration: runner.wrk_once(args, peer, ROUTES_LUA, "/", duration))
        result["status"] = "ok"
    except Exception as e:  # noqa: BLE001  (any failure fails this peer, not the others)
        result["status"] = "failed"
        result["error"] = str(e) if isinstance(e, PeerError) else f"{type(e).__name__}: {e}"
    finally:
        peer.stop()
    return result


def ratios(results):
    """peer µs/req ÷ nodexx µs/req (>1: nodexx is cheaper), core and process CPU."""
    base = next((r for r in results if r["name"] == "nodexx" and r["status"] == "ok"), None)
    for r in results:
        r["ratio_to_nodexx"] = None
        r["server_ratio_to_nodexx"] = None
        if base and r["status"] == "ok":
            a, b = r["routes"]["us_per_req"], base["routes"]["us_per_req"]
            r["ratio_to_nodexx"] = a / b if a and b else None
            a, b = r["routes"]["server_us_per_req"], base["routes"]["server_us_per_req"]
            r["server_ratio_to_nodexx"] = a / b if a and b else None


def print_table(results):
    cols = ["peer", "req/s", "CPU0 µs/req", "server µs/req", "user µs/req", "p50/p99 ms",
            "µs ratio", "server ratio", "goal"]
    rows = []
    for r in results:
        if r["status"] != "ok":
            rows.append([r["name"], "FAILED: " + r["error"].splitlines()[0]])
            continue
        t = r["routes"]
        mark = ("*" if t["disturbed"] else "") + ("E" if t["errors"] else "")
        ratio = r["ratio_to_nodexx"]
        goal = GOALS.get(r["name"])
        goal_s = "-" if goal is None or ratio is None else \
            f"{'met' if ratio >= goal else 'MISSED'} (>= {goal:g}x)"
        rows.append([
            r["name"],
            f"{t['rps'] / 1000:.1f}k{mark}",
            f"{t['us_per_req']:.2f}{'*' if t['disturbed'] else ''}" if t["us_per_req"] else "-",
            f"{t['server_us_per_req']:.2f}" if t["server_us_per_req"] else "-",
            f"{t['user_us_per_req']:.2f}" if t.get("user_us_per_req") else "-",
            f"{t['p50_us'] / 1000:.2f}/{(t['p99_us'] or 0) / 1000:.2f}"
            if t["p50_us"] is not None else "-",
            f"{ratio:.2f}" if ratio else "-",
            f"{r['server_ratio_to_nodexx']:.2f}" if r["server_ratio_to_nodexx"] else "-",
            goal_s,
        ])
    runner.print_rows(cols, rows)
    print("\n* still disturbed after retries (something else used the machine)   "
          "E wrk reported errors or timeouts\n"
          "CPU0 µs/req: busy time of the server's core per request (network stack included); "
          "server µs/req: the server process's own CPU time;\n"
          "user µs/req: the user-space part of it (the rest is the kernel's: system calls, "
          "TCP);\n"
          "µs ratio = peer CPU0 µs ÷ nodexx CPU0 µs (>1: nodexx is cheaper), server ratio the "
          "same with the process's own CPU time\n(steadier on a busy machine: it leaves out what "
          "other processes cost core 0); goal (on µs ratio): Express >= 10x, Fastify >= 3x")
    for r in results:
        if r["status"] != "ok":
            print(f"\n{r['name']} failed:\n{r['error']}")


def main():
    args = parse_args()
    names = runner.peer_names(args, ALL, "bench/web", (args.wrk,))
    prepared, results = runner.prepare(names, lambda n: WebPeer(n, args))

    os.sched_setaffinity(0, {args.client_cpu})
    load = os.getloadavg()
    wrk_version = subprocess.run([args.wrk, "-v"], capture_output=True,
                                 text=True).stdout.splitlines()[0]
    print(f"bench/web: {len(names)} peers, {args.runs} run(s) of {args.duration:g}s after "
          f"{args.warmup:g}s warm-up, {args.connections} connections, servers on cpu "
          f"{args.server_cpu}, {wrk_version.split(' [')[0]} -t1 on cpu {args.client_cpu}; "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}", flush=True)
    if load[0] > 0.5:
        print(f"warning: the machine is not quiet (1-minute load {load[0]:.2f}); the figures "
              "are indicative only", flush=True)

    results = runner.bench_all(names, prepared, results, lambda peer: bench_peer(args, peer))
    ratios(results)
    print()
    print_table(results)
    load_end = os.getloadavg()
    print(f"load average at the end: {load_end[0]:.2f} {load_end[1]:.2f} {load_end[2]:.2f}")

    runner.write_results(args, os.path.join(args.build_dir, "bench", "web", "results"), {
        "host": platform.node(), "kernel": platform.release(), "cpus": os.cpu_count(),
        "load_avg_start": load, "load_avg_end": load_end, "quick": args.quick,
        "wrk": wrk_version,
        "settings": {k: getattr(args, k) for k in (
            "duration", "warmup", "runs", "retries", "connections", "server_cpu",
            "client_cpu")},
        "goals": GOALS,
        "peers": results,
    })


if __name__ == "__main__":
    main()
