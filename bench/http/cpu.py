# SPDX-License-Identifier: MIT
"""CPU accounting for bench/http: what one wrk run cost the server's core, and whether anything
else ran on the machine meanwhile.

A window is opened just before wrk starts and closed just after it exits. It reads /proc/stat
(per-core jiffies), /proc/<server>/stat (the server's user+system time, all its threads),
getrusage for wrk (the only child reaped in the window) and the runner itself, and every
process's CPU time (to name whoever disturbed the run).

Disturbance is the CPU time the two cores spent on things other than the benchmark:
  - core 0 (server): user+nice+system minus the server's time and ksoftirqd/0's;
  - core 1 (wrk):    user+nice+system minus wrk's, the runner's and ksoftirqd/1's;
  - other cores:     all their non-idle time (on a machine with more than two cores);
  - steal time on cores 0 and 1 (a hypervisor running someone else).
Without CONFIG_IRQ_TIME_ACCOUNTING the kernel charges interrupt work to the task it
interrupted, so the subtraction is exact to a tick (10 ms) either way.
"""

import os
import resource
import time

TICK = os.sysconf("SC_CLK_TCK")

# Allowed foreign CPU time, as a fraction of the window's wall time (of one core).
LIMIT_CORE0 = 0.02
LIMIT_CORE1 = 0.05
LIMIT_OTHER_CORES = 0.10
LIMIT_STEAL = 0.02


def read_cores():
    """{core: (user, nice, system, idle, iowait, irq, softirq, steal)} in jiffies."""
    cores = {}
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("cpu") and line[3].isdigit():
                parts = line.split()
                cores[int(parts[0][3:])] = tuple(int(x) for x in parts[1:9])
    return cores


def proc_times(pid):
    """(comm, utime, stime) of a process (all threads) in jiffies, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            data = f.read()
    except OSError:
        return None
    # comm may contain spaces and parentheses: it ends at the last ')'.
    comm = data[data.index("(") + 1:data.rindex(")")]
    fields = data[data.rindex(")") + 2:].split()
    return comm, int(fields[11]), int(fields[12])


def proc_stat(pid):
    """(comm, utime + stime in jiffies) of a process, or None when it is gone."""
    t = proc_times(pid)
    return (t[0], t[1] + t[2]) if t else None


def all_procs():
    out = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = proc_stat(int(name))
            if st:
                out[int(name)] = st
    return out


def find_pid(comm):
    for pid, (name, _) in all_procs().items():
        if name == comm:
            return pid
    return None


def rss_bytes(pid):
    """VmRSS of a process, in bytes."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


class Window:
    """One measured interval: open() before wrk starts, close() after it was reaped."""

    def __init__(self, server_pid, server_core, client_core):
        self.server_pid = server_pid
        self.server_core = server_core
        self.client_core = client_core
        self.ksoftirqd = {c: find_pid(f"ksoftirqd/{c}") for c in (server_core, client_core)}

    def _sample(self):
        return {
            "t": time.monotonic(),
            "cores": read_cores(),
            "server": proc_times(self.server_pid),
            "ksoftirqd": {c: proc_stat(p) if p else None for c, p in self.ksoftirqd.items()},
            "children": resource.getrusage(resource.RUSAGE_CHILDREN),
            "self": resource.getrusage(resource.RUSAGE_SELF),
            "procs": all_procs(),
        }

    def open(self):
        self.a = self._sample()

    def close(self):
        """Returns the window's figures: busy seconds of the server core, the server's own CPU
        seconds, foreign seconds per place, and the processes that used the most CPU besides
        the benchmark's."""
        b = self._sample()
        a = self.a
        wall = b["t"] - a["t"]

        def busy(core, s):  # user+nice+system+irq+softirq
            v = s["cores"][core]
            return v[0] + v[1] + v[2] + v[5] + v[6]

        def task_part(core, s):  # user+nice+system: where tasks' own time is charged
            v = s["cores"][core]
            return v[0] + v[1] + v[2]

        def ticks(x, y):
            return (y - x) if x is not None and y is not None else 0

        def st(v):
            return v[1] if v else None

        def user(v):  # utime of a proc_times() result
            return v[1] if v else None

        def total(v):  # utime + stime of a proc_times() result
            return v[1] + v[2] if v else None

        sc, cc = self.server_core, self.client_core
        server = ticks(total(a["server"]), total(b["server"]))
        server_user = ticks(user(a["server"]), user(b["server"]))
        ksi = {c: ticks(st(a["ksoftirqd"][c]), st(b["ksoftirqd"][c])) for c in (sc, cc)}
        ru = lambda r: r.ru_utime + r.ru_stime  # noqa: E731
        wrk_s = ru(b["children"]) - ru(a["children"])
        self_s = ru(b["self"]) - ru(a["self"])

        core0_busy = (busy(sc, b) - busy(sc, a)) / TICK
        foreign0 = max(0.0, (task_part(sc, b) - task_part(sc, a) - server - ksi[sc]) / TICK)
        foreign1 = max(0.0, (task_part(cc, b) - task_part(cc, a) - ksi[cc]) / TICK
                       - wrk_s - self_s)
        others = sum(busy(c, b) - busy(c, a) for c in b["cores"] if c not in (sc, cc)) / TICK
        steal = sum(b["cores"][c][7] - a["cores"][c][7] for c in (sc, cc)) / TICK

        # Who else ran: every process's CPU delta, minus the benchmark's own processes.
        mine = {self.server_pid, os.getpid()} | {p for p in self.ksoftirqd.values() if p}
        culprits = {}
        for pid, (comm, t1) in b["procs"].items():
            if pid in mine:
                continue
            t0 = a["procs"].get(pid, (comm, 0))[1]
            if t1 - t0 > 0 and comm != "wrk":
                culprits[comm] = culprits.get(comm, 0) + (t1 - t0) / TICK
        top = sorted(culprits.items(), key=lambda kv: -kv[1])[:3]

        reasons = []
        if foreign0 > LIMIT_CORE0 * wall:
            reasons.append(f"core {sc}: {foreign0:.2f}s foreign")
        if foreign1 > LIMIT_CORE1 * wall:
            reasons.append(f"core {cc}: {foreign1:.2f}s foreign")
        if others > LIMIT_OTHER_CORES * wall:
            reasons.append(f"other cores: {others:.2f}s busy")
        if steal > LIMIT_STEAL * wall:
            reasons.append(f"steal: {steal:.2f}s")
        return {
            "wall_s": wall,
            "core0_busy_s": core0_busy,
            "server_cpu_s": server / TICK,
            "server_user_s": server_user / TICK,
            "wrk_cpu_s": wrk_s,
            "foreign_core0_s": foreign0,
            "foreign_core1_s": foreign1,
            "other_cores_s": others,
            "steal_s": steal,
            "top_other_processes": [{"comm": c, "cpu_s": round(s, 2)} for c, s in top],
            "disturbed": bool(reasons),
            "disturbance": "; ".join(reasons),
        }
