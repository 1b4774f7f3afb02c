"""Projections: event -> read-model writers with exactly-once effect.

A batch of events and the projection's new position commit in ONE database transaction, after
the position row has been locked and checked; a crash anywhere rolls both back, so a batch takes
effect exactly once. Events a projection ignores still advance its position.

When a batch fails it is applied again event by event, each with its own position, so every good
event before a bad one takes effect and the projection stalls exactly at the bad one (EventFailed).
Nothing is skipped unless an operator says so (`manage.py skip_event`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.module_loading import import_string
from eventsourcing.persistence import Notification

from ocg.spine.errors import DATABASE_UNAVAILABLE_ERRORS, error_text
from ocg.spine.eventstore import applications, written_positions
from ocg.spine.follow import Follower, drain, fail_at, follow_forever
from ocg.spine.models import ProjectionPosition

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000


class Projection:
    """Subclass with a stable `name`, the contexts it follows, its read models and `handle`."""

    name: ClassVar[str]
    sources: ClassVar[tuple[str, ...]]
    read_models: ClassVar[tuple[type[Model], ...]] = ()

    def handle(self, events: Sequence[Any]) -> None:
        """Apply a batch of domain events (in log order) to the read models; runs inside the transaction."""
        raise NotImplementedError

    def clear(self) -> None:
        """Empty the read models before a rebuild."""
        with connection.cursor() as cursor:
            for model in self.read_models:
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608


def registered_projections() -> dict[str, type[Projection]]:
    classes = [import_string(path) for path in settings.PROJECTIONS]
    return {cls.name: cls for cls in classes}


def get_projection(name: str) -> Projection:
    try:
        return registered_projections()[name]()
    except KeyError:
        known = ", ".join(registered_projections())
        raise LookupError(f"No projection named {name!r}; known: {known}") from None


# Every batch of every projection runs it: plain SQL, as building the ORM's SELECT ... FOR UPDATE and UPDATE
# cost a follower more than the two round trips they made.
MOVE_POSITION = (
    f"UPDATE {ProjectionPosition._meta.db_table} SET position = %s, updated_at = %s "  # noqa: S608
    "WHERE follower = %s AND source = %s AND position = %s"
)


class PositionMoved(Exception):
    """Another copy advanced the position since this batch was read; the batch is dropped."""


class ProjectionRunner:
    """Feeds one projection from its sources' notification logs, batch by batch."""

    def __init__(
        self,
        projection: Projection,
        *,
        batch_size: int = BATCH_SIZE,
        stop: threading.Event | None = None,
        on_batch: Callable[[str, int], None] | None = None,
    ) -> None:
        self.projection = projection
        self.batch_size = batch_size
        self.stop = stop or threading.Event()
        self.on_batch = on_batch
        # Where each source stands, as this runner last committed it: read once, then checked under the row
        # lock of every commit (which drops it if anything else moved the position meanwhile).
        self._positions: dict[str, int] = {}

    def position(self, source: str) -> int:
        known = self._positions.get(source)
        if known is None:
            row, _ = ProjectionPosition.objects.get_or_create(follower=self.projection.name, source=source)
            known = self._positions[source] = row.position
        return known

    def process_batch(self, source: str) -> int:
        """Apply the next batch from one source; return how many events took effect.

        Raises EventFailed, after applying every event before it, for an event that cannot be
        read or applied.
        """
        application = applications.get(source)
        start = self.position(source)
        notifications = application.recorder.select_notifications(
            start=start, limit=self.batch_size, inclusive_of_start=False
        )
        if not notifications:
            return 0
        readable: list[tuple[Notification, Any]] = []
        unreadable: tuple[Notification, int, Exception] | None = None
        for notification in notifications:
            try:
                readable.append((notification, application.mapper.to_domain_event(notification)))
            except Exception as error:
                unreadable = (notification, readable[-1][0].id if readable else start, error)
                break
        applied = self._apply(source, start, readable) if readable else 0
        if unreadable is not None and applied == len(readable):
            fail_at(source, *unreadable)
        return applied

    def _apply(self, source: str, start: int, batch: list[tuple[Notification, Any]]) -> int:
        """The batch in one transaction; if that fails, event by event. Returns how many took effect."""
        try:
            self._commit(source, start, batch)
        except PositionMoved:
            return 0
        except DATABASE_UNAVAILABLE_ERRORS:
            raise
        except Exception as error:
            if len(batch) == 1:
                fail_at(source, batch[0][0], start, error)
            logger.info(
                "%s: a batch of %d from %s failed (%s); applying it event by event",
                self.projection.name,
                len(batch),
                source,
                error_text(error),
            )
            return self._apply_one_by_one(source, start, batch)
        if self.on_batch is not None:
            self.on_batch(source, batch[-1][0].id)
        return len(batch)

    def _apply_one_by_one(self, source: str, start: int, batch: list[tuple[Notification, Any]]) -> int:
        position = start
        for applied, item in enumerate(batch):
            try:
                self._commit(source, position, [item])
            except PositionMoved:
                return applied
            except Exception as error:
                fail_at(source, item[0], position, error)
            position = item[0].id
            if self.on_batch is not None:
                self.on_batch(source, position)
        return len(batch)

    def _commit(self, source: str, start: int, batch: list[tuple[Notification, Any]]) -> None:
        """Apply `batch` and move the position from `start` to its last event, in one transaction."""
        end = batch[-1][0].id
        try:
            with transaction.atomic():
                # Moving the position first takes the row's lock for the whole batch, and checks it in the
                # same statement: nothing else (another copy, `skip_event`) moved it since it was read.
                with connection.cursor() as cursor:
                    now = connection.ops.adapt_datetimefield_value(timezone.now())
                    cursor.execute(MOVE_POSITION, [end, now, self.projection.name, source, start])
                    if cursor.rowcount != 1:
                        raise PositionMoved
                self.projection.handle([event for _, event in batch])
        except BaseException:
            self._positions.pop(source, None)
            raise
        self._positions[source] = end

    def catch_up(self) -> int:
        """Process until every source is drained; return the number of events processed."""
        return drain(self.process_batch, self.projection.sources, self.stop, self.batch_size)

    def run_forever(self, poll_seconds: float | None = None) -> None:
        """Run until `stop` is set; a second copy of the same projection waits as a standby."""
        follow_forever(
            f"projection:{self.projection.name}",
            list(self.projection.sources),
            self.stop,
            self.catch_up,
            settings.PROJECTION_POLL_SECONDS if poll_seconds is None else poll_seconds,
            reports_as=self.projection.name,
        )


def wait_for_projection(name: str, timeout: float | None = None) -> bool:
    """Read-your-writes: block (bounded) until projection `name` has applied what this context wrote.

    Returns False if it has not caught up in time (never sleeping past it); the caller then
    answers "pending" with what it knows.
    """
    projection_class = registered_projections()[name]
    targets = {source: pos for source, pos in written_positions().items() if source in projection_class.sources}
    if not targets:
        return True
    deadline = time.monotonic() + (settings.PROJECTION_WAIT_SECONDS if timeout is None else timeout)
    delay = 0.005
    # Asked several times per mutation: plain SQL, since building the ORM query cost more than running it.
    query = f"SELECT source, position FROM {ProjectionPosition._meta.db_table} WHERE follower = %s"  # noqa: S608
    while True:
        with connection.cursor() as cursor:
            cursor.execute(query, [name])
            reached = dict(cursor.fetchall())
        if all(reached.get(source, 0) >= position for source, position in targets.items()):
            return True
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            logger.warning("projection %s did not reach %s in time", name, targets)
            return False
        time.sleep(min(delay, remaining))
        delay = min(delay * 2, 0.05)


def lag(follower: str, sources: Sequence[str]) -> dict[str, int]:
    """Events written but not yet followed, by source."""
    positions = dict(ProjectionPosition.objects.filter(follower=follower).values_list("source", "position"))
    result = {}
    for source in sources:
        head = applications.get(source).recorder.max_notification_id() or 0
        result[source] = max(head - positions.get(source, 0), 0)
    return result


def rebuild(projection: Projection, progress: Callable[[int], None] | None = None) -> int:
    """Empty the read models and replay every source from the start; returns events replayed.

    Holds the projection's one-copy lock, so a running copy must be stopped first.
    """
    stop = threading.Event()
    with Follower(f"projection:{projection.name}", list(projection.sources), stop, wait_for_lock=False):
        with transaction.atomic():
            projection.clear()
            ProjectionPosition.objects.filter(follower=projection.name).delete()
        runner = ProjectionRunner(projection, stop=stop)
        total = 0
        while True:
            processed = 0
            for source in projection.sources:
                count = runner.process_batch(source)
                processed += count
                if progress is not None and count:
                    progress(count)
            total += processed
            if processed == 0:
                return total
