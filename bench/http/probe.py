# SPDX-License-Identifier: MIT
"""Checks and client-side measurements of bench/http that are not wrk runs.

- check_responses(): curl each route; status 200, exact body, Content-Type, Server, Date.
- check_pipelining(): 16 requests in one write on one connection, 16 correct responses back.
- check_wrk_pipelines(): proves wrk's pipeline.lua really writes `depth` requests at once,
  against a listener in this process that counts the requests of its first read.
- idle_rss(): the server's RSS growth per idle keep-alive connection.
"""

import asyncio
import email.utils
import json
import os
import socket
import subprocess
import tempfile
import threading
import time

from cpu import rss_bytes
from peers import JSON_BODY, PLAINTEXT, PeerError

ROUTES = {
    "/plaintext": ("text/plain", PLAINTEXT),
    "/json": ("application/json", JSON_BODY),
}


def _body_ok(path, body):
    if path == "/json":
        try:
            return json.loads(body) == json.loads(JSON_BODY)
        except ValueError:
            return False
    return body == PLAINTEXT


def check_responses(port, timeout=10):
    """Fetches both routes with curl; raises PeerError naming every mismatch."""
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        for path, (ctype, _) in ROUTES.items():
            hfile, bfile = os.path.join(tmp, "h"), os.path.join(tmp, "b")
            done = subprocess.run(
                ["curl", "-sS", "--max-time", str(timeout), "-D", hfile, "-o", bfile,
                 f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True)
            if done.returncode != 0:
                problems.append(f"{path}: curl failed: {done.stderr.strip()}")
                continue
            with open(hfile, "rb") as f:
                head = f.read().decode("latin-1").split("\r\n")
            with open(bfile, "rb") as f:
                body = f.read()
            status = head[0].split()
            headers = {}
            for line in head[1:]:
                if ":" in line:
                    k, v = line.split(":", 1)
                    headers[k.strip().lower()] = v.strip()
            if len(status) < 2 or status[1] != "200":
                problems.append(f"{path}: status line {head[0]!r}")
            if not _body_ok(path, body):
                problems.append(f"{path}: body {body[:80]!r}")
            got = headers.get("content-type", "")
            if got.split(";")[0].strip().lower() != ctype:
                problems.append(f"{path}: Content-Type {got!r}, expected {ctype}")
            if not headers.get("server"):
                problems.append(f"{path}: no Server header")
            date = headers.get("date")
            try:
                when = email.utils.parsedate_to_datetime(date).timestamp() if date else None
            except (TypeError, ValueError):
                when = None
            if when is None:
                problems.append(f"{path}: Date header {date!r} is not an HTTP date")
            elif abs(when - time.time()) > 300:
                problems.append(f"{path}: Date header {date!r} is off by {when - time.time():.0f}s")
    if problems:
        raise PeerError("wrong responses:\n  " + "\n  ".join(problems))


def _read_response(sock, buf):
    """Reads one HTTP/1.1 response (Content-Length or chunked) from sock; returns
    (status, headers, body, rest of buf)."""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise PeerError("connection closed in the middle of pipelined responses")
        buf += chunk
    head, buf = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        k, v = line.split(":", 1)
        headers[k.strip().lower()] = v.strip()

    def need(n):
        nonlocal buf
        while len(buf) < n:
            chunk = sock.recv(65536)
            if not chunk:
                raise PeerError("connection closed in the middle of a response body")
            buf += chunk

    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while True:
            while b"\r\n" not in buf:
                need(len(buf) + 1)
            size_line, buf = buf.split(b"\r\n", 1)
            size = int(size_line.split(b";")[0], 16)
            need(size + 2)
            body, buf = body + buf[:size], buf[size + 2:]
            if size == 0:
                break
    else:
        n = int(headers.get("content-length", "0"))
        need(n)
        body, buf = buf[:n], buf[n:]
    return lines[0], headers, body, buf


def check_pipelining(port, depth, timeout=10):
    """Writes `depth` GET /plaintext in one send on one connection and expects as many correct
    responses, in order."""
    req = b"GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" * depth
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(req)
        buf = b""
        for i in range(depth):
            try:
                status, _, body, buf = _read_response(s, buf)
            except socket.timeout:
                raise PeerError(f"pipelining: no response {i + 1} of {depth} in {timeout}s")
            if " 200 " not in status + " " or body != PLAINTEXT:
                raise PeerError(f"pipelining: response {i + 1} of {depth} is {status!r} "
                                f"{body[:40]!r}")


def check_wrk_pipelines(wrk_cmd, script, depth, timeout=10):
    """Runs wrk with the pipeline script against a listener here that answers everything and
    records how many requests arrived in each read; returns the largest count, which must be
    `depth` (wrk writes a batch with one write)."""
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.settimeout(timeout)
    port = srv.getsockname()[1]
    counts = []
    response = (b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\n\r\n"
                + PLAINTEXT)

    def serve_one(conn):
        conn.settimeout(timeout)
        pending = b""
        try:
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                pending += data
                n = pending.count(b"\r\n\r\n")
                pending = pending[pending.rfind(b"\r\n\r\n") + 4:] if n else pending
                counts.append(n)
                conn.sendall(response * n)
        except OSError:
            pass
        finally:
            conn.close()

    def serve():
        # wrk first connects once and closes (to check the address), then opens its
        # connection: serve connections one after the other until the listener is closed.
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            serve_one(conn)

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        subprocess.run(wrk_cmd + ["-t1", "-c1", "-d1s", "-s", script,
                                  f"http://127.0.0.1:{port}/plaintext", "--", str(depth)],
                       capture_output=True, timeout=timeout + 5)
    finally:
        # shutdown() wakes the accept() blocked in the thread; close() alone would not.
        try:
            srv.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        srv.close()
        t.join(timeout)
    return max(counts) if counts else 0, len(counts)


async def _open_idle(port, n, concurrency, timeout):
    req = b"GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    sem = asyncio.Semaphore(concurrency)
    conns = []

    async def one():
        async with sem:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(req)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
            conns.append((reader, writer))

    try:
        await asyncio.wait_for(asyncio.gather(*(one() for _ in range(n))), timeout)
    except BaseException:
        for _, w in conns:
            w.close()
        raise
    return conns


def idle_rss(pid, port, n, settle=1.0, timeout=180):
    """Opens `n` keep-alive connections, one request each, and returns the server's RSS before,
    after, and the growth per connection (bytes), plus how many were still open at the end."""

    async def main():
        await asyncio.sleep(settle)
        before = rss_bytes(pid)
        conns = await _open_idle(port, n, 256, timeout)
        try:
            await asyncio.sleep(settle)
            after = rss_bytes(pid)
            # A server that closed idle connections would have sent EOF by now.
            await asyncio.sleep(0.1)
            still_open = sum(1 for r, _ in conns if not r.at_eof())
        finally:
            for _, w in conns:
                w.close()
            await asyncio.sleep(0.5)
        return {"connections": n, "still_open": still_open, "rss_before": before,
                "rss_after": after, "bytes_per_conn": (after - before) / n}

    return asyncio.run(main())
