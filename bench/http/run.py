#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""HTTP benchmark: nodexx against Node http, Express 5, Fastify 5, nginx and h2o, in one go.

Each server is pinned to one core (--server-cpu, 0) and wrk to another (--client-cpu, 1,
`wrk -t1`). For each server: curl checks of both routes and a pipelining check, then
TechEmpower's GET /plaintext and GET /json with --connections (256) for --duration (10 s) after
a --warmup, and /plaintext pipelined x--pipeline (16) with a wrk Lua script; median of --runs (3)
runs. Every run also measures the server core's busy CPU time (/proc/stat) per request, since
one wrk thread saturates before the fastest servers do; a run during which something else used
the machine is repeated (--retries) and marked when it stays disturbed. Last, the server's RSS
growth per idle keep-alive connection (--idle-conns, 10,000, one request each).

    scripts/install-bench-deps.sh                   # wrk, nginx, h2o, npm ci --prefix bench
    python3 bench/http/run.py                       # builds nodexx (release preset), all peers
    python3 bench/http/run.py --quick               # 1 run of 2 s: checks the harness only
    python3 bench/http/run.py --peers nodexx,nginx --runs 5 --out /tmp/http.json

Results: one table on stdout, and JSON in bench/http/results/<UTC time>.json or --out.
"""

import argparse
import atexit
import datetime
import json
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import cpu  # noqa: E402
import peers  # noqa: E402
import probe  # noqa: E402
from peers import PeerError  # noqa: E402

REPORT_LUA = os.path.join(HERE, "wrk", "report.lua")
PIPELINE_LUA = os.path.join(HERE, "wrk", "pipeline.lua")

# name, route, script, whether pipelined
TESTS = [("plaintext", "/plaintext", REPORT_LUA, False),
         ("json", "/json", REPORT_LUA, False),
         ("pipelined", "/plaintext", PIPELINE_LUA, True)]


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--peers", default=",".join(peers.ALL),
                    help=f"comma-separated servers to run (default: {','.join(peers.ALL)})")
    ap.add_argument("--duration", type=float, default=10, help="seconds per run (default 10)")
    ap.add_argument("--warmup", type=float, default=5,
                    help="seconds of unmeasured load before each test's runs (default 5)")
    ap.add_argument("--runs", type=int, default=3, help="runs per test; the median is shown")
    ap.add_argument("--retries", type=int, default=2,
                    help="extra attempts of a disturbed run (default 2)")
    ap.add_argument("--connections", type=int, default=256, help="wrk connections (256)")
    ap.add_argument("--pipeline", type=int, default=16, help="pipelining depth (16)")
    ap.add_argument("--idle-conns", type=int, default=10000,
                    help="idle keep-alive connections for the RSS figure (10000; 0 skips)")
    ap.add_argument("--out", help="JSON results (default bench/http/results/<time>.json)")
    ap.add_argument("--quick", action="store_true",
                    help="1 run of 2 s, 1 s warm-up, 1 retry: checks the harness, no figures")
    ap.add_argument("--server-cpu", default="0", help="core the servers are pinned to (0)")
    ap.add_argument("--client-cpu", default="1", help="core wrk is pinned to (1)")
    ap.add_argument("--build-dir", default=os.path.join(peers.ROOT, "build", "release"),
                    help="nodexx build tree; build/release is configured with the release "
                         "preset (default)")
    ap.add_argument("--nodexx-bin", help="a built bench_http_nodexx; skips the build")
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
    return args


def raise_nofile(need):
    """Raises RLIMIT_NOFILE (inherited by the servers) so that `need` descriptors fit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = max(need, soft)
    if hard != resource.RLIM_INFINITY and hard < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, target))
            return target
        except (ValueError, OSError):
            target = hard
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return target


def wrk_once(args, peer, route, script, pipelined, duration):
    """One wrk run against the peer; returns wrk's figures and the CPU window's."""
    cmd = ["taskset", "-c", str(args.client_cpu), args.wrk, "-t1", f"-c{args.connections}",
           f"-d{duration:g}s", "-s", script, f"http://127.0.0.1:{peer.port}{route}"]
    if pipelined:
        cmd += ["--", str(args.pipeline)]
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
    # A run without a single response counts as an error too (its figures are empty).
    errors = sum(r[k] for k in ("connect_errors", "read_errors", "write_errors",
                                "status_errors", "timeouts")) + (n == 0)
    return {
        "requests": n,
        "rps": n / (r["duration_us"] / 1e6) if r["duration_us"] else 0.0,
        "us_per_req": w["core0_busy_s"] * 1e6 / n if n else None,
        "server_us_per_req": w["server_cpu_s"] * 1e6 / n if n else None,
        "p50_us": r["p50_us"],
        # wrk's coordinated-omission correction can leave no sample at p99 with pipelining.
        "p99_us": r["p99_us"] or None,
        "errors": errors,
        "wrk": r,
        "cpu": w,
    }


def measured_run(args, peer, test):
    """One run, repeated while disturbed (up to --retries more); the least disturbed attempt
    is kept and says whether it was still disturbed."""
    _, route, script, pipelined = test
    attempts = []
    for _ in range(1 + args.retries):
        r = wrk_once(args, peer, route, script, pipelined, args.duration)
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
    """Starts, checks and measures one peer; always stops it."""
    result = {"name": peer.name, "version": peer.version, "note": peer.note, "tests": {}}
    try:
        peer.start(args.server_cpu, args.start_timeout)
        probe.check_responses(peer.port)
        probe.check_pipelining(peer.port, args.pipeline)
        for test in TESTS:
            name, route, script, pipelined = test
            print(f"  {peer.name} {name}", file=sys.stderr, flush=True)
            if args.warmup > 0:
                wrk_once(args, peer, route, script, pipelined, args.warmup)
                # A slow server may still be answering requests of the warm-up's connections.
                time.sleep(1)
            runs = [measured_run(args, peer, test) for _ in range(args.runs)]
            result["tests"][name] = {
                "rps": median_of(runs, "rps"),
                "us_per_req": median_of(runs, "us_per_req"),
                "server_us_per_req": median_of(runs, "server_us_per_req"),
                "p50_us": median_of(runs, "p50_us"),
                "p99_us": median_of(runs, "p99_us"),
                "errors": sum(r["errors"] for r in runs),
                "disturbed": any(r["cpu"]["disturbed"] for r in runs),
                "runs": runs,
            }
        if args.idle_conns > 0:
            print(f"  {peer.name} idle connections", file=sys.stderr, flush=True)
            result["idle"] = probe.idle_rss(peer.pid, peer.port, args.idle_conns)
            if not peer.alive():
                raise PeerError(f"{peer.name} died with idle connections:\n{peer.output()}")
        result["status"] = "ok"
    except Exception as e:  # noqa: BLE001  (any failure fails this peer, not the others)
        result["status"] = "failed"
        result["error"] = f"{type(e).__name__}: {e}" if not isinstance(e, PeerError) else str(e)
    finally:
        peer.stop()
    return result


# -- the table ---------------------------------------------------------------------------------

def fmt_rps(t):
    if t is None or t["rps"] is None:
        return "-"
    mark = ("*" if t["disturbed"] else "") + ("E" if t["errors"] else "")
    return f"{t['rps'] / 1000:.1f}k{mark}"


def fmt_us(t):
    if t is None or t["us_per_req"] is None:
        return "-"
    return f"{t['us_per_req']:.2f}{'*' if t['disturbed'] else ''}"


def fmt_lat(t):
    if t is None or t["p50_us"] is None or t["p99_us"] is None:
        return "-"
    miss = " >2x" if t["p99_us"] > 2 * t["p50_us"] else ""
    return f"{t['p50_us'] / 1000:.2f}/{t['p99_us'] / 1000:.2f}{miss}"


def fmt_idle(idle):
    if not idle:
        return "-"
    text = f"{idle['bytes_per_conn'] / 1024:.1f} KiB"
    if idle["still_open"] < idle["connections"]:
        text += f" ({idle['still_open']} open)"
    return text


def ratios(results):
    """peer µs/req ÷ nodexx µs/req per test (>1: nodexx is cheaper)."""
    base = next((r for r in results if r["name"] == "nodexx" and r["status"] == "ok"), None)
    for r in results:
        r["us_ratio_to_nodexx"] = {}
        if not base or r["status"] != "ok":
            continue
        for name, _, _, _ in TESTS:
            a, b = r["tests"][name]["us_per_req"], base["tests"][name]["us_per_req"]
            r["us_ratio_to_nodexx"][name] = a / b if a and b else None


def print_table(args, results):
    cols = ["peer", "plaintext req/s", "CPU0 µs/req", "json req/s", "json µs/req",
            f"piped x{args.pipeline} req/s", "µs/req piped", "p50/p99 ms",
            "RSS/idle conn", "µs ratio pl/json/piped"]
    rows = []
    for r in results:
        if r["status"] != "ok":
            rows.append([r["name"], "FAILED: " + r["error"].splitlines()[0]])
            continue
        t = r["tests"]
        rat = r["us_ratio_to_nodexx"]
        rat_s = "/".join(f"{rat[n]:.2f}" if rat.get(n) else "-" for n, _, _, _ in TESTS) \
            if rat else "-"
        rows.append([r["name"], fmt_rps(t["plaintext"]), fmt_us(t["plaintext"]),
                     fmt_rps(t["json"]), fmt_us(t["json"]), fmt_rps(t["pipelined"]),
                     fmt_us(t["pipelined"]), fmt_lat(t["plaintext"]), fmt_idle(r.get("idle")),
                     rat_s])
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
          "E wrk reported errors or timeouts (or no response at all)\n"
          "p50/p99: plaintext latency from wrk; >2x marks p99 above twice p50 (the target)\n"
          "µs/req: busy time of the server's core (user+nice+system+irq+softirq) per request; "
          "ratio = peer µs ÷ nodexx µs (>1: nodexx is cheaper)")
    for r in results:
        if r.get("note"):
            print(f"note: {r['note']}")
        if r["status"] != "ok":
            print(f"\n{r['name']} failed:\n{r['error']}")


# -- main --------------------------------------------------------------------------------------

def main():
    args = parse_args()
    names = [n.strip() for n in args.peers.split(",") if n.strip()]
    for n in names:
        if n not in peers.ALL:
            sys.exit(f"unknown peer {n!r} (known: {', '.join(peers.ALL)})")
    if os.cpu_count() < 2 or not shutil.which("taskset"):
        sys.exit("bench/http needs two cores and taskset (util-linux)")
    for tool in (args.wrk, "curl"):
        if not shutil.which(tool):
            sys.exit(f"{tool} not found: run scripts/install-bench-deps.sh")

    atexit.register(peers.stop_all)
    # SIGTERM (and SIGHUP) become SystemExit, so finally blocks and atexit stop the servers.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda s, f: sys.exit(128 + s))
    nofile = raise_nofile(args.idle_conns + 4096)
    if args.idle_conns + 1024 > nofile:
        sys.exit(f"RLIMIT_NOFILE is {nofile}: too low for --idle-conns {args.idle_conns}")

    # Build (or find) every server before any measurement: a build on the machine would
    # disturb the runs.
    prepared, results = [], []
    for n in names:
        peer = peers.Peer(n, args)
        try:
            peer.prepare()
            prepared.append(peer)
        except PeerError as e:
            results.append({"name": n, "status": "failed", "error": str(e), "note": ""})

    # The runner and its children (curl, the idle clients) stay off the server's core.
    os.sched_setaffinity(0, {args.client_cpu})

    depth_seen, reads = probe.check_wrk_pipelines(["taskset", "-c", str(args.client_cpu),
                                                   args.wrk], PIPELINE_LUA, args.pipeline)
    if depth_seen != args.pipeline:
        sys.exit(f"wrk's pipeline.lua wrote {depth_seen} requests per read, expected "
                 f"{args.pipeline}: the pipelined figures would be wrong")

    wrk_version = subprocess.run([args.wrk, "-v"], capture_output=True,
                                 text=True).stdout.splitlines()[0]
    print(f"bench/http: {len(names)} peers, {args.runs} run(s) of {args.duration:g}s after "
          f"{args.warmup:g}s warm-up, {args.connections} connections, servers on cpu "
          f"{args.server_cpu}, {wrk_version.split(' [')[0]} -t1 on cpu {args.client_cpu}; "
          f"pipeline check: {depth_seen} requests per write", flush=True)

    try:
        for peer in prepared:
            print(f"{peer.name}: {peer.version}", file=sys.stderr, flush=True)
            results.append(bench_peer(args, peer))
    finally:
        peers.stop_all()

    results.sort(key=lambda r: names.index(r["name"]))
    ratios(results)
    print()
    print_table(args, results)

    out = args.out
    if not out:
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        out = os.path.join(HERE, "results", f"{stamp}.json")
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "w") as f:
        json.dump({
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
            "host": platform.node(), "kernel": platform.release(), "cpus": os.cpu_count(),
            "load_avg": os.getloadavg(), "quick": args.quick, "wrk": wrk_version,
            "settings": {k: getattr(args, k) for k in (
                "duration", "warmup", "runs", "retries", "connections", "pipeline",
                "idle_conns", "server_cpu", "client_cpu")},
            "pipeline_check": {"requests_per_write": depth_seen, "reads": reads},
            "peers": results,
        }, f, indent=2)
    print(f"\nwritten: {out}")
    sys.exit(0 if all(r["status"] == "ok" for r in results) else 1)


if __name__ == "__main__":
    main()
