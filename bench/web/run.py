#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Web-framework benchmark: nodexx's web layer against Express 5 and Fastify 5, in one go.

The same application in each: 200 routes (100 static, 80 with two params, 20 wildcards) behind
a chain of 10 cheap middleware; wrk (-t1, pinned to --client-cpu) spreads its requests over
the three kinds of route (wrk/routes.lua) while the server runs pinned to --server-cpu. Per
peer: a response check, a warm-up, then --runs runs (median shown) with the server core's busy
CPU time per request from /proc/stat; a run during which something else used the machine is
repeated (--retries) and marked when it stays disturbed. bench/http's modules do the process
handling (peers.py) and the CPU accounting (cpu.py).

    python3 bench/web/run.py                  # builds bench_web_nodexx (release preset), all peers
    python3 bench/web/run.py --quick          # 1 run of 2 s: checks the harness only
    python3 bench/web/run.py --peers nodexx,fastify --runs 5 --out /tmp/web.json

Results: one table on stdout with the ratios to nodexx (goal: Express >= 10x, Fastify >= 3x
the CPU per request of nodexx), and JSON in <build-dir>/bench/web/results/<UTC time>.json or
--out.
"""

import argparse
import atexit
import datetime
import http.client
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
HTTP_BENCH = os.path.join(os.path.dirname(HERE), "http")
# No __pycache__ folders in the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, HTTP_BENCH)
import cpu  # noqa: E402  (bench/http/cpu.py)
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
    args = ap.parse_args()
    if args.quick:
        args.runs, args.duration, args.warmup = 1, 2, 1
        if "--retries" not in sys.argv:
            args.retries = 1
    args.server_cpu, args.client_cpu = int(args.server_cpu), int(args.client_cpu)
    # bench/http's Peer reads these when it builds or starts a server.
    args.idle_conns = 0
    return args


def build_nodexx(build_dir):
    """Builds bench_web_nodexx (release preset for build/release). Returns the binary."""
    if os.path.abspath(build_dir) == os.path.join(ROOT, "build", "release"):
        configure = ["cmake", "--preset", "release"]
    else:
        configure = ["cmake", "-S", ROOT, "-B", build_dir, "-G", "Ninja",
                     "-DCMAKE_BUILD_TYPE=Release", "-DNX_BUILD_TESTS=OFF"]
    for cmd in (configure, ["cmake", "--build", build_dir, "-j2", "--target",
                            "bench_web_nodexx"]):
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        if done.returncode != 0:
            tail = "\n".join((done.stdout + done.stderr).splitlines()[-25:])
            raise PeerError(f"`{' '.join(cmd)}` failed:\n{tail}")
    return os.path.join(build_dir, "bench", "web", "bench_web_nodexx")


class WebPeer(peers.Peer):
    """bench/http's Peer (process group, pinning, start and stop) with bench/web's servers."""

    def prepare(self):
        a = self.args
        if self.name == "nodexx":
            binary = a.nodexx_bin or build_nodexx(a.build_dir)
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


def wrk_once(args, peer, duration):
    """One wrk run; returns wrk's figures and the CPU window's."""
    cmd = ["taskset", "-c", str(args.client_cpu), args.wrk, "-t1", f"-c{args.connections}",
           f"-d{duration:g}s", "-s", ROUTES_LUA, f"http://127.0.0.1:{peer.port}/"]
    win = cpu.Window(peer.pid, args.server_cpu, args.client_cpu)
    win.open()
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    except subprocess.TimeoutExpired:
        raise PeerError(f"wrk did not finish within {duration + 60:.0f}s")
    w = win.close()
    lines = [l for l in done.stdout.splitlines() if l.startswith("{")]
    if done.returncode != 0 or not lines:
        raise PeerError(f"wrk failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    if not peer.alive():
        raise PeerError(f"{peer.name} died during the run:\n{peer.output()}")
    r = json.loads(lines[-1])
    n = r["requests"]
    errors = sum(r[k] for k in ("connect_errors", "read_errors", "write_errors",
                                "status_errors", "timeouts")) + (n == 0)
    return {
        "requests": n,
        "rps": n / (r["duration_us"] / 1e6) if r["duration_us"] else 0.0,
        "us_per_req": w["core0_busy_s"] * 1e6 / n if n else None,
        "server_us_per_req": w["server_cpu_s"] * 1e6 / n if n else None,
        "p50_us": r["p50_us"],
        "p99_us": r["p99_us"] or None,
        "errors": errors,
        "wrk": r,
        "cpu": w,
    }


def measured_run(args, peer):
    """One run, repeated while disturbed (up to --retries more); keeps the least disturbed."""
    attempts = []
    for _ in range(1 + args.retries):
        r = wrk_once(args, peer, args.duration)
        attempts.append(r)
        if not r["cpu"]["disturbed"]:
            break
        print(f"    disturbed ({r['cpu']['disturbance']}; top: "
              f"{', '.join(p['comm'] for p in r['cpu']['top_other_processes']) or '-'})",
              file=sys.stderr, flush=True)
    best = min(attempts, key=lambda r: (r["cpu"]["disturbed"], r["cpu"]["foreign_core0_s"]
                                        + r["cpu"]["foreign_core1_s"]))
    best["attempts"] = len(attempts)
    return best


def median_of(runs, key):
    vals = [r[key] for r in runs if r[key] is not None]
    return statistics.median(vals) if vals else None


def bench_peer(args, peer):
    result = {"name": peer.name, "version": peer.version, "tests": {}}
    try:
        peer.start(args.server_cpu, args.start_timeout)
        check_responses(peer.port)
        print(f"  {peer.name} routes", file=sys.stderr, flush=True)
        if args.warmup > 0:
            wrk_once(args, peer, args.warmup)
            time.sleep(1)  # a slow server may still be answering the warm-up's connections
        runs = [measured_run(args, peer) for _ in range(args.runs)]
        result["routes"] = {
            "rps": median_of(runs, "rps"),
            "us_per_req": median_of(runs, "us_per_req"),
            "server_us_per_req": median_of(runs, "server_us_per_req"),
            "p50_us": median_of(runs, "p50_us"),
            "p99_us": median_of(runs, "p99_us"),
            "errors": sum(r["errors"] for r in runs),
            "disturbed": any(r["cpu"]["disturbed"] for r in runs),
            "runs": runs,
        }
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
    cols = ["peer", "req/s", "CPU0 µs/req", "server µs/req", "p50/p99 ms", "µs ratio",
            "server ratio", "goal"]
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
            f"{t['p50_us'] / 1000:.2f}/{(t['p99_us'] or 0) / 1000:.2f}"
            if t["p50_us"] is not None else "-",
            f"{ratio:.2f}" if ratio else "-",
            f"{r['server_ratio_to_nodexx']:.2f}" if r["server_ratio_to_nodexx"] else "-",
            goal_s,
        ])
    widths = [max([len(c)] + [len(row[i]) for row in rows if len(row) == len(cols) or i == 0])
              for i, c in enumerate(cols)]
    line = " | ".join(c.ljust(w) if i == 0 else c.rjust(w)
                      for i, (c, w) in enumerate(zip(cols, widths)))
    print(line)
    print("-" * len(line))
    for row in rows:
        if len(row) == len(cols):
            print(" | ".join(c.ljust(w) if i == 0 else c.rjust(w)
                             for i, (c, w) in enumerate(zip(row, widths))))
        else:
            print(f"{row[0].ljust(widths[0])} | {row[1]}")
    print("\n* still disturbed after retries (something else used the machine)   "
          "E wrk reported errors or timeouts\n"
          "CPU0 µs/req: busy time of the server's core per request (network stack included); "
          "server µs/req: the server process's own CPU time;\n"
          "µs ratio = peer CPU0 µs ÷ nodexx CPU0 µs (>1: nodexx is cheaper), server ratio the "
          "same with the process's own CPU time\n(steadier on a busy machine: it leaves out what "
          "other processes cost core 0); goal (on µs ratio): Express >= 10x, Fastify >= 3x")
    for r in results:
        if r["status"] != "ok":
            print(f"\n{r['name']} failed:\n{r['error']}")


def main():
    args = parse_args()
    names = [n.strip() for n in args.peers.split(",") if n.strip()]
    for n in names:
        if n not in ALL:
            sys.exit(f"unknown peer {n!r} (known: {', '.join(ALL)})")
    if os.cpu_count() < 2 or not shutil.which("taskset"):
        sys.exit("bench/web needs two cores and taskset (util-linux)")
    if not shutil.which(args.wrk):
        sys.exit(f"{args.wrk} not found: run scripts/install-bench-deps.sh")

    atexit.register(peers.stop_all)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda s, f: sys.exit(128 + s))

    # Build (or find) every server before measuring: a build would disturb the runs.
    prepared, results = [], []
    for n in names:
        peer = WebPeer(n, args)
        try:
            peer.prepare()
            prepared.append(peer)
        except PeerError as e:
            results.append({"name": n, "status": "failed", "error": str(e)})

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

    try:
        for peer in prepared:
            print(f"{peer.name}: {peer.version}", file=sys.stderr, flush=True)
            results.append(bench_peer(args, peer))
    finally:
        peers.stop_all()

    results.sort(key=lambda r: names.index(r["name"]))
    ratios(results)
    print()
    print_table(results)
    load_end = os.getloadavg()
    print(f"load average at the end: {load_end[0]:.2f} {load_end[1]:.2f} {load_end[2]:.2f}")

    out = args.out
    if not out:
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        out = os.path.join(args.build_dir, "bench", "web", "results", f"{stamp}.json")
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "w") as f:
        json.dump({
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
            "host": platform.node(), "kernel": platform.release(), "cpus": os.cpu_count(),
            "load_avg_start": load, "load_avg_end": load_end, "quick": args.quick,
            "wrk": wrk_version,
            "settings": {k: getattr(args, k) for k in (
                "duration", "warmup", "runs", "retries", "connections", "server_cpu",
                "client_cpu")},
            "goals": GOALS,
            "peers": results,
        }, f, indent=2)
    print(f"\nwritten: {out}")
    sys.exit(0 if all(r["status"] == "ok" for r in results) else 1)


if __name__ == "__main__":
    main()
