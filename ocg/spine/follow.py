"""What every follower of a notification log shares: one running copy per name, and a wake-up.

On PostgreSQL a dedicated session holds an advisory lock (so a second copy of the same follower
waits as a hot standby) and LISTENs on each source's channel, which the event store NOTIFYs on
every insert; polling stays as the fallback. Embedded SQLite mode has one process, so an
in-process lock and short polling do the same job.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterable
from types import TracebackType

import psycopg
from django.db import close_old_connections, connection
from eventsourcing.persistence import OperationalError as EventStoreOperationalError
from psycopg import sql

from ocg.spine.eventstore import applications, postgres_conninfo, uses_postgresql

logger = logging.getLogger(__name__)

EMBEDDED_POLL_SECONDS = 0.1
FIRST_BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 30.0
_embedded_locks: dict[str, threading.Lock] = {}
_embedded_locks_guard = threading.Lock()


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for pg_advisory_lock, from the follower's name."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


class FollowerAlreadyRunning(RuntimeError):
    pass


class Follower:
    """Hold the one-copy lock for `name` and wait for new events in `sources`.

    `wait_for_lock=True` blocks (checking `stop` every second) until the other copy goes away;
    `False` raises FollowerAlreadyRunning at once.
    """

    def __init__(self, name: str, sources: list[str], stop: threading.Event, *, wait_for_lock: bool = True):
        self.name = name
        self.sources = sources
        self.stop = stop
        self.wait_for_lock = wait_for_lock
        self._connection: psycopg.Connection | None = None
        self._embedded_lock: threading.Lock | None = None

    def __enter__(self) -> Follower:
        if uses_postgresql():
            self._enter_postgres()
        else:
            self._enter_embedded()
        return self

    def _enter_postgres(self) -> None:
        channels = [applications.get(source).recorder.channel_name for source in self.sources]
        connection = psycopg.connect(postgres_conninfo("ocg-follower"), autocommit=True)
        try:
            self._lock(connection)
            for channel in channels:
                connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
        except BaseException:
            connection.close()  # never keep holding the lock for a follower that did not start
            raise
        self._connection = connection

    def _lock(self, connection: psycopg.Connection) -> None:
        key = advisory_key(self.name)
        announced = False
        while not connection.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0]:
            if not self.wait_for_lock:
                raise FollowerAlreadyRunning(f"{self.name} is already running elsewhere")
            if not announced:
                logger.info("%s is running elsewhere; standing by until it stops", self.name)
                announced = True
            if self.stop.wait(1.0):
                raise FollowerAlreadyRunning(f"stopped while waiting for {self.name}")

    def _enter_embedded(self) -> None:
        with _embedded_locks_guard:
            lock = _embedded_locks.setdefault(self.name, threading.Lock())
        while not lock.acquire(timeout=1.0):
            if not self.wait_for_lock or self.stop.is_set():
                raise FollowerAlreadyRunning(f"{self.name} is already running in this process")
        self._embedded_lock = lock

    def wait(self, timeout: float) -> None:
        """Return when new events may have been written, after `timeout`, or when stopping."""
        if self._connection is None:
            self.stop.wait(min(timeout, EMBEDDED_POLL_SECONDS))
            return
        deadline = time.monotonic() + timeout
        while not self.stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            # Short slices so a stop request is noticed promptly.
            for _ in self._connection.notifies(timeout=min(remaining, 0.5), stop_after=1):
                return

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._connection is not None:
            self._connection.close()  # ends the session, which releases the advisory lock
            self._connection = None
        if self._embedded_lock is not None:
            self._embedded_lock.release()
            self._embedded_lock = None


def drain(process_batch: Callable[[str], int], sources: Iterable[str], stop: threading.Event) -> int:
    """Process batch after batch from every source until none has more (or `stop`); the number processed."""
    total = 0
    while not stop.is_set():
        processed = sum(process_batch(source) for source in sources)
        total += processed
        if processed == 0:
            break
    return total


def follow_forever(
    name: str,
    sources: list[str],
    stop: threading.Event,
    catch_up: Callable[[], int],
    poll_seconds: float,
    *,
    expected_errors: tuple[type[BaseException], ...] = (),
) -> None:
    """The loop every follower runs: hold the lock, catch up, sleep until woken, back off on failure.

    A failure (database or broker away, a bug in a handler) is logged and retried with growing
    backoff; nothing moves past the failing event, so nothing is skipped. Losing the follower's own
    session (the lock and LISTEN) starts it again, as a standby if another copy took over meanwhile.
    `expected_errors` are logged without a stack trace.
    """
    backoff = FIRST_BACKOFF_SECONDS
    try:
        while not stop.is_set():
            try:
                with Follower(name, sources, stop) as follower:
                    logger.info("%s running", name)
                    backoff = FIRST_BACKOFF_SECONDS
                    _catch_up_while_following(name, follower, stop, catch_up, poll_seconds, expected_errors)
            except (psycopg.OperationalError, EventStoreOperationalError) as error:
                logger.warning("%s: database unavailable (%s); retrying in %.1fs", name, error, backoff)
                stop.wait(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
    except FollowerAlreadyRunning:
        if not stop.is_set():
            raise
    finally:
        connection.close()


def _catch_up_while_following(
    name: str,
    follower: Follower,
    stop: threading.Event,
    catch_up: Callable[[], int],
    poll_seconds: float,
    expected_errors: tuple[type[BaseException], ...],
) -> None:
    backoff = FIRST_BACKOFF_SECONDS
    while not stop.is_set():
        try:
            processed = catch_up()
        except Exception as error:
            expected = isinstance(error, expected_errors)
            logger.warning("%s: %s; retrying in %.1fs", name, error, backoff, exc_info=not expected)
            close_old_connections()
            stop.wait(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
            continue
        backoff = FIRST_BACKOFF_SECONDS
        if processed == 0:
            follower.wait(poll_seconds)
