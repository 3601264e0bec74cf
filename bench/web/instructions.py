#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""User-space instructions per request of bench/web's nodexx server (and of bench/http's, to
compare), counted by valgrind's callgrind: a figure that does not depend on the machine's load,
unlike the CPU time run.py measures.

Each server runs twice under callgrind, once for --base requests and once for --base +
--requests; the difference of the two totals divided by --requests is the cost of one request
without start-up and shutdown. The load is wrk/routes.lua's sequence of 999 requests (for
bench_web_nodexx) or GET /plaintext (for bench_http_nodexx), sent over --connections
keep-alive connections (1), one request at a time on each. Every answer must be a 200.

    python3 bench/web/instructions.py --web build/release/bench/web/bench_web_nodexx \\
        --http build/release/bench/http/bench_http_nodexx

A build with -g (CMAKE_CXX_FLAGS=-g) gives the profiles symbols; --keep leaves the callgrind
files (for callgrind_annotate) in --out-dir.
"""

import argparse
import os
import re
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time


def routes_sequence():
    """wrk/routes.lua's 999 paths (the same Park-Miller sequence)."""
    seed = 12345

    def rand(m):
        nonlocal seed
        seed = (seed * 16807) % 2147483647
        return seed % m

    paths = []
    for _ in range(333):
        s, p, w = rand(100), rand(80), rand(20)
        paths.append("/api/v1/items/static%d" % s)
        user, item = rand(100000), rand(1000)
        paths.append("/api/v1/users%d/%d/items/%d" % (p, user, item))
        doc, report = rand(50), rand(1000)
        paths.append("/files%d/docs/%d/report-%d.txt" % (w, doc, report))
    return paths


def load(port, paths, total, connections):
    """Sends `total` GETs; returns the number of answers that were not 200."""
    reqs = [("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % (p, port)).encode() for p in paths]
    sel = selectors.DefaultSelector()
    pending = {}
    sent = done = bad = 0
    for _ in range(min(connections, total)):
        s = socket.create_connection(("127.0.0.1", port))
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pending[s] = b""
        sel.register(s, selectors.EVENT_READ)
        s.sendall(reqs[sent % len(reqs)])
        sent += 1
    while done < total:
        for key, _ in sel.select(timeout=60):
            s = key.fileobj
            data = s.recv(65536)
            if not data:
                raise RuntimeError("the server closed a connection")
            buf = pending[s] + data
            while True:
                end = buf.find(b"\r\n\r\n")
                if end < 0:
                    break
                head = buf[:end].decode("latin-1")
                m = re.search(r"(?im)^content-length:\s*(\d+)", head)
                length = int(m.group(1)) if m else 0
                if len(buf) < end + 4 + length:
                    break
                if not head.startswith("HTTP/1.1 200"):
                    bad += 1
                buf = buf[end + 4 + length:]
                done += 1
                if sent < total:
                    s.sendall(reqs[sent % len(reqs)])
                    sent += 1
            pending[s] = buf
    for s in pending:
        s.close()
    return bad


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def count(binary, paths, total, connections, out_file):
    """Runs `binary` under callgrind for `total` requests; returns the instructions counted."""
    port = free_port()
    log = out_file + ".log"
    proc = subprocess.Popen(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out_file, binary, str(port)],
        stdout=subprocess.DEVNULL, stderr=open(log, "w"), start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("%s did not start (see %s)" % (binary, log))
                time.sleep(0.2)
        bad = load(port, paths, total, connections)
        if bad:
            raise RuntimeError("%d answers were not 200" % bad)
    finally:
        # SIGTERM ends the process through valgrind, which writes the totals first.
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=120)
    with open(log) as f:
        m = re.search(r"Collected\s*:\s*(\d+)", f.read())
    if not m:
        raise RuntimeError("no callgrind total in " + log)
    return int(m.group(1))


def per_request(binary, paths, args, name):
    small = count(binary, paths, args.base, args.connections,
                  os.path.join(args.out_dir, name + "-base.callgrind"))
    large = count(binary, paths, args.base + args.requests, args.connections,
                  os.path.join(args.out_dir, name + "-full.callgrind"))
    return (large - small) / args.requests


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--web", help="bench_web_nodexx to measure")
    ap.add_argument("--http", help="bench_http_nodexx to measure (GET /plaintext)")
    ap.add_argument("--requests", type=int, default=6000, help="requests counted (6000)")
    ap.add_argument("--base", type=int, default=2000,
                    help="requests of the baseline run, subtracted (2000)")
    # One connection makes the count repeatable (one loop iteration per request); with more,
    # how many requests one poll returns varies from run to run, and so does the total.
    ap.add_argument("--connections", type=int, default=1, help="keep-alive connections (1)")
    ap.add_argument("--out-dir", help="where the callgrind files go (a temporary directory)")
    ap.add_argument("--keep", action="store_true", help="keep the callgrind files")
    args = ap.parse_args()
    if not args.web and not args.http:
        ap.error("give --web and/or --http")
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (apt-get install valgrind)")
    temporary = args.out_dir is None
    if temporary:
        args.out_dir = tempfile.mkdtemp(prefix="nx_instructions_")
    else:
        os.makedirs(args.out_dir, exist_ok=True)
    try:
        results = {}
        if args.web:
            results["web"] = per_request(args.web, routes_sequence(), args, "web")
        if args.http:
            results["http"] = per_request(args.http, ["/plaintext"], args, "http")
        for name, value in results.items():
            print("%-5s %8.0f instructions/request" % (name, value))
        if len(results) == 2:
            print("web - http: %.0f instructions/request" % (results["web"] - results["http"]))
    finally:
        if temporary and not args.keep:
            shutil.rmtree(args.out_dir, ignore_errors=True)
        elif args.keep:
            print("callgrind files in " + args.out_dir)


if __name__ == "__main__":
    main()
