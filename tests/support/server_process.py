# SPDX-License-Identifier: MIT
"""A server program under test, for the differential runners (tests/express_oracle,
tests/http_node_diff): started with its stderr kept, ready once it prints its first stdout line
(its ports), stopped with SIGTERM and checked for a clean exit."""

import os
import select
import subprocess
import tempfile
import time

SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                   "WARNING: ThreadSanitizer")


class Failure(Exception):
    """The run cannot go on (a program failed to start, an answer could not be read)."""


class ServerProcess:
    """Runs `cmd` and waits up to `timeout` seconds for its first stdout line, kept (decoded,
    without the line end) as `first_line`."""

    def __init__(self, name, cmd, timeout, env=None, cwd=None):
        self.name = name
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=self.log, env=env, cwd=cwd)
        line = b""
        deadline = time.monotonic() + timeout
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                self.stop()
                raise Failure(f"{name} did not print its ports within {timeout:.0f}s "
                              f"(exit {self.proc.returncode}):\n{self.stderr()}")
            ready, _, _ = select.select([self.proc.stdout], [], [], min(left, 0.5))
            if ready:
                line += os.read(self.proc.stdout.fileno(), 4096)
        self.first_line = line.decode(errors="replace").splitlines()[0]

    def stderr(self):
        """The last 4,000 characters the program wrote to stderr."""
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-4000:]

    def alive(self):
        return self.proc.poll() is None

    def stop(self, grace=5):
        """SIGTERM, then SIGKILL after `grace` seconds. Returns the exit code, or None when the
        process had to be killed."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return None
        return self.proc.returncode

    def clean_exit_problems(self):
        """Stops the program (it must close its servers on SIGTERM and return from main) and
        lists what went wrong: an exit code other than 0, a sanitizer report (leaks are
        reported at exit)."""
        code = self.stop(grace=20)
        err = self.stderr()
        problems = []
        if code != 0:
            problems.append(f"{self.name} exited with {code} after SIGTERM (expected 0)")
        if any(m in err for m in SANITIZER_MARKS):
            problems.append(f"{self.name} printed a sanitizer report")
        return problems
