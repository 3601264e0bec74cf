# SPDX-License-Identifier: MIT
"""The servers bench/http compares: how to build, configure, start and stop each one.

Every server runs in its own process group (start_new_session), pinned with `taskset -c
<core>` (taskset execs the server, so the pid Popen returns is the server's). stop() sends
SIGTERM to the whole group, then SIGKILL after a grace period; run.py calls it in a finally
block and at exit, so no server outlives the runner.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import compare  # noqa: E402  (bench/compare.py: shared bench helpers)

PLAINTEXT = b"Hello, World!"
JSON_BODY = b'{"message":"Hello, World!"}'

ALL = ["nodexx", "node", "express", "fastify", "nginx", "h2o"]

# The servers alive right now, so that an atexit hook can kill them whatever happens.
_running = set()


class PeerError(RuntimeError):
    """A peer that cannot be built, started or checked; the message says why."""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _out(cmd):
    done = subprocess.run(cmd, capture_output=True, text=True)
    return (done.stdout + done.stderr).strip()


def _npm_version(package):
    """"express 5.3.0", from bench/node_modules (compare.py's reader)."""
    try:
        return compare.peer_versions([package])
    except OSError:
        raise PeerError(f"{package} is not installed: run scripts/install-bench-deps.sh "
                        "(npm ci --prefix bench)")


def build_nodexx(build_dir, folder="http", build_args=()):
    """Builds bench/<folder>'s bench_<folder>_nodexx (release preset for build/release), with
    `build_args` for `cmake --build`. Returns the binary's path."""
    target = f"bench_{folder}_nodexx"
    if os.path.abspath(build_dir) == os.path.join(ROOT, "build", "release"):
        configure = ["cmake", "--preset", "release"]
    else:
        configure = ["cmake", "-S", ROOT, "-B", build_dir, "-G", "Ninja",
                     "-DCMAKE_BUILD_TYPE=Release", "-DNX_BUILD_TESTS=OFF"]
    for cmd in (configure, ["cmake", "--build", build_dir, *build_args, "--target", target]):
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        if done.returncode != 0:
            tail = "\n".join((done.stdout + done.stderr).splitlines()[-25:])
            raise PeerError(f"`{' '.join(cmd)}` failed:\n{tail}")
    return os.path.join(build_dir, "bench", folder, target)


class Peer:
    """One server. prepare() checks it can run and fills `version`; start()/stop() bracket it."""

    def __init__(self, name, args):
        self.name = name
        self.args = args
        self.version = ""
        self.note = ""  # a difference from the specification, shown under the table
        self.proc = None
        self.tmp = None
        self.log = None
        self.port = None

    # -- preparation -------------------------------------------------------------------------

    def prepare(self):
        a = self.args
        if self.name == "nodexx":
            binary = a.nodexx_bin
            if not binary:
                binary = build_nodexx(a.build_dir)
            if not os.access(binary, os.X_OK):
                raise PeerError(f"{binary} is not built (see bench/README.md)")
            self.binary = os.path.abspath(binary)
            self.version = "nodexx " + _out(["git", "-C", ROOT, "describe", "--always",
                                             "--dirty"])
        elif self.name in ("node", "express", "fastify"):
            if not shutil.which(a.node):
                raise PeerError(f"{a.node} not found")
            node_v = _out([a.node, "--version"])
            if self.name == "node":
                self.version = f"node {node_v}"
            else:
                self.version = f"{_npm_version(self.name)} (node {node_v})"
        elif self.name == "nginx":
            self.binary = shutil.which("nginx") or "/usr/sbin/nginx"
            if not os.access(self.binary, os.X_OK):
                raise PeerError("nginx not found: run scripts/install-bench-deps.sh")
            self.version = _out([self.binary, "-v"]).replace("nginx version: ", "")
            self.note = "nginx: constant `return 200` bodies (no per-request JSON encoding)"
        elif self.name == "h2o":
            self.binary = shutil.which("h2o")
            if not self.binary:
                raise PeerError("h2o not found: run scripts/install-bench-deps.sh")
            self.version = _out([self.binary, "--version"]).splitlines()[0]
            self.note = ("h2o: static files (2.2 has no constant-body handler without mruby); "
                         "adds Last-Modified and Accept-Ranges")
        else:
            raise PeerError(f"unknown peer {self.name!r} (known: {', '.join(ALL)})")

    # -- lifetime ----------------------------------------------------------------------------

    def _command(self):
        port, tmp = str(self.port), self.tmp
        if self.name == "nodexx":
            return [self.binary, port]
        if self.name == "node":
            return [self.args.node, os.path.join(HERE, "peers", "node_http.js"), port]
        if self.name in ("express", "fastify"):
            return [self.args.node, os.path.join(HERE, "peers", f"{self.name}.js"), port]
        if self.name == "nginx":
            conf = self._fill("nginx.conf.in", "nginx.conf")
            return [self.binary, "-p", tmp, "-e", os.path.join(tmp, "error.log"), "-c", conf]
        if self.name == "h2o":
            with open(os.path.join(tmp, "plaintext.txt"), "wb") as f:
                f.write(PLAINTEXT)
            with open(os.path.join(tmp, "message.json"), "wb") as f:
                f.write(JSON_BODY)
            return [self.binary, "-c", self._fill("h2o.conf.in", "h2o.conf")]
        raise AssertionError(self.name)

    def _fill(self, template, name):
        with open(os.path.join(HERE, "peers", template)) as f:
            text = f.read()
        text = text.replace("@PORT@", str(self.port)).replace("@DIR@", self.tmp)
        if os.geteuid() == 0:
            text = text.replace("@USER@", "root")
        else:
            # h2o switches to `user` only when started as root; otherwise the line must go.
            text = "\n".join(l for l in text.splitlines() if "@USER@" not in l) + "\n"
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def start(self, core, timeout):
        """Starts the server pinned to `core` and waits until its port accepts connections.
        Raises PeerError (with the server's output) when it exits or does not listen in time."""
        self.tmp = tempfile.mkdtemp(prefix=f"nx-bench-http-{self.name}-")
        self.port = free_port()
        cmd = self._command()
        if core is not None:
            cmd = ["taskset", "-c", str(core)] + cmd
        self.log = open(os.path.join(self.tmp, "server.log"), "w+")
        env = dict(os.environ, NODE_ENV="production", PORT=str(self.port))
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True, env=env,
                                     cwd=self.tmp)
        _running.add(self)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise PeerError(f"{self.name} exited with {self.proc.returncode} before "
                                f"listening:\n{self.output()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise PeerError(f"{self.name} did not listen on port {self.port} within "
                                f"{timeout:.0f}s:\n{self.output()}")
            time.sleep(0.05)

    @property
    def pid(self):
        return self.proc.pid

    def output(self, lines=20):
        if not self.log:
            return ""
        self.log.flush()
        self.log.seek(0)
        text = self.log.read()
        for extra in ("error.log",):
            path = os.path.join(self.tmp or "", extra)
            if self.tmp and os.path.exists(path):
                with open(path) as f:
                    text += f.read()
        return "\n".join(text.splitlines()[-lines:])

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        """Ends the server's whole process group: SIGTERM, then SIGKILL after 5 s."""
        if self.proc is None:
            return
        try:
            if self.proc.poll() is None:
                try:
                    os.killpg(self.proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
                try:
                    self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass
            # Whatever is left in the group (a forked worker, say) gets SIGKILL.
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self.proc.wait(timeout=5)
        finally:
            _running.discard(self)
            self.proc = None
            if self.log:
                self.log.close()
                self.log = None
            if self.tmp:
                shutil.rmtree(self.tmp, ignore_errors=True)
                self.tmp = None


def stop_all():
    for peer in list(_running):
        peer.stop()
