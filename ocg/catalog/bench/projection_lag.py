"""Projection lag: from a command's commit to its events being visible in the read model.

A paced writer issues catalog commands at a fixed rate while `run_projections` runs as its own
process, as in production. Each command creates a product: two events (the product and its slug's
index) in one commit, so the pace is RATE events per second from RATE / 2 commands. A monitor polls
the projection's position on its own connection; a commit is visible at the first poll that reports
a position at or past its last notification id. `events` and `events_per_s` count events, as the log
does; `missing` counts created products absent from the read model at the end: it must be 0.
"""

from __future__ import annotations

import bisect
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from decimal import Decimal

import psycopg
from django.conf import settings

from ocg.catalog.application import CatalogApplication
from ocg.spine.bench.common import percentile, process_log, reset, say
from ocg.spine.domain.money import Money
from ocg.spine.eventstore import applications, postgres_conninfo, written_positions

PROJECTION = "catalog"
RATE = 500
EVENTS_PER_COMMAND = 2
WRITERS = 2
LAG_DESIGNER = uuid.UUID("3e8b1f60-94c2-4d7a-b5e3-6a1f0d2c8e49")
POLL_SECONDS = 0.002
POSITION_QUERY = "SELECT position FROM spine_projectionposition WHERE follower = %s AND source = 'catalog'"


class Monitor(threading.Thread):
    """Records (time, position) each time the projection's position is seen to move."""

    def __init__(self) -> None:
        super().__init__(name="lag-monitor", daemon=True)
        self.stop = threading.Event()
        self.times: list[float] = []
        self.positions: list[int] = []
        self.connection = psycopg.connect(postgres_conninfo("ocg-bench-monitor"), autocommit=True)

    def position(self) -> int:
        row = self.connection.execute(POSITION_QUERY, (PROJECTION,), prepare=True).fetchone()
        return row[0] if row else 0

    def run(self) -> None:
        last = -1
        while not self.stop.is_set():
            position = self.position()
            seen_at = time.perf_counter()
            if position != last:
                self.times.append(seen_at)
                self.positions.append(position)
                last = position
            time.sleep(POLL_SECONDS)

    def visible_at(self, notification_id: int) -> float:
        index = bisect.bisect_left(self.positions, notification_id)
        if index == len(self.times):
            raise RuntimeError(f"the monitor never saw position {notification_id}")
        return self.times[index]

    def wait_for(self, notification_id: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.position() < notification_id:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the projection did not reach {notification_id} within {timeout}s")
            time.sleep(0.01)

    def close(self) -> None:
        self.stop.set()
        if self.is_alive():
            self.join()
        self.connection.close()


def start_runner(log: object) -> subprocess.Popen:
    manage = settings.BASE_DIR / "manage.py"
    return subprocess.Popen(  # noqa: S603
        [sys.executable, str(manage), "run_projections", PROJECTION],
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=log,
    )


def stop_runner(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def create_piece(catalog: CatalogApplication, name: str) -> None:
    """A slug of its own, so no command searches for a free one."""
    catalog.create_product(
        designer_id=LAG_DESIGNER,
        actor_id=None,
        name=name,
        slug=f"lag-piece-{uuid.uuid4().hex}",
        price=Money(Decimal("99.00"), "EUR"),
    )


def paced_writes(seconds: float, commits: list[tuple[int, float]]) -> None:
    """Each writer thread keeps its own schedule of RATE / EVENTS_PER_COMMAND / WRITERS commands per second."""
    catalog = applications.get("catalog")
    interval = WRITERS * EVENTS_PER_COMMAND / RATE
    started = time.perf_counter()
    errors: list[BaseException] = []

    def write(index: int) -> None:
        due = started + index * interval / WRITERS
        try:
            while due < started + seconds:
                delay = due - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                create_piece(catalog, f"Lag piece {index}")
                committed = time.perf_counter()
                commits.append((written_positions()["catalog"], committed))
                due += interval
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=write, args=(index,), daemon=True) for index in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def run(quick: bool) -> dict[str, float]:
    seconds = 8.0 if quick else 20.0
    reset("catalog")
    catalog = applications.get("catalog")
    monitor = Monitor()
    with process_log() as log:
        runner = start_runner(log)
        try:
            create_piece(catalog, "Warm-up piece")  # also opens the designer's profile
            warmed_up = written_positions()["catalog"]
            monitor.wait_for(warmed_up, timeout=60)
            monitor.start()
            say(f"runner up; writing {RATE} events/s for {seconds:.0f}s")
            commits: list[tuple[int, float]] = []
            started = time.perf_counter()
            paced_writes(seconds, commits)
            elapsed = time.perf_counter() - started
            monitor.wait_for(max(position for position, _ in commits), timeout=60)
            time.sleep(0.05)
        finally:
            monitor.close()
            stop_runner(runner)
    with psycopg.connect(postgres_conninfo("ocg-bench")) as connection:
        rows = connection.execute("SELECT count(*) FROM catalog_productview").fetchone()[0]
    lags = sorted(max(monitor.visible_at(position) - committed, 0.0) * 1000 for position, committed in commits)
    events = max(position for position, _ in commits) - warmed_up
    return {
        "events_per_s": round(events / elapsed, 1),
        "p50_ms": round(percentile(lags, 0.50), 2),
        "p99_ms": round(percentile(lags, 0.99), 2),
        "max_ms": round(max(lags), 2),
        "events": events,
        "missing": len(commits) + 1 - rows,
    }
