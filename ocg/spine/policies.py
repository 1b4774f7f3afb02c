"""Process managers: one context's events turned into its own events, each exactly once.

A context's policy is a process application of its own (the library's `EventSourcedProjection`
with its process recorder), named after the context so it writes to the context's events table,
beside the command application that keeps the group-commit insert for clients. Its `policy`
collects new events on a processing event, and the library records them in ONE transaction with
the upstream position (its tracking table). A crash before that commit leaves neither; the events
are simply processed again.

This runner feeds it, batch by batch, with the same lock and wake-up as projections. Several
upstream events are acted on in one transaction, recorded with the position of the last: under
load a batch costs one commit instead of one per event, and the aggregates its events will touch
are read in one query (`ContextPolicy.prefetch`), fast-forwarded from the copies the policy kept
after its last commit. Within a batch a handler sees what the handlers before it changed. Events
the policy does not react to are not decoded: they only move the position.

A save that lost a race with a client command is retried at once (the policy re-reads the
aggregates). Any other failure of a batch replays it event by event, so everything before the
failing event commits and the failing one stops the policy there (EventFailed, reported as a
stall) until the code is fixed: a policy's event is never skipped, since the reaction it owes
would be lost silently.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable
from copy import deepcopy
from typing import Any, ClassVar

from django.conf import settings
from eventsourcing.application import AggregateNotFoundError, LRUCache, ProcessingEvent
from eventsourcing.persistence import IntegrityError, StoredEvent, Tracking
from eventsourcing.projection import EventSourcedProjection
from psycopg import sql

from ocg.spine.errors import DATABASE_UNAVAILABLE_ERRORS
from ocg.spine.eventstore import (
    POLICY_PREFIX,
    AggregateEvents,
    ContextApplication,
    applications,
    apply_events,
    uses_postgresql,
)
from ocg.spine.follow import drain, fail_at, follow_forever

BATCH_SIZE = 500
# Upstream events acted on per transaction at most: bounds how long the first of them waits for its commit.
REACTIONS_PER_TRANSACTION = 50
CONFLICT_RETRIES = 10
# Aggregates a policy keeps between batches (as of its last commit), to read only their newer events.
KEPT_AGGREGATES = 20_000


class ReactionFailed(Exception):
    """The handler of the `index`-th event of a batch raised `error`; nothing of the batch was recorded."""

    def __init__(self, index: int, error: Exception) -> None:
        super().__init__(f"event {index} of the batch: {error}")
        self.index = index
        self.error = error


class BatchView:
    """The policy's repository while it reacts to a batch: what earlier events of the batch created or
    changed, as they are now; anything else read through the policy's loader (and kept for the batch)."""

    def __init__(self, repository: Any, processing_event: ProcessingEvent, load: Callable[[set[Any]], Any]) -> None:
        self.repository = repository
        self.processing_event = processing_event
        self.load = load
        self.loaded: dict[Any, Any] = {}
        self.positions: dict[Any, int] = {}

    def read(self, aggregate_ids: set[Any]) -> None:
        missing = {aggregate_id for aggregate_id in aggregate_ids if aggregate_id not in self.loaded}
        if missing:
            loaded, positions = self.load(missing)
            self.loaded.update(loaded)
            self.positions.update(positions)

    def get(self, aggregate_id: Any, **options: Any) -> Any:
        if options:
            return self.repository.get(aggregate_id, **options)
        changed = self.processing_event.aggregates.get(aggregate_id)
        if changed is not None:
            return changed
        self.read({aggregate_id})
        found = self.loaded[aggregate_id]
        if found is None:
            raise AggregateNotFoundError(aggregate_id)
        return found


class ContextPolicy(ContextApplication, EventSourcedProjection):
    """Base of a context's process application.

    Subclasses set `name` (their context), `follows` (the contexts they react to) and `reacts_to`
    (the upstream event classes `policy` handles), register handlers on `policy`, and may name in
    `prefetch` the aggregates a handler will read, so a batch reads them all at once.
    """

    follows: ClassVar[tuple[str, ...]] = ()
    reacts_to: ClassVar[tuple[type, ...]] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._reacting = threading.local()
        self._kept: LRUCache = LRUCache(maxsize=KEPT_AGGREGATES)

    @classmethod
    def topics(cls) -> frozenset[str]:
        return frozenset(f"{event_class.__module__}:{event_class.__qualname__}" for event_class in cls.reacts_to)

    @property
    def repository(self) -> Any:
        view = getattr(getattr(self, "_reacting", None), "view", None)
        return view if view is not None else self._repository

    def prefetch(self, domain_event: Any) -> Iterable[Any]:
        """Ids of the aggregates the handler of `domain_event` will read (none by default)."""
        return ()

    def react(self, domain_events: list[Any], tracking: Tracking) -> None:
        """Act on upstream events in order and record every new event with `tracking`, in one transaction."""
        processing_event = AggregateEvents(tracking=tracking)
        view = BatchView(self._repository, processing_event, self._load)
        view.read({aggregate_id for domain_event in domain_events for aggregate_id in self.prefetch(domain_event)})
        self._reacting.view = view
        try:
            for index, domain_event in enumerate(domain_events):
                try:
                    self.policy(domain_event, processing_event)
                except Exception as error:
                    raise ReactionFailed(index, error) from error
        finally:
            self._reacting.view = None
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self.notify(processing_event.events)
        self._notify(recordings)
        positions = dict(view.positions)
        positions.update((r.domain_event.originator_id, r.notification.id) for r in recordings)
        for aggregate_id, aggregate in [*view.loaded.items(), *processing_event.aggregates.items()]:
            if aggregate is not None and aggregate_id in positions:
                self._kept.put(aggregate_id, (aggregate, positions[aggregate_id]))

    def _load(self, aggregate_ids: set[Any]) -> tuple[dict[Any, Any], dict[Any, int]]:
        """Aggregates by id (None: not found) and the position of each one's last event, in one query.

        Each starts from the copy kept after the policy's last commit, else from its latest snapshot,
        else from nothing, and takes the events after that. The first event read must be the one the
        copy or snapshot ends with (same version, time and, for a copy, position): otherwise the log was
        emptied and written again (as tests do) and the aggregate is replayed from its first event.
        Copies are handed out, so a batch that fails leaves the kept ones as they were committed.
        """
        if not uses_postgresql():
            return {aggregate_id: self._get_or_none(aggregate_id) for aggregate_id in aggregate_ids}, {}
        bases: dict[Any, tuple[Any, int | None]] = {}
        for aggregate_id in aggregate_ids:
            with contextlib.suppress(KeyError):
                bases[aggregate_id] = self._kept.get(aggregate_id)
        for aggregate_id, snapshot in self._snapshots_of(aggregate_ids - bases.keys()).items():
            bases[aggregate_id] = (snapshot, None)
        rows = self._events_from({i: bases[i][0].version if i in bases else 1 for i in aggregate_ids})
        stale = {i for i, (base, position) in bases.items() if not ends_with(rows.get(i), base, position)}
        if stale:
            rows.update(self._events_from(dict.fromkeys(stale, 1)))
        loaded: dict[Any, Any] = {}
        positions: dict[Any, int] = {}
        for aggregate_id in aggregate_ids:
            found = rows.get(aggregate_id, [])
            base = deepcopy(bases[aggregate_id][0]) if aggregate_id in bases and aggregate_id not in stale else None
            newer = [event for _, event in (found[1:] if base is not None else found)]
            loaded[aggregate_id] = apply_events(base, newer) if base is not None or newer else None
            if found:
                positions[aggregate_id] = found[-1][0]
        return loaded, positions

    def _get_or_none(self, aggregate_id: Any) -> Any:
        try:
            return self._repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    def _snapshots_of(self, aggregate_ids: set[Any]) -> dict[Any, Any]:
        """The latest snapshot of each (for an application that takes snapshots), as an aggregate."""
        if self.snapshots is None or not aggregate_ids:
            return {}
        recorder = self.snapshots.recorder
        statement = sql.SQL(
            "SELECT DISTINCT ON (originator_id) originator_id, originator_version, topic, state FROM {table} "
            "WHERE originator_id = ANY(%s) ORDER BY originator_id, originator_version DESC"
        ).format(table=sql.Identifier(recorder.datastore.schema, recorder.events_table_name))
        with recorder.datastore.get_connection() as connection, connection.cursor() as cursor:
            cursor.execute(statement, (list(aggregate_ids),), prepare=True)
            rows = cursor.fetchall()
        return {row["originator_id"]: self.mapper.to_domain_event(stored(row)).mutate(None) for row in rows}

    def _events_from(self, versions: dict[Any, int]) -> dict[Any, list[tuple[int, Any]]]:
        """Each aggregate's events from the given version on, with their positions, in one query."""
        recorder = self.recorder
        statement = sql.SQL(
            "SELECT e.originator_id, e.originator_version, e.topic, e.state, e.notification_id "
            "FROM unnest(%s::uuid[], %s::bigint[]) AS w(id, first) "
            "JOIN {table} e ON e.originator_id = w.id AND e.originator_version >= w.first "
            "ORDER BY e.originator_id, e.originator_version"
        ).format(table=sql.Identifier(recorder.datastore.schema, recorder.events_table_name))
        ids = list(versions)
        found: dict[Any, list[tuple[int, Any]]] = {}
        with recorder.datastore.get_connection() as connection, connection.cursor() as cursor:
            cursor.execute(statement, (ids, [versions[i] for i in ids]), prepare=True)
            for row in cursor.fetchall():
                event = self.mapper.to_domain_event(stored(row))
                found.setdefault(row["originator_id"], []).append((row["notification_id"], event))
        return found


def stored(row: dict[str, Any]) -> StoredEvent:
    return StoredEvent(
        originator_id=row["originator_id"],
        originator_version=row["originator_version"],
        topic=row["topic"],
        state=bytes(row["state"]),
    )


def ends_with(found: list[tuple[int, Any]] | None, aggregate: Any, position: int | None) -> bool:
    """The first event read is the last one `aggregate` was built from: same version, time and position."""
    if not found:
        return False
    first_position, event = found[0]
    return (
        event.originator_version == aggregate.version
        and event.timestamp == aggregate.modified_on
        and position in (None, first_position)
    )


def policy_names() -> list[str]:
    return [f"{POLICY_PREFIX}{name}" for name in settings.POLICIES]


class PolicyRunner:
    """Feeds a context's policy from the contexts it follows."""

    def __init__(
        self,
        context: str,
        *,
        batch_size: int = BATCH_SIZE,
        stop: threading.Event | None = None,
    ) -> None:
        self.context = context
        self.batch_size = batch_size
        self.stop = stop or threading.Event()
        # Where each upstream stands, as this runner last tracked it: read from the tracking table once, then
        # kept after each commit, so a batch costs no query for it. Dropped on any failure, and read again.
        self._positions: dict[str, int] = {}

    @property
    def name(self) -> str:
        return f"{POLICY_PREFIX}{self.context}"

    @property
    def reactor(self) -> Any:
        reactor = applications.get(self.name)
        if not isinstance(reactor, EventSourcedProjection):
            raise TypeError(f"{type(reactor).__name__} must be an EventSourcedProjection to run policies")
        return reactor

    @property
    def upstreams(self) -> tuple[str, ...]:
        return tuple(self.reactor.follows)

    def process_batch(self, upstream: str) -> int:
        """Act on the next batch from one upstream log; return how many of its events were passed."""
        reactor = self.reactor
        source = applications.get(upstream)
        start = self._positions.get(upstream)
        if start is None:
            start = reactor.recorder.max_tracking_id(source.name) or 0
        notifications = source.recorder.select_notifications(
            start=start, limit=self.batch_size, inclusive_of_start=False
        )
        wanted = reactor.topics() if isinstance(reactor, ContextPolicy) and reactor.reacts_to else None
        limit = REACTIONS_PER_TRANSACTION if isinstance(reactor, ContextPolicy) else 1
        chunk: list[Any] = []
        passed = 0
        try:
            for index, notification in enumerate(notifications):
                if self.stop.is_set():
                    break
                if wanted is None or notification.topic in wanted:
                    chunk.append(notification)
                if len(chunk) == limit or index == len(notifications) - 1:
                    self._commit(reactor, source, upstream, chunk, notification, start)
                    start, chunk, passed = notification.id, [], index + 1
        except BaseException:
            self._positions.pop(upstream, None)
            raise
        # `_commit` returns only once `start` is tracked (by this runner, or already by another copy).
        self._positions[upstream] = start
        return passed

    def _commit(self, reactor: Any, source: Any, upstream: str, chunk: list[Any], end: Any, start: int) -> None:
        """React to `chunk` and record the position `end` in one transaction; retried on a lost race,
        replayed event by event on any other failure (so the failing event is the one reported)."""
        events = []
        for index, notification in enumerate(chunk):
            try:
                events.append(source.mapper.to_domain_event(notification))
            except Exception as error:
                if index:
                    self._commit(reactor, source, upstream, chunk[:index], chunk[index - 1], start)
                    start = chunk[index - 1].id
                fail_at(upstream, notification, start, error)
        for attempt in range(CONFLICT_RETRIES + 1):
            try:
                with reactor.processing_lock:
                    self._react(reactor, events, Tracking(source.name, end.id))
                return
            except IntegrityError as error:
                if self._already_tracked(reactor, source, end):
                    return
                if attempt == CONFLICT_RETRIES:
                    if len(chunk) > 1:
                        break
                    fail_at(upstream, chunk[0] if chunk else end, start, error)
            except ReactionFailed as failed:
                if failed.index:
                    self._commit(reactor, source, upstream, chunk[: failed.index], chunk[failed.index - 1], start)
                    start = chunk[failed.index - 1].id
                fail_at(upstream, chunk[failed.index], start, failed.error)
            except DATABASE_UNAVAILABLE_ERRORS:
                raise
            except Exception as error:
                if len(chunk) <= 1:
                    fail_at(upstream, chunk[0] if chunk else end, start, error)
                break
        for notification in chunk:
            self._commit(reactor, source, upstream, [notification], notification, start)
            start = notification.id
        if end.id > start:
            self._commit(reactor, source, upstream, [], end, start)

    @staticmethod
    def _react(reactor: Any, events: list[Any], tracking: Tracking) -> None:
        if isinstance(reactor, ContextPolicy):
            reactor.react(events, tracking)
        elif len(events) == 1:
            reactor.process_event(events[0], tracking)
        else:
            raise ValueError("only a ContextPolicy reacts to several events at once")

    @staticmethod
    def _already_tracked(reactor: Any, source: Any, notification: Any) -> bool:
        """Another copy recorded this event meanwhile (a standby that took over): nothing left to do."""
        return (reactor.recorder.max_tracking_id(source.name) or 0) >= notification.id

    def catch_up(self) -> int:
        """Batches until every upstream log is drained; returns how many events were passed."""
        return drain(self.process_batch, self.upstreams, self.stop, self.batch_size)

    def run_forever(self, poll_seconds: float | None = None) -> None:
        follow_forever(
            self.name,
            list(self.upstreams),
            self.stop,
            self.catch_up,
            settings.PROJECTION_POLL_SECONDS if poll_seconds is None else poll_seconds,
            reports_as=self.name,
        )
