#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""HTTP benchmark: nodexx against Node http, Express 5, Fastify 5, nginx and h2o, in one go.

Each server is pinned to one core (--server-cpu, 0) and wrk to another (--client-cpu, 1,
`wrk -t1`). For each server: curl checks of both routes and a pipelining check, then
TechEmpower's GET /plaintext and GET /json with --connections (256) for --duration (10 s) after
a --warmup, and /plaintext pipelined x--pipeline (16) with a wrk Lua script; median of --runs (3)
runs. Every run also measures the server core's busy CPU time (/proc/stat) per request, since
one wrk thread saturates before the fastest servers do; a run during which something else used
the machine is repeated (--retries) and marked when it stays disturbed. Then the server's RSS
growth per idle keep-alive connection (--idle-conns, 10,000, one request each). Last, open-loop
latency: bench_http_loadgen sends GET /plaintext at a fixed rate (--latency-rate, 50 k/s, and
--latency-high, 0.5 x nodexx's plaintext req/s) on 64 connections and reports p50/p99/p99.9
from each request's intended send time, which wrk's closed loop cannot (see README.md).

    scripts/install-bench-deps.sh                   # wrk, nginx, h2o, npm ci --prefix bench
    python3 bench/http/run.py                       # builds nodexx (release preset), all peers
    python3 bench/http/run.py --quick               # 1 run of 2 s: checks the harness only
    python3 bench/http/run.py --peers nodexx,nginx --runs 5 --out /tmp/http.json

Results: one table on stdout, and JSON in bench/http/results/<UTC time>.json or --out.
"""

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import cpu  # noqa: E402
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
    ap.add_argument("--latency-rate", type=float, default=50000,
                    help="open-loop latency phase: a fixed rate every fast peer sustains "
                         "(req/s, 50000; 0 skips the phase)")
    ap.add_argument("--latency-high", type=float, default=0.5,
                    help="a second rate, as a fraction of nodexx's plaintext req/s in this run "
                         "(0.5; 0 skips it; needs nodexx among the peers)")
    ap.add_argument("--latency-connections", type=int, default=64,
                    help="loadgen connections (64)")
    ap.add_argument("--latency-duration", type=float, default=10,
                    help="measured seconds per latency run (10)")
    ap.add_argument("--latency-warmup", type=float, default=3,
                    help="seconds at the rate before the measured ones (3)")
    ap.add_argument("--latency-sleep", action="store_true",
                    help="the generator sleeps until each send time instead of polling (it "
                         "polls by default, see README.md)")
    ap.add_argument("--loadgen-bin",
                    help="a built bench_http_loadgen (default: built with nodexx, or beside "
                         "--nodexx-bin)")
    args = runner.finish_arguments(ap.parse_args())
    if args.quick:
        args.latency_duration, args.latency_warmup = 2, 1
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


def wrk_once(args, peer, test, duration):
    """One wrk run of `test` against the peer."""
    _, route, script, pipelined = test
    return runner.wrk_once(args, peer, script, route, duration,
                            [str(args.pipeline)] if pipelined else ())


# -- the open-loop latency phase ---------------------------------------------------------------

def loadgen_path(args):
    """The bench_http_loadgen to run: --loadgen-bin, the one beside --nodexx-bin, or a build of
    it (with bench_http_nodexx, which run.py builds anyway) in --build-dir."""
    if args.loadgen_bin:
        path = args.loadgen_bin
    elif args.nodexx_bin:
        path = os.path.join(os.path.dirname(os.path.abspath(args.nodexx_bin)),
                            "bench_http_loadgen")
    else:
        peers.build_nodexx(args.build_dir, build_args=("--target", "bench_http_loadgen"))
        path = os.path.join(args.build_dir, "bench", "http", "bench_http_loadgen")
    if not os.access(path, os.X_OK):
        sys.exit(f"{path} is not built: give --loadgen-bin, or --latency-rate 0 to skip latency")
    return os.path.abspath(path)


def loadgen_once(args, peer, rate):
    """One open-loop run of GET /plaintext at `rate` req/s (warm-up included), with the CPU
    window of a wrk run; returns loadgen's JSON figures and the window's."""
    cmd = ["taskset", "-c", str(args.client_cpu), args.loadgen, "--port", str(peer.port),
           "--path", "/plaintext", "--connections", str(args.latency_connections),
           "--rate", f"{rate:.0f}", "--duration", f"{args.latency_duration:g}",
           "--warmup", f"{args.latency_warmup:g}"] + ([] if args.latency_sleep
                                                       else ["--busy-poll"])
    limit = args.latency_duration + args.latency_warmup + 60
    win = cpu.Window(peer.pid, args.server_cpu, args.client_cpu)
    win.open()
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=limit)
    except subprocess.TimeoutExpired:
        raise PeerError(f"bench_http_loadgen did not finish within {limit:.0f}s")
    w = win.close()
    lines = [l for l in done.stdout.splitlines() if l.startswith("{")]
    if done.returncode != 0 or not lines:
        raise PeerError(f"bench_http_loadgen failed ({done.returncode}):\n"
                        f"{done.stdout}{done.stderr}")
    if not peer.alive():
        raise PeerError(f"{peer.name} died during the latency run:\n{peer.output()}")
    r = json.loads(lines[-1])
    # Whose core was full: a rate the server cannot sustain fills core 0; a shortfall with core
    # 0 to spare is the generator's (or the connections' round trips).
    r["server_core_share"] = w["core0_busy_s"] / w["wall_s"] if w["wall_s"] else None
    if r["sustained"]:
        # A sustained run should answer every measured request; one that fell behind leaves
        # its backlog unanswered, which the n/a already says.
        r["errors"] += r["unanswered"]
    r["cpu"] = w
    return r


def latency_rates(args, results):
    """[(label, req/s)]: --latency-rate, and --latency-high × nodexx's plaintext req/s once
    nodexx's wrk phase has run (nodexx runs first)."""
    rates = [("fixed", args.latency_rate)] if args.latency_rate > 0 else []
    base = next((r["tests"]["plaintext"]["rps"] for r in results if r["name"] == "nodexx"
                 and r.get("tests", {}).get("plaintext", {}).get("rps")), None)
    if rates and args.latency_high > 0 and base:
        rates.append(("high", round(args.latency_high * base, -3)))
    return rates


def measure_latency(args, peer, rates):
    out = {}
    for label, rate in rates:
        print(f"  {peer.name} open-loop latency at {rate:.0f}/s", file=sys.stderr, flush=True)
        out[label] = runner.measured_run(args, lambda _duration, rate=rate:
                                         loadgen_once(args, peer, rate))
    return out


def bench_peer(args, peer, done=()):
    """Starts, checks and measures one peer; always stops it. `done` holds the results of the
    peers measured before (runner.bench_all appends to it): the high latency rate comes from
    nodexx's."""
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
        if args.latency_rate > 0:
            result["latency"] = measure_latency(args, peer,
                                                latency_rates(args, [*done, result]))
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


# Above this p99 of its own lateness (µs), the generator's figures are partly the generator's.
LOOP_LAG_LIMIT_US = 50


def fmt_open_loop(t):
    """"p50/p99/p99.9" in µs and "p99/p50" of one latency run, or n/a with the achieved rate."""
    if t is None:
        return "-", "-"
    mark = ("*" if t["cpu"]["disturbed"] else "") + ("E" if t["errors"] else "")
    if (t.get("loop_lag_p99_us") or 0) > LOOP_LAG_LIMIT_US:
        mark += "G"
    if not t["sustained"] or t["p50_us"] is None:
        return (f"n/a (achieved {t['achieved_rps'] / 1000:.1f}k/s, server core "
                f"{100 * (t['server_core_share'] or 0):.0f}%){mark}", "-")
    ratio = t["p99_us"] / t["p50_us"] if t["p50_us"] else 0
    return (f"{t['p50_us']:.0f}/{t['p99_us']:.0f}/{t['p999_us']:.0f}{mark}",
            f"{ratio:.2f}{' >2x' if ratio > 2 else ''}")


def print_latency_table(args, results):
    ok = [r for r in results if r["status"] == "ok" and r.get("latency")]
    if not ok:
        return
    rates = {}
    for r in ok:
        for label, t in r["latency"].items():
            rates.setdefault(label, t["target_rps"])
    cols = ["peer"]
    for label, rate in rates.items():
        cols += [f"{rate / 1000:g}k/s p50/p99/p99.9 µs", "p99/p50"]
    rows = []
    for r in ok:
        row = [r["name"]]
        for label in rates:
            row += fmt_open_loop(r["latency"].get(label))
        rows.append(row)
    print(f"\nopen-loop latency of GET /plaintext: bench_http_loadgen, "
          f"{args.latency_connections} connections, {args.latency_duration:g} s after "
          f"{args.latency_warmup:g} s at the rate, from each request's intended send time")
    runner.print_rows(cols, rows)
    print("n/a: the rate was not sustained, so percentiles would measure the backlog; with the "
          "server's core below ~90 % busy, the shortfall is the generator's\n"
          ">2x: p99 above twice p50 (the target)   * disturbed   E errors or unanswered requests"
          f"   G the generator's own lateness had a p99 above {LOOP_LAG_LIMIT_US} µs")


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
    if args.latency_rate > 0:
        args.loadgen = loadgen_path(args)
    # nodexx goes first: the high latency rate is a fraction of its throughput.
    prepared.sort(key=lambda p: p.name != "nodexx")

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

    results = runner.bench_all(names, prepared, results,
                               lambda peer: bench_peer(args, peer, results))
    ratios(results)
    print()
    print_table(args, results)
    print_latency_table(args, results)

    runner.write_results(args, os.path.join(HERE, "results"), {
        "host": platform.node(), "kernel": platform.release(), "cpus": os.cpu_count(),
        "load_avg": os.getloadavg(), "quick": args.quick, "wrk": wrk_version,
        "settings": {k: getattr(args, k) for k in (
            "duration", "warmup", "runs", "retries", "connections", "pipeline",
            "idle_conns", "server_cpu", "client_cpu", "latency_rate", "latency_high",
            "latency_connections", "latency_duration", "latency_warmup",
            "latency_sleep")},
        "pipeline_check": {"requests_per_write": depth_seen, "reads": reads},
        "peers": results,
    })


if __name__ == "__main__":
    main()
