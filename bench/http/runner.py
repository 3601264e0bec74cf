# SPDX-License-Identifier: MIT
"""What bench/http/run.py and bench/web/run.py share: the checks and signal handling before any
server starts, preparing and benchmarking each peer, one wrk run with its CPU window (cpu.py),
the retries of a disturbed run, the medians of a test's runs, the text table and the JSON file.

The functions take the runner's parsed arguments (`args`): --peers, --wrk, --connections,
--duration, --warmup, --runs, --retries, --server-cpu, --client-cpu and --out.
"""

import atexit
import datetime
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time

import cpu
import peers
from peers import PeerError


def finish_arguments(args):
    """Applies --quick (1 run of 2 s, 1 s warm-up, 1 retry unless --retries is given) and turns
    the cores into numbers."""
    if args.quick:
        args.runs, args.duration, args.warmup = 1, 2, 1
        if "--retries" not in sys.argv:
            args.retries = 1
    args.server_cpu, args.client_cpu = int(args.server_cpu), int(args.client_cpu)
    return args


def peer_names(args, known, label, tools):
    """The peers --peers names, once the machine is checked (two cores, taskset, `tools`); exits
    with the reason otherwise. From here on the servers are stopped however the runner ends."""
    names = [n.strip() for n in args.peers.split(",") if n.strip()]
    for n in names:
        if n not in known:
            sys.exit(f"unknown peer {n!r} (known: {', '.join(known)})")
    if os.cpu_count() < 2 or not shutil.which("taskset"):
        sys.exit(f"{label} needs two cores and taskset (util-linux)")
    for tool in tools:
        if not shutil.which(tool):
            sys.exit(f"{tool} not found: run scripts/install-bench-deps.sh")

    atexit.register(peers.stop_all)
    # SIGTERM (and SIGHUP) become SystemExit, so finally blocks and atexit stop the servers.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda s, f: sys.exit(128 + s))
    return names


def prepare(names, make_peer, failed=None):
    """Builds (or finds) every server before any measurement: a build on the machine would
    disturb the runs. Returns the peers ready to run, and a result (with `failed`'s fields)
    for each that is not."""
    prepared, results = [], []
    for n in names:
        peer = make_peer(n)
        try:
            peer.prepare()
            prepared.append(peer)
        except PeerError as e:
            results.append({"name": n, "status": "failed", "error": str(e), **(failed or {})})
    return prepared, results


def bench_all(names, prepared, results, bench_peer):
    """Runs bench_peer(peer) for each prepared peer, stops every server, and returns all
    results in --peers order."""
    try:
        for peer in prepared:
            print(f"{peer.name}: {peer.version}", file=sys.stderr, flush=True)
            results.append(bench_peer(peer))
    finally:
        peers.stop_all()
    results.sort(key=lambda r: names.index(r["name"]))
    return results


def wrk_once(args, peer, script, route, duration, script_args=()):
    """One wrk run of `script` against the peer's `route`, with `script_args` after `--`;
    returns wrk's figures and the CPU window's."""
    cmd = ["taskset", "-c", str(args.client_cpu), args.wrk, "-t1", f"-c{args.connections}",
           f"-d{duration:g}s", "-s", script, f"http://127.0.0.1:{peer.port}{route}"]
    if script_args:
        cmd += ["--", *script_args]
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
        # The user-space part: the rest of server µs is the kernel's (system calls, TCP).
        "user_us_per_req": w["server_user_s"] * 1e6 / n if n else None,
        "p50_us": r["p50_us"],
        # wrk's coordinated-omission correction can leave no sample at p99 with pipelining.
        "p99_us": r["p99_us"] or None,
        "errors": errors,
        "wrk": r,
        "cpu": w,
    }


def measured_run(args, once):
    """One run (`once(duration)`), repeated while disturbed (up to --retries more); the least
    disturbed attempt is kept and says whether it was still disturbed."""
    attempts = []
    for _ in range(1 + args.retries):
        r = once(args.duration)
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


def measure(args, once):
    """A test: --warmup seconds of unmeasured load, then --runs measured runs of
    `once(duration)`; returns their medians, error count and disturbance, and the runs."""
    if args.warmup > 0:
        once(args.warmup)
        # A slow server may still be answering requests of the warm-up's connections.
        time.sleep(1)
    runs = [measured_run(args, once) for _ in range(args.runs)]
    return {
        "rps": median_of(runs, "rps"),
        "us_per_req": median_of(runs, "us_per_req"),
        "server_us_per_req": median_of(runs, "server_us_per_req"),
        "user_us_per_req": median_of(runs, "user_us_per_req"),
        "p50_us": median_of(runs, "p50_us"),
        "p99_us": median_of(runs, "p99_us"),
        "errors": sum(r["errors"] for r in runs),
        "disturbed": any(r["cpu"]["disturbed"] for r in runs),
        "runs": runs,
    }


def print_rows(cols, rows):
    """The table's head and rows: the first column left-aligned, the others right-aligned; a
    row of two cells (a peer and its failure) is printed across the table."""
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


def write_results(args, results_dir, document):
    """Writes `document` (with "date" first) to --out or <results_dir>/<UTC time>.json, says
    where, and exits 0 when every peer ran, else 1."""
    out = args.out
    if not out:
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        out = os.path.join(results_dir, f"{stamp}.json")
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "w") as f:
        json.dump({"date": datetime.datetime.now(datetime.timezone.utc).isoformat(), **document},
                  f, indent=2)
    print(f"\nwritten: {out}")
    sys.exit(0 if all(r["status"] == "ok" for r in document["peers"]) else 1)
