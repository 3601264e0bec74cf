#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Differential HTTP/1.1 test: sends every case of cases.py as raw bytes to Node's
http.createServer (node_server.js) and to its nodexx twin, parses both byte streams into
responses and compares them (see README.md).

    run.py --twin build/tests/http_node_diff/http_node_diff_twin
    run.py --twin ... --filter chunk --verbose   # some cases, both answers printed
    run.py --self-check                          # Node against Node: tests the harness
    run.py --list

Exit codes: 0 no difference beyond the pinned ones, 1 a new or vanished difference or a
failure (with --strict: also a pinned nodexx bug), 77 skipped (node missing), 2 bad usage.
"""

import argparse
import concurrent.futures
import json
import os
import shutil
import socket
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# No __pycache__ folders in the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "support"))
from cases import CASES, KNOWN, PROBE, PROBE_ANSWER  # noqa: E402
from server_process import Failure, ServerProcess  # noqa: E402

SKIP = 77
# Statuses the servers generate themselves for bad requests: Node's bodies are empty or plain
# text, nodexx's problem+json, so only the status, Connection and the close are compared.
SERVER_ERRORS = {400, 408, 413, 414, 417, 431, 501, 505}
FRAMING = ("content-length", "transfer-encoding", "connection", "keep-alive")


# -- the two programs ------------------------------------------------------------------------

class Program(ServerProcess):
    """A server process that prints its port on its first stdout line."""

    def __init__(self, name, cmd, timeout):
        super().__init__(name, cmd, timeout)
        try:
            self.port = int(self.first_line.split()[0])
        except (ValueError, IndexError):
            self.stop()
            raise Failure(f"{name} printed {self.first_line!r} instead of its port")


# -- parsing the responses -------------------------------------------------------------------

class Incomplete(Exception):
    """The bytes end inside a response."""


def parse_head(data, pos):
    end = data.find(b"\r\n\r\n", pos)
    if end < 0:
        raise Incomplete()
    lines = data[pos:end].decode("latin-1").split("\r\n")
    version, _, rest = lines[0].partition(" ")
    code, _, reason = rest.partition(" ")
    if not version.startswith("HTTP/") or not code.isdigit():
        raise Failure(f"not a status line: {lines[0]!r}")
    headers = []
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep:
            raise Failure(f"not a header line: {line!r}")
        headers.append((name, value.strip()))
    return {"version": version, "status": int(code), "reason": reason,
            "headers": headers}, end + 4


def field(resp, name):
    """The field's value, repeated fields joined with ", "; None when absent."""
    vals = [v for k, v in resp["headers"] if k.lower() == name]
    return ", ".join(vals) if vals else None


def parse_chunked(data, pos):
    body = b""
    while True:
        eol = data.find(b"\r\n", pos)
        if eol < 0:
            raise Incomplete()
        size = int(data[pos:eol].split(b";")[0].strip(), 16)
        pos = eol + 2
        if size == 0:
            end = data.find(b"\r\n\r\n", pos - 2)  # trailers, then the empty line
            if end < 0:
                raise Incomplete()
            return body, end + 4
        if len(data) < pos + size + 2:
            raise Incomplete()
        body += data[pos:pos + size]
        pos += size + 2


def parse_responses(data, methods, eof):
    """Splits `data` into responses. `methods` are the methods of the requests in order (the
    probe after them is a GET). Returns (responses, rest): each response is a dict with
    interim (list of 1xx statuses), version, status, reason, headers, body, framing."""
    out, pos = [], 0
    interim = []
    while pos < len(data):
        try:
            resp, body_pos = parse_head(data, pos)
        except Incomplete:
            break
        status = resp["status"]
        if 100 <= status < 200 and status != 101:
            interim.append(status)
            pos = body_pos
            continue
        method = methods[len(out)] if len(out) < len(methods) else "GET"
        te = (field(resp, "transfer-encoding") or "").lower()
        cl = field(resp, "content-length")
        try:
            if method == "HEAD" or status in (101, 204, 304):
                body, end, framing = b"", body_pos, "none"
            elif te:
                if te.split(",")[-1].strip() != "chunked":
                    raise Failure(f"unframed transfer coding {te!r}")
                body, end = parse_chunked(data, body_pos)
                framing = "chunked"
            elif cl is not None:
                n = int(cl)
                if len(data) < body_pos + n:
                    raise Incomplete()
                body, end, framing = data[body_pos:body_pos + n], body_pos + n, "length"
            else:
                if not eof:
                    raise Incomplete()
                body, end, framing = data[body_pos:], len(data), "close"
        except Incomplete:
            break
        resp.update(interim=interim, body=body, framing=framing)
        interim = []
        out.append(resp)
        pos = end
        if status == 101:
            break
    return out, data[pos:]


def send(s, data):
    """Sends all of `data`; False when the server has closed or reset the connection."""
    try:
        s.sendall(data)
        return True
    except OSError:
        return False


def exchange(port, case, timeout):
    """Sends the case's bytes on a fresh connection and reads until the server closes, or until
    every request is answered and a probe request shows the connection still serves (the probe
    says Connection: close, so the server then closes). Returns the outcome dict."""
    methods = [r.split(b" ", 1)[0].decode("latin-1") for r in case["requests"]]
    expected = case.get("responses", len(case["requests"]))
    wait = case.get("wait", timeout)
    data, eof, timed_out, probed, body_sent = b"", False, False, False, False
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        raw = b"".join(case["requests"])
        split = case.get("split") or max(1, len(raw))
        # Separate writes a few milliseconds apart, so that they arrive in separate reads. A
        # server that answers an error closes early: the rest is not sent, the answer is read.
        for i in range(0, len(raw), split):
            if not send(s, raw[i:i + split]):
                break
            if split < len(raw):
                time.sleep(0.002)
        deadline = time.monotonic() + wait
        while True:
            responses, _ = parse_responses(data, methods, eof)
            later = case.get("after_continue")
            if later is not None and not body_sent:
                seen_100 = data.startswith(b"HTTP/1.1 100 ")
                if seen_100 or responses:
                    body_sent = True
                    if seen_100 and not responses:
                        send(s, later)
            if eof:
                break
            # A case expecting no response (an incomplete request) never probes: the probe's
            # bytes would complete it.
            if (expected > 0 and len(responses) >= expected and not probed and
                    case.get("probe", True) and (later is None or body_sent)):
                probed = True
                if not send(s, PROBE):
                    eof = True
                    break
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            s.settimeout(left)
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                timed_out = True
                break
            except ConnectionResetError:
                eof = True
                continue
            if not chunk:
                eof = True
            data += chunk
    finally:
        s.close()
    responses, rest = parse_responses(data, methods, eof)
    # The probe's answer is the handler's 404 naming it; anything else after the expected
    # responses is an extra response (a body taken for a request) and is compared as such.
    probe_answered = (probed and len(responses) > expected and
                      responses[-1]["body"] == PROBE_ANSWER)
    if probe_answered:
        responses = responses[:-1]
    return {"responses": responses, "rest": rest, "timeout": timed_out,
            "kept_alive": probe_answered, "raw": data}


# -- comparison ----------------------------------------------------------------------------------

def summary(resp):
    """What is compared of one response."""
    generated = resp["status"] in SERVER_ERRORS
    s = {"status": resp["status"], "version": resp["version"],
         "interim": resp["interim"],
         "connection": (field(resp, "connection") or "").lower() or None}
    if not generated:
        s["reason"] = resp["reason"]
        s["framing"] = resp["framing"]
        for name in FRAMING[:2] + FRAMING[3:]:
            s[name] = field(resp, name)
        # Every other field by name (case as sent) and value; Date only by presence.
        s["fields"] = sorted((k, "<date>" if k.lower() == "date" else v)
                             for k, v in resp["headers"] if k.lower() not in FRAMING)
        s["body"] = resp["body"]
    return s


def outcome_lines(o):
    return {"responses": len(o["responses"]),
            "end": "timeout" if o["timeout"] else ("kept-alive" if o["kept_alive"]
                                                   else "closed"),
            "extra bytes": o["rest"] if o["rest"] else None}


def compare(a, b, self_check=False):
    """The differences between Node's outcome `a` and nodexx's `b`, as text lines; the
    problem+json check of nodexx's error bodies is left out when `b` is Node too."""
    diffs = []
    oa, ob = outcome_lines(a), outcome_lines(b)
    for key in oa:
        if oa[key] != ob[key]:
            diffs.append(f"{key}: node {oa[key]!r}, nodexx {ob[key]!r}")
    for i, (ra, rb) in enumerate(zip(a["responses"], b["responses"]), 1):
        sa, sb = summary(ra), summary(rb)
        for key in sa.keys() | sb.keys():
            if key in sa and key in sb and sa[key] != sb[key]:
                if key == "fields":
                    only_a = sorted(set(sa[key]) - set(sb[key]))
                    only_b = sorted(set(sb[key]) - set(sa[key]))
                    diffs.append(f"#{i} fields: node only {only_a!r}, nodexx only {only_b!r}")
                elif key == "body":
                    diffs.append(f"#{i} body: node {sa[key][:80]!r}, nodexx {sb[key][:80]!r}")
                else:
                    diffs.append(f"#{i} {key}: node {sa[key]!r}, nodexx {sb[key]!r}")
        if not self_check and rb["status"] in SERVER_ERRORS and ra["status"] == rb["status"]:
            ctype = (field(rb, "content-type") or "").split(";")[0]
            if ctype != "application/problem+json":
                diffs.append(f"#{i} nodexx error Content-Type {ctype!r}, not problem+json")
            elif not rb["body"] or json.loads(rb["body"]).get("status") != rb["status"]:
                diffs.append(f"#{i} nodexx problem body without its status")
    return sorted(diffs)


def show(o, limit=400):
    text = o["raw"][:limit].decode("latin-1")
    more = f" ... ({len(o['raw'])} bytes)" if len(o["raw"]) > limit else ""
    end = "timeout" if o["timeout"] else ("kept-alive" if o["kept_alive"] else "closed")
    return "    " + text.replace("\r\n", "\n    ").rstrip() + more + f"\n    [{end}]"


# -- main --------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--twin", help="the built http_node_diff_twin")
    ap.add_argument("--self-check", action="store_true",
                    help="compare Node with a second Node (checks the harness)")
    ap.add_argument("--node", default=os.environ.get("NODE") or shutil.which("node"))
    ap.add_argument("--filter", default="", help="only cases whose name contains this")
    ap.add_argument("--verbose", action="store_true", help="print both answers of every case")
    ap.add_argument("--list", action="store_true", help="list the cases and exit")
    ap.add_argument("--strict", action="store_true",
                    help="fail on the pinned differences of kind \"bug\" too")
    ap.add_argument("--timeout", type=float, default=float(os.environ.get(
        "NX_DIFF_TIMEOUT", 5)), help="seconds to start and per case (5)")
    args = ap.parse_args()

    names = [c["name"] for c in CASES]
    dup = {n for n in names if names.count(n) > 1}
    stale = set(KNOWN) - set(names)
    stale |= {n for n, (kind, _, _) in KNOWN.items() if kind not in ("deliberate", "bug")}
    if dup or stale:
        print(f"FAIL: duplicate case names {sorted(dup)}, known differences of no case or of "
              f"no kind {sorted(stale)}")
        return 1
    cases = [c for c in CASES if args.filter.lower() in c["name"].lower()]
    if args.list:
        for c in cases:
            print(f"{c['name']:40} {b''.join(c['requests'])[:70]!r}")
        return 0
    if not args.node or not shutil.which(args.node):
        print("SKIP: node is not installed", flush=True)
        return SKIP
    if not args.twin and not args.self_check:
        ap.error("--twin or --self-check is required")

    programs = []
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=2)
    try:
        node_cmd = [args.node, os.path.join(HERE, "node_server.js")]
        twin_cmd = node_cmd if args.self_check else [os.path.abspath(args.twin)]
        # A second pair with short deadlines serves the timeout cases, if any is selected.
        flags = [[]] + ([["--short-timeouts"]] if any(c.get("timeouts") for c in cases) else [])
        pairs = []
        for extra in flags:
            node = Program("node", node_cmd + extra, args.timeout * 4)
            programs.append(node)
            nx = Program("nodexx", twin_cmd + extra, args.timeout * 4)
            programs.append(nx)
            pairs.append((node, nx))

        failed, pinned, bugs = 0, 0, []
        for i, case in enumerate(cases, 1):
            node, nx = pairs[1 if case.get("timeouts") else 0]
            try:
                # Both servers at once: the cases that wait for a deadline cost the time once.
                fa = pool.submit(exchange, node.port, case, args.timeout)
                fb = pool.submit(exchange, nx.port, case, args.timeout)
                a, b = fa.result(), fb.result()
                diffs = compare(a, b, args.self_check)
            except (Failure, OSError, ValueError) as e:
                a = b = None
                diffs = [f"exchange failed: {e}"]
            kind, reason, known = KNOWN.get(case["name"], (None, None, []))
            if args.self_check:
                known = []
            elif known:
                pinned += 1
                if kind == "bug":
                    bugs.append((case["name"], reason))
            if diffs != sorted(known):
                failed += 1
                print(f"FAIL {i:3} {case['name']}")
                print("  request: " + repr(b"".join(case["requests"])[:300]))
                for d in diffs:
                    print(f"  differs: {d}")
                for d in sorted(set(known) - set(diffs)):
                    print(f"  pinned difference gone: {d}")
                if a:
                    print("  node:\n" + show(a))
                if b:
                    print("  nodexx:\n" + show(b))
            else:
                tag = f" (known difference: {kind})" if known else ""
                print(f"ok   {i:3} {case['name']}{tag}")
                if args.verbose:
                    print("  node:\n" + show(a) + "\n  nodexx:\n" + show(b))
            for p in programs:
                if not p.alive():
                    print(f"{p.name} died:\n{p.stderr()}")
                    return 1
        print(f"\n{len(cases) - failed}/{len(cases)} cases as expected "
              f"({pinned} with a pinned difference, {len(bugs)} of them nodexx bugs)")
        for name, reason in bugs:
            print(f"KNOWN NODEXX BUG {name}: {reason}")
        problems = []
        if args.strict and bugs:
            problems.append(f"{len(bugs)} known nodexx bugs (--strict)")
        if not args.self_check:
            for _, nx in pairs:
                problems += nx.clean_exit_problems()
                if problems or failed:
                    print(f"\nnodexx stderr:\n{nx.stderr()}")
            for p in problems:
                print(f"FAIL {p}")
        elif args.strict and bugs:
            print(f"FAIL {len(bugs)} known nodexx bugs (--strict)")
        return 1 if failed or problems else 0
    except Failure as e:
        print(f"FAIL: {e}")
        return 1
    finally:
        for p in programs:
            p.stop()
        pool.shutdown()


if __name__ == "__main__":
    sys.exit(main())
