#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Express oracle runner: starts Express 5 (express_app.js) and the nodexx twin, sends every
scenario of scenarios.py to both over real HTTP and compares the answers (see README.md).

    run.py --twin build/tests/express_oracle/express_oracle_twin
    run.py --twin ... --filter sendFile --verbose   # some scenarios, print both answers
    run.py --self-check                             # Express against itself: tests the harness

Exit codes: 0 all equal, 1 a difference or a failure, 77 skipped (node or bench/node_modules
missing), 2 bad usage.
"""

import argparse
import base64
import email.utils
import hashlib
import hmac
import json
import os
import re
import shutil
import socket
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
# No __pycache__ folders in the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "support"))
from scenarios import SCENARIOS  # noqa: E402
from server_process import Failure, ServerProcess  # noqa: E402

SECRET = b"oracle-secret"  # the cookie secret of both apps
SKIP = 77
# The files folder both apps serve; mtimes are fixed so that ETag and Last-Modified are equal.
FILES = {
    "hello.txt": b"hello world\n",
    "data.json": b'{"file":true}\n',
    ".secret": b"hidden\n",
    "sub/page.html": b"<h1>page</h1>\n",
}
MTIME = 1704164645  # 2024-01-02T03:04:05Z


# -- the two programs ------------------------------------------------------------------------

class App(ServerProcess):
    """One program (Express or the twin) listening on its three ports, which it prints as one
    JSON line."""

    def __init__(self, name, cmd, env, cwd, timeout):
        super().__init__(name, cmd, timeout, env=env, cwd=cwd)
        try:
            self.ports = json.loads(self.first_line)
        except ValueError:
            self.stop()
            raise Failure(f"{name} printed {self.first_line!r} instead of its ports")


# -- requests and responses --------------------------------------------------------------------

def make_files(folder):
    for rel, data in FILES.items():
        path = os.path.join(folder, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        os.utime(path, (MTIME, MTIME))


def placeholder(folder, kind, arg):
    if kind in ("etag", "lastmod"):
        st = os.stat(os.path.join(folder, arg))
        if kind == "etag":
            return f'W/"{st.st_size:x}-{st.st_mtime_ns // 1_000_000:x}"'
        return email.utils.formatdate(int(st.st_mtime), usegmt=True)
    if kind == "bodyetag":
        data = arg.encode()
        digest = base64.b64encode(hashlib.sha1(data).digest()).decode()[:27]
        return f'W/"{len(data):x}-{digest}"'
    if kind == "signed":
        mac = hmac.new(SECRET, arg.encode(), hashlib.sha256).digest()
        sig = base64.b64encode(mac).decode().rstrip("=")
        return urllib.parse.quote(f"s:{arg}.{sig}", safe="")
    raise Failure(f"unknown placeholder {{{kind}:{arg}}}")


def fill(folder, text):
    return re.sub(r"\{(\w+):([^}]*)\}", lambda m: placeholder(folder, m[1], m[2]), text)


def raw_request(sc, folder):
    head = [f"{sc['request']} HTTP/1.1"]
    if not any(k.lower() == "host" for k, _ in sc["headers"]):
        head.append("Host: 127.0.0.1")
    head += [f"{k}: {fill(folder, v)}" for k, v in sc["headers"]]
    if sc["body"]:
        head.append(f"Content-Length: {len(sc['body'])}")
    head.append("Connection: close")
    return ("\r\n".join(head) + "\r\n\r\n").encode("utf-8") + sc["body"]


def dechunk(data):
    out, pos = b"", 0
    while True:
        eol = data.index(b"\r\n", pos)
        size = int(data[pos:eol].split(b";")[0], 16)
        pos = eol + 2
        if size == 0:
            return out
        out += data[pos:pos + size]
        pos += size + 2


def exchange(port, raw, head_only, timeout):
    """Sends `raw` on a fresh connection and reads until the server closes it. Returns
    {status, headers: [(lower name, value)], body}."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(raw)
        data = b""
        deadline = time.monotonic() + timeout
        while True:
            s.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                raise Failure(f"no complete response within {timeout}s; got {data[:300]!r}")
            except ConnectionResetError:
                break
            if not chunk:
                break
            data += chunk
    if b"\r\n\r\n" not in data:
        raise Failure(f"not an HTTP response: {data[:300]!r}")
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    headers = []
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers.append((k.strip().lower(), v.strip()))
    if not head_only and any(k == "transfer-encoding" and "chunked" in v.lower()
                             for k, v in headers):
        body = dechunk(body)
    return {"status": int(parts[1]), "reason": parts[2] if len(parts) > 2 else "",
            "headers": headers, "body": body}


def header(resp, name):
    """The field's value, repeated fields joined with ", "; None when absent."""
    vals = [v for k, v in resp["headers"] if k == name.lower()]
    return ", ".join(vals) if vals else None


def cookies(resp):
    return [v for k, v in resp["headers"] if k == "set-cookie"]


# -- comparison ----------------------------------------------------------------------------------

ETAG_FORM = [("weak", re.compile(r'^W/"[\x21\x23-\x7e]*"$')),
             ("strong", re.compile(r'^"[\x21\x23-\x7e]*"$'))]


def etag_form(v):
    if v is None:
        return None
    return next((n for n, rx in ETAG_FORM if rx.match(v)), "malformed")


def same_cookie(a, b):
    pa, pb = a.split("; "), b.split("; ")
    if len(pa) != len(pb):
        return False
    for x, y in zip(pa, pb):
        if x.lower().startswith("expires=") and y.lower().startswith("expires="):
            try:
                tx = email.utils.parsedate_to_datetime(x[8:]).timestamp()
                ty = email.utils.parsedate_to_datetime(y[8:]).timestamp()
            except (TypeError, ValueError):
                return False
            if abs(tx - ty) > 5:
                return False
        elif x != y:
            return False
    return True


def compare(sc, ex, nx, self_check=False):
    """Returns the list of differences (empty when the answers agree)."""
    diffs = []
    differs = sc["differs"] or {}
    side_x, side_n = differs.get("express", {}), differs.get("nodexx", {})
    # Status: equal, or each side pinned to its own value.
    if "status" in side_x or "status" in side_n:
        for who, resp, side in (("express", ex, side_x), ("nodexx", nx, side_n)):
            if self_check:
                side = side_x
            if "status" in side and resp["status"] != side["status"]:
                diffs.append(f"status: {who} {resp['status']}, pinned to {side['status']}")
    elif ex["status"] != nx["status"]:
        diffs.append(f"status: express {ex['status']}, nodexx {nx['status']}")
    for who, resp, side in (("express", ex, side_x), ("nodexx", nx, side_n)):
        if self_check:
            side = side_x
        for name, want in side.get("headers", {}).items():
            if header(resp, name) != want:
                diffs.append(f"{name}: {who} {header(resp, name)!r}, pinned to {want!r}")
    for spec in sc["compare"]:
        name, _, how = spec.partition(":")
        # A problem body replaces Express's HTML page: its type and length differ by design.
        if sc["mode"] == "problem" and name.lower() in ("content-type", "content-length"):
            continue
        if name in side_x.get("headers", {}) or name in side_n.get("headers", {}):
            continue
        a, b = header(ex, name), header(nx, name)
        if name.lower() == "set-cookie":
            ca, cb = cookies(ex), cookies(nx)
            if len(ca) != len(cb) or not all(same_cookie(x, y) for x, y in zip(ca, cb)):
                diffs.append(f"Set-Cookie: express {ca!r}, nodexx {cb!r}")
        elif how == "present":
            if (a is None) != (b is None):
                diffs.append(f"{name} presence: express {a!r}, nodexx {b!r}")
        elif how == "etag":
            if etag_form(a) != etag_form(b) or etag_form(b) == "malformed":
                diffs.append(f"{name} form: express {a!r}, nodexx {b!r}")
        elif a != b:
            diffs.append(f"{name}: express {a!r}, nodexx {b!r}")
    mode = sc["mode"]
    pinned = [(w, r, sd["json"]) for w, r, sd in (("express", ex, side_x), ("nodexx", nx, side_n))
              if "json" in sd]
    if self_check:
        pinned = [(w, r, side_x["json"]) for w, r in (("express", ex), ("nodexx", nx))
                  if "json" in side_x]
    if pinned:
        mode = "pinned"
    for who, resp, want in pinned:
        try:
            got = json.loads(resp["body"])
        except ValueError as e:
            diffs.append(f"{who} JSON body does not parse: {e}")
            continue
        if got != want:
            diffs.append(f"JSON body: {who} {got!r}, pinned to {want!r}")
    if mode == "exact" and ex["body"] != nx["body"]:
        diffs.append("body differs")
    elif mode == "empty":
        for who, resp in (("express", ex), ("nodexx", nx)):
            if resp["body"]:
                diffs.append(f"body: {who} sent {len(resp['body'])} bytes, expected none")
    elif mode == "json":
        try:
            ja, jb = json.loads(ex["body"]), json.loads(nx["body"])
            if ja != jb:
                diffs.append(f"JSON body: express {ja!r}, nodexx {jb!r}")
        except ValueError as e:
            diffs.append(f"JSON body does not parse: {e}")
    elif mode == "problem" and not self_check:
        ctype = (header(nx, "content-type") or "").split(";")[0].strip()
        if ctype != "application/problem+json":
            diffs.append(f"nodexx Content-Type {ctype!r}, expected application/problem+json")
        else:
            try:
                prob = json.loads(nx["body"])
                if prob.get("status") != nx["status"]:
                    diffs.append(f"problem status {prob.get('status')!r} vs HTTP "
                                 f"{nx['status']}")
                for field in ("title", "code"):
                    if not isinstance(prob.get(field), str):
                        diffs.append(f"problem has no string {field!r}")
            except ValueError as e:
                diffs.append(f"problem body does not parse: {e}")
    return diffs


def show(resp, limit=600):
    lines = [f"  HTTP {resp['status']} {resp['reason']}"]
    lines += [f"  {k}: {v}" for k, v in resp["headers"]]
    body = resp["body"]
    text = body[:limit].decode("utf-8", errors="replace")
    lines.append("  " + (text.replace("\n", "\n  ") if body else "(no body)")
                 + (f" ... ({len(body)} bytes)" if len(body) > limit else ""))
    return "\n".join(lines)


# -- main --------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--twin", help="the built express_oracle_twin")
    ap.add_argument("--self-check", action="store_true",
                    help="compare Express with a second Express (checks the harness)")
    ap.add_argument("--node", default=os.environ.get("NODE") or shutil.which("node"))
    ap.add_argument("--modules", default=os.path.join(ROOT, "bench", "node_modules"),
                    help="the folder holding express (bench/node_modules)")
    ap.add_argument("--filter", default="", help="only scenarios whose name contains this")
    ap.add_argument("--verbose", action="store_true", help="print both answers of every scenario")
    ap.add_argument("--list", action="store_true", help="list the scenarios and exit")
    ap.add_argument("--timeout", type=float, default=float(os.environ.get(
        "NX_ORACLE_TIMEOUT", 20)), help="seconds to start and per request (20)")
    args = ap.parse_args()

    scenarios = [s for s in SCENARIOS if args.filter.lower() in s["name"].lower()]
    if args.list:
        for s in scenarios:
            print(f"{s['app']:6} {s['request']:45} {s['name']}")
        return 0
    if not args.node or not shutil.which(args.node):
        print("SKIP: node is not installed", flush=True)
        return SKIP
    if not os.path.isdir(os.path.join(args.modules, "express")):
        print(f"SKIP: {args.modules}/express is missing (npm ci --prefix bench)", flush=True)
        return SKIP
    if not args.twin and not args.self_check:
        ap.error("--twin or --self-check is required")

    tmp = tempfile.mkdtemp(prefix="nx-express-oracle-")
    files = os.path.join(tmp, "files")
    make_files(files)
    env = dict(os.environ, NODE_PATH=args.modules, NODE_ENV="production",
               NX_ENV="production")
    apps = []
    try:
        express_cmd = [args.node, os.path.join(HERE, "express_app.js"), files]
        ex = App("express", express_cmd, env, tmp, args.timeout)
        apps.append(ex)
        twin_cmd = express_cmd if args.self_check else [os.path.abspath(args.twin), files]
        nx = App("nodexx", twin_cmd, env, tmp, args.timeout)
        apps.append(nx)

        failed = 0
        for i, sc in enumerate(scenarios, 1):
            raw = raw_request(sc, files)
            head_only = sc["request"].startswith("HEAD ")
            try:
                a = exchange(ex.ports[sc["app"]], raw, head_only, args.timeout)
                b = exchange(nx.ports[sc["app"]], raw, head_only, args.timeout)
                diffs = compare(sc, a, b, args.self_check)
            except (Failure, OSError, ValueError) as e:
                a = b = None
                diffs = [f"exchange failed: {e}"]
            if diffs:
                failed += 1
                print(f"FAIL {i:3} {sc['name']}")
                print("  request:\n    " + raw.decode("utf-8", "replace")
                      .replace("\r\n", "\n    ").rstrip())
                for d in diffs:
                    print(f"  differs: {d}")
                if a:
                    print(" express:\n" + show(a))
                if b:
                    print(" nodexx:\n" + show(b))
            else:
                print(f"ok   {i:3} {sc['name']}")
                if args.verbose:
                    print(" express:\n" + show(a) + "\n nodexx:\n" + show(b))
            for app in apps:
                if not app.alive():
                    print(f"{app.name} died:\n{app.stderr()}")
                    return 1
        deliberate = sum(1 for s in scenarios if s["differs"])
        print(f"\n{len(scenarios) - failed}/{len(scenarios)} scenarios agree "
              f"({deliberate} with a documented difference)")
        if failed:
            for app in apps:
                err = app.stderr().strip()
                if err:
                    print(f"\n{app.name} stderr:\n{err}")
        exit_problems = [] if args.self_check else nx.clean_exit_problems()
        for p in exit_problems:
            print(f"FAIL {p}")
        if exit_problems and not failed:
            print(f"\n{nx.name} stderr:\n{nx.stderr()}")
        return 1 if failed or exit_problems else 0
    except Failure as e:
        print(f"FAIL: {e}")
        return 1
    finally:
        for app in apps:
            app.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
