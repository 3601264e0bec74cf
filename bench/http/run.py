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
import os
import platform
import resource
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import runner  # noqa: E402
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
    return runner.finish_arguments(ap.parse_args())


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


def wrk_once(args, peer, test, duration):
    """One wrk run of `test` against the peer."""
    _, route, script, pipelined = test
    return runner.wrk_once(args, peer, script, route, duration,
                            [str(args.pipeline)] if pipelined else ())


def bench_peer(args, peer):
    """Starts, checks and measures one peer; always stops it."""
    result = {"name": peer.name, "version": peer.version, "note": peer.note, "tests": {}}
    try:
        peer.start(args.server_cpu, args.start_timeout)
        probe.check_responses(peer.port)
        probe.check_pipelining(peer.port, args.pipeline)
        for test in TESTS:
            print(f"  {peer.name} {test[0]}", file=sys.stderr, flush=True)
            result["tests"][test[0]] = runner.measure(
                args, lambda duration, test=test: wrk_once(args, peer, test, duration))
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
    runner.print_rows(cols, rows)
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
    names = runner.peer_names(args, peers.ALL, "bench/http", (args.wrk, "curl"))
    nofile = raise_nofile(args.idle_conns + 4096)
    if args.idle_conns + 1024 > nofile:
        sys.exit(f"RLIMIT_NOFILE is {nofile}: too low for --idle-conns {args.idle_conns}")

    prepared, results = runner.prepare(names, lambda n: peers.Peer(n, args), {"note": ""})

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

    results = runner.bench_all(names, prepared, results, lambda peer: bench_peer(args, peer))
    ratios(results)
    print()
    print_table(args, results)

    runner.write_results(args, os.path.join(HERE, "results"), {
        "host": platform.node(), "kernel": platform.release(), "cpus": os.cpu_count(),
        "load_avg": os.getloadavg(), "quick": args.quick, "wrk": wrk_version,
        "settings": {k: getattr(args, k) for k in (
            "duration", "warmup", "runs", "retries", "connections", "pipeline",
            "idle_conns", "server_cpu", "client_cpu")},
        "pipeline_check": {"requests_per_write": depth_seen, "reads": reads},
        "peers": results,
    })


if __name__ == "__main__":
    main()
