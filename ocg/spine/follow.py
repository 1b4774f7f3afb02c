"""What every follower of a notification log shares: one running copy per name, a wake-up, stalls.

On PostgreSQL a dedicated session holds an advisory lock (so a second copy of the same follower
waits as a hot standby) and LISTENs on each source's channel, which the event store NOTIFYs on
every insert; polling stays as the fallback. Embedded SQLite mode has one process, so an
in-process lock and short polling do the same job.

A follower that cannot get past an event never skips it: it retries with growing backoff, logs
the event and the error, and records a FollowerStall row that /readyz shows from any process.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import NoReturn
from uuid import UUID

import psycopg
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.utils import timezone
from eventsourcing.persistence import Notification
from eventsourcing.persistence import OperationalError as EventStoreOperationalError
from psycopg import sql

from ocg.spine.errors import DATABASE_UNAVAILABLE_ERRORS, error_text
from ocg.spine.eventstore import applications, postgres_conninfo, uses_postgresql
from ocg.spine.models import FollowerStall

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


@dataclass(frozen=True)
class FailedEvent:
    """The event a follower cannot get past, as an operator looks it up."""

    source: str
    position: int
    topic: str
    originator_id: UUID
    originator_version: int

    @classmethod
    def of(cls, source: str, notification: Notification) -> FailedEvent:
        return cls(
            source=source,
            position=notification.id,
            topic=notification.topic,
            originator_id=UUID(str(notification.originator_id)),
            originator_version=notification.originator_version,
        )

    def describe(self) -> str:
        return (
            f"{self.source} event {self.position} ({self.topic}, "
            f"originator {self.originator_id} version {self.originator_version})"
        )


class EventFailed(Exception):
    """A follower could not apply one event; `error` (also the cause) says why.

    `follower_position` is where the follower stands in that source: everything up to it took effect.
    """

    def __init__(self, event: FailedEvent, follower_position: int, error: BaseException) -> None:
        super().__init__(f"{event.describe()}: {error_text(error)}")
        self.event = event
        self.follower_position = follower_position
        self.error = error


def fail_at(source: str, notification: Notification, follower_position: int, error: Exception) -> NoReturn:
    """Raise `error` met while applying `notification` as EventFailed; an outage blames no event."""
    if isinstance(error, DATABASE_UNAVAILABLE_ERRORS):
        raise error
    raise EventFailed(FailedEvent.of(source, notification), follower_position, error) from error


class StallRecord:
    """Keeps the follower's FollowerStall row: written on failure, deleted once it moves on.

    Each write is its own short transaction (the failed work has already rolled back). It starts
    as possibly recorded, so the first success clears a row a previous run left behind.
    """

    def __init__(self, follower: str) -> None:
        self.follower = follower
        self.recorded = True

    def moved_on(self) -> None:
        if self.recorded:
            FollowerStall.objects.filter(follower=self.follower).delete()
            self.recorded = False

    def stalled(self, error: BaseException) -> None:
        failed = error if isinstance(error, EventFailed) else None
        event = failed.event if failed else None
        values = {
            "source": event.source if event else "",
            "position": failed.follower_position if failed else None,
            "event_position": event.position if event else None,
            "event_topic": event.topic if event else "",
            "originator_id": event.originator_id if event else None,
            "originator_version": event.originator_version if event else None,
            "error": error_text(failed.error if failed else error),
        }
        try:
            with transaction.atomic():
                row = FollowerStall.objects.select_for_update().filter(follower=self.follower).first()
                at = (values["source"], values["event_position"])
                again = row is not None and (row.source, row.event_position) == at
                values["attempts"] = row.attempts + 1 if again else 1
                values["since"] = row.since if again else timezone.now()
                FollowerStall.objects.update_or_create(follower=self.follower, defaults=values)
        except DatabaseError as record_error:
            logger.warning("%s: could not record the stall (%s)", self.follower, record_error)
            return
        self.recorded = True


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

    def wait(self, timeout: float, before_blocking: Callable[[], None] | None = None) -> None:
        """Return when new events may have been written, after `timeout`, or when stopping.

        Every notification already received is taken at once: the next read sees all their events, so they
        must not wake the follower again one by one. `before_blocking` runs only when nothing is waiting.
        """
        if self._connection is None:
            if before_blocking is not None:
                before_blocking()
            self.stop.wait(min(timeout, EMBEDDED_POLL_SECONDS))
            return
        if self._take_notifications():
            return
        if before_blocking is not None:
            before_blocking()
        deadline = time.monotonic() + timeout
        while not self.stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            # Short slices so a stop request is noticed promptly. (The generator holds the connection's lock:
            # it must be finished before the rest is taken.)
            woken = sum(1 for _ in self._connection.notifies(timeout=min(remaining, 0.5), stop_after=1))
            if woken:
                self._take_notifications()
                return

    def _take_notifications(self) -> int:
        assert self._connection is not None
        return sum(1 for _ in self._connection.notifies(timeout=0))

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._connection is not None:
            self._connection.close()  # ends the session, which releases the advisory lock
            self._connection = None
        if self._embedded_lock is not None:
            self._embedded_lock.release()
            self._embedded_lock = None


def drain(process_batch: Callable[[str], int], sources: Iterable[str], stop: threading.Event, batch_size: int) -> int:
    """Batches from every source until each has given a short one, or `stop`; the number processed.

    A batch shorter than the limit was the end of its log: anything written since has notified the
    follower, which comes back, so reading the log again now would only find it empty.
    """
    total = 0
    pending = list(sources)
    while pending and not stop.is_set():
        full = []
        for source in pending:
            processed = process_batch(source)
            total += processed
            if processed >= batch_size:
                full.append(source)
        pending = full
    return total


def follow_forever(
    name: str,
    sources: list[str],
    stop: threading.Event,
    catch_up: Callable[[], int],
    poll_seconds: float,
    *,
    expected_errors: tuple[type[BaseException], ...] = (),
    reports_as: str | None = None,
) -> None:
    """The loop every follower runs: hold the lock, catch up, sleep until woken, back off on failure.

    A failure (database or broker away, a bug in a handler, an event it cannot apply) is logged
    and retried with growing backoff, and recorded as a stall under `reports_as` (default `name`);
    nothing moves past the failing event, so nothing is skipped. Losing the follower's own session
    (the lock and LISTEN) starts it again, as a standby if another copy took over meanwhile.
    `expected_errors` are logged without a stack trace.
    """
    stall = StallRecord(reports_as or name)
    backoff = FIRST_BACKOFF_SECONDS
    try:
        while not stop.is_set():
            try:
                with Follower(name, sources, stop) as follower:
                    logger.info("%s running", name)
                    backoff = FIRST_BACKOFF_SECONDS
                    _catch_up_while_following(name, follower, stop, catch_up, poll_seconds, expected_errors, stall)
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
    stall: StallRecord,
) -> None:
    backoff = FIRST_BACKOFF_SECONDS
    while not stop.is_set():
        try:
            catch_up()
            stall.moved_on()
        except Exception as error:
            if stop.is_set():
                return  # a batch cut short by stopping is no stall
            _log_failure(name, error, backoff, expected_errors)
            close_old_connections()
            stall.stalled(error)
            stop.wait(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
            continue
        backoff = FIRST_BACKOFF_SECONDS
        # Caught up (see drain). A follower that has to wait gives its connection back to the pool first: a
        # process runs many followers, and the pool is sized for the requests it serves, not for every
        # follower holding one while it waits.
        follower.wait(poll_seconds, before_blocking=connection.close)


def _log_failure(name: str, error: Exception, backoff: float, expected_errors: tuple[type[BaseException], ...]) -> None:
    if not isinstance(error, EventFailed):
        expected = isinstance(error, expected_errors)
        logger.warning("%s: %s; retrying in %.1fs", name, error, backoff, exc_info=not expected)
        return
    event = error.event
    logger.warning(
        "%s stalled after position %d at %s: %s; retrying in %.1fs",
        name,
        error.follower_position,
        event.describe(),
        error_text(error.error),
        backoff,
        exc_info=not isinstance(error.error, expected_errors),
        extra={
            "fields": {
                "follower": name,
                "source": event.source,
                "follower_position": error.follower_position,
                "event_position": event.position,
                "event_topic": event.topic,
                "originator_id": str(event.originator_id),
                "originator_version": event.originator_version,
                "error": error_text(error.error),
            }
        },
    )
