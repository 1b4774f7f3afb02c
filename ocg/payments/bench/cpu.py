"""Where the CPU goes during a payments run (Linux's /proc): each group's processes, children included."""

from __future__ import annotations

import os


def cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        with open(f"/proc/{pid}/task/{pid}/children") as listed:
            children = [int(child) for child in listed.read().split()]
    except (OSError, IndexError, ValueError):
        return 0.0
    return own + sum(cpu_seconds(child) for child in children)


class CpuMeter:
    """CPU seconds used by each group of processes between `start()` and `stop()`; this process is `clients`."""

    def __init__(self, groups: dict[str, list[int]]) -> None:
        self.groups = groups
        self.started: dict[str, float] = {}
        self.used: dict[str, float] = {}

    def sample(self) -> dict[str, float]:
        found = {name: sum(cpu_seconds(pid) for pid in pids) for name, pids in self.groups.items()}
        times = os.times()
        found["clients"] = times.user + times.system
        return found

    def start(self) -> None:
        self.started = self.sample()

    def stop(self) -> None:
        ended = self.sample()
        self.used = {name: ended[name] - self.started[name] for name in ended}

    def per(self, count: int) -> dict[str, float]:
        """Milliseconds of CPU per operation, by group."""
        return {name: round(seconds * 1000 / count, 2) for name, seconds in self.used.items()} if count else {}
