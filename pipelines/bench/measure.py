"""Run one benchmark stage as a child process and measure it: wall time, CPU time, peak memory.

CPU time comes from the kernel (wait4's rusage: the child and every descendant it waited for, dbt
included). Peak memory is sampled: the summed resident set of the child's whole process tree
every 0.2 s, because a Dagster run and its dbt subprocess are alive at the same time.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class Measured:
    stage: str
    wall_s: float
    cpu_s: float
    peak_rss_mib: float
    returncode: int
    rows: int | None = None
    note: str = ""

    @property
    def rows_per_s(self) -> float | None:
        return self.rows / self.wall_s if self.rows and self.wall_s else None


def _children_of() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])  # the name in (...) may hold spaces
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def tree_rss_bytes(pid: int) -> int:
    children, total, todo = _children_of(), 0, [pid]
    while todo:
        p = todo.pop()
        with contextlib.suppress(OSError):  # the process ended meanwhile
            total += int(Path(f"/proc/{p}/statm").read_text().split()[1]) * PAGE
        todo.extend(children.get(p, []))
    return total


def run_measured(
    stage: str, argv: list[str], env: dict[str, str], log: Path, cwd: Path | None = None
) -> Measured:
    """Run argv to completion with its output in log; measure it."""
    peak = 0
    started = time.monotonic()
    with log.open("wb") as out:
        child = subprocess.Popen(argv, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.wait(0.2):
                peak = max(peak, tree_rss_bytes(child.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(child.pid, 0)
        done.set()
        sampler.join()
        child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started
    peak = max(peak, usage.ru_maxrss * 1024)  # a child shorter than one sample still counts
    return Measured(
        stage=stage,
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime,
        peak_rss_mib=peak / 2**20,
        returncode=child.returncode,
    )
