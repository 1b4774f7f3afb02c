"""The PostgreSQL application recorder every context's event store uses.

eventsourcing 9.5.6's insert function (POSTGRES_ENABLE_DB_FUNCTIONS) takes no table lock, so two
concurrent inserts can commit out of notification-id order; a follower that reads "everything
after my position" then skips the one that commits late, for good. Our function takes the
EXCLUSIVE table lock first, as the library's non-function path does: commit order equals id
order again, and the notification log has no gaps a reader can pass.
"""

from __future__ import annotations

import functools
import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import psycopg
from eventsourcing.persistence import IntegrityError, InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

INSERT_FUNCTION = "ocg_insert_events"
SCALAR_ROWS_MAX = 64
WRITERS = 2  # group-commit inserts in flight at once per context, each on its own connection
INSERT_ATTEMPTS = 10  # as the library's own @retry of inserts
INSERT_RETRY_WAIT = 0.2


class OrderedPostgresApplicationRecorder(PostgresApplicationRecorder):
    """Inserts through our own PL/pgSQL function: table lock, NOTIFY and insert in one round trip.

    Rows travel as four plain arrays (ids, versions, topics, states) in binary, which costs the
    client far less than the library's array of composite values; concurrent saves share one
    call through GroupCommit.
    """

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        schema, function = Identifier(self.datastore.schema), Identifier(INSERT_FUNCTION)
        self.sql_create_statements.append(
            SQL(
                "CREATE OR REPLACE FUNCTION {schema}.{function}"
                "(ids uuid[], versions bigint[], topics text[], states bytea[]) "
                "RETURNS SETOF bigint LANGUAGE plpgsql AS $BODY$ "
                "BEGIN "
                "SET LOCAL lock_timeout = '{lock_timeout}s'; "
                "LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE; "
                "NOTIFY {channel}; "
                "RETURN QUERY WITH inserted AS ("
                "INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state) "
                "SELECT * FROM unnest(ids, versions, topics, states) RETURNING notification_id) "
                "SELECT notification_id FROM inserted ORDER BY notification_id; "
                "END; $BODY$"
            ).format(
                schema=schema,
                function=function,
                lock_timeout=self.datastore.lock_timeout,
                table=Identifier(self.events_table_name),
                channel=Identifier(self.channel_name),
            )
        )
        self._call_function = SQL("SELECT id FROM {schema}.{function}").format(schema=schema, function=function)
        self._select_committed = SQL(
            "SELECT e.originator_id, e.originator_version, e.notification_id, e.topic, e.state "
            "FROM {schema}.{table} e JOIN unnest(%s::uuid[], %s::bigint[]) AS k(id, version) "
            "ON e.originator_id = k.id AND e.originator_version = k.version"
        ).format(schema=schema, table=Identifier(self.events_table_name))
        self._idle_writers: list[psycopg.Cursor[tuple[Any, ...]]] = []

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        """Commands share inserts (group commit); tracked inserts take the library's own path."""
        if any(value is not None for value in kwargs.values()) or not self.datastore.enable_db_functions:
            return super().insert_events(stored_events, **kwargs)
        return self._group_commit.submit(stored_events)

    @cached_property
    def _group_commit(self) -> GroupCommit:
        return GroupCommit(self._insert_rows, leaders=WRITERS)

    @functools.lru_cache(maxsize=SCALAR_ROWS_MAX + 1)  # noqa: B019 - one recorder per context per process
    def _insert_statement(self, rows: int) -> str:
        """The call for `rows` events, rendered once.

        Up to SCALAR_ROWS_MAX rows each value is its own binary parameter and PostgreSQL builds the
        arrays: psycopg dumps scalars in C but arrays in Python, which cost a command ~50 us more.
        Bigger saves pass four arrays, staying far from the protocol's 65,535-parameter limit.
        """
        if rows > SCALAR_ROWS_MAX:
            arguments = "%b::uuid[], %b::bigint[], %b::text[], %b::bytea[]"
        else:
            placeholders = ", ".join(["%b"] * rows)
            arguments = ", ".join(f"ARRAY[{placeholders}]::{kind}[]" for kind in ("uuid", "bigint", "text", "bytea"))
        return f"{self._call_function.as_string()}({arguments}) AS t(id)"

    def _insert_rows(self, stored_events: Sequence[StoredEvent]) -> list[int]:
        """Runs in a group-commit leader; a dropped connection is retried, as the library retries.

        An insert whose connection dropped may have committed all the same: the server commits
        before it answers. Its retry then meets its own rows on the unique key, and answering
        with that conflict would make the command run again (for a create: a second aggregate).
        So a retry that conflicts looks for the very rows it sent and answers with their ids.
        """
        sent_before = False
        for attempt in range(1, INSERT_ATTEMPTS + 1):
            try:
                return self._insert_rows_once(stored_events)
            except IntegrityError:
                committed = self._committed_ids(stored_events) if sent_before else None
                if committed is None:
                    raise
                return committed
            except (InterfaceError, OperationalError):
                if attempt == INSERT_ATTEMPTS:
                    raise
                sent_before = True
                time.sleep(INSERT_RETRY_WAIT * (1 + 0.1 * (random.random() - 0.5)))  # noqa: S311
        raise AssertionError("unreachable")

    def _insert_rows_once(self, stored_events: Sequence[StoredEvent]) -> list[int]:
        columns = (
            [event.originator_id for event in stored_events],
            [event.originator_version for event in stored_events],
            [event.topic for event in stored_events],
            [event.state for event in stored_events],
        )
        parameters = columns if len(stored_events) > SCALAR_ROWS_MAX else [v for column in columns for v in column]
        with self._writer() as writer:
            rows = writer.execute(self._insert_statement(len(stored_events)), parameters, prepare=True).fetchall()
        return [row[0] for row in rows]

    @retry((InterfaceError, OperationalError), max_attempts=INSERT_ATTEMPTS, wait=INSERT_RETRY_WAIT)
    def _committed_ids(self, stored_events: Sequence[StoredEvent]) -> list[int] | None:
        """The notification ids of exactly these events (same key, topic and state), or None.

        A single insert commits all its rows or none, so finding every row means it was ours;
        a row that differs was written by someone else, and the conflict stands.
        """
        if not stored_events:
            return None
        with self._writer() as writer:
            rows = writer.execute(
                self._select_committed,
                (
                    [event.originator_id for event in stored_events],
                    [event.originator_version for event in stored_events],
                ),
            ).fetchall()
        found = {(row[0], row[1]): (row[2], row[3], bytes(row[4])) for row in rows}
        ids = []
        for event in stored_events:
            row = found.get((event.originator_id, event.originator_version))
            if row is None or row[1:] != (event.topic, bytes(event.state)):
                return None
            ids.append(row[0])
        return ids

    @contextmanager
    def _writer(self) -> Iterator[psycopg.Cursor[tuple[Any, ...]]]:
        """An idle writer connection, or a new one; one whose connection failed is closed, not reused."""
        try:
            writer = self._idle_writers.pop()
        except IndexError:
            writer = self._connect_writer()
        reusable = True
        try:
            yield writer
        except psycopg.IntegrityError as error:
            raise IntegrityError(str(error)) from error
        except (psycopg.OperationalError, psycopg.InterfaceError) as error:
            reusable = False
            raise OperationalError(str(error)) from error
        finally:
            if reusable:
                self._idle_writers.append(writer)
            else:
                writer.connection.close()

    def _connect_writer(self) -> psycopg.Cursor[tuple[Any, ...]]:
        """Leaders bypass the pool: a checkout costs more than a whole insert's client work."""
        pool = self.datastore.pool
        connection = psycopg.connect(pool.conninfo, autocommit=True, **pool.kwargs)
        return connection.cursor(row_factory=tuple_row)

    def close(self) -> None:
        while self._idle_writers:
            self._idle_writers.pop().connection.close()


def _held_lock() -> threading.Lock:
    lock = threading.Lock()
    lock.acquire()
    return lock


@dataclass(eq=False)
class _Save:
    """One caller's events. `wake` is released once: when written, or when it is to lead.

    A held plain Lock is a one-shot signal that costs far less than threading.Event.
    """

    events: Sequence[StoredEvent]
    wake: threading.Lock = field(default_factory=_held_lock)
    leads: bool = False
    ids: list[int] = field(default_factory=list)
    error: BaseException | None = None


class GroupCommit:
    """Concurrent saves share inserts: one table lock, one NOTIFY and one commit for many saves.

    The event-table lock serialises inserts for as long as each transaction lasts, commit (and
    its WAL flush) included. Saves queue; a leader writes itself and every save queued so far in
    one call, then wakes the next queued save to lead, and each caller gets its own ids. Up to
    `leaders` inserts are in flight at once, each on its own connection: the next batch already
    waits on the table lock in the server while the previous one commits, so the server does not
    idle while a Python thread waits for the GIL to pick up a result. A leader forms its batch
    only when it starts, so saves queued meanwhile ride along. A lone writer waits for nobody.
    If a shared insert hits a conflict, each of its saves is written alone, so only the
    conflicting one fails (and its command retries as usual).
    """

    MAX_SAVES_PER_INSERT = 200

    def __init__(self, insert: Callable[[list[StoredEvent]], Sequence[int] | None], leaders: int = 1) -> None:
        self._insert = insert
        self._max_leaders = leaders
        self._lock = threading.Lock()
        self._queue: list[_Save] = []
        self._leaders = 0

    def submit(self, events: Sequence[StoredEvent]) -> list[int]:
        save = _Save(events)
        with self._lock:
            if self._leaders < self._max_leaders:
                self._leaders += 1
                save.leads = True
            else:
                self._queue.append(save)
        if not save.leads:
            save.wake.acquire()
        if save.leads:
            self._lead(save)
        if save.error is not None:
            raise save.error
        return save.ids

    def _lead(self, own: _Save) -> None:
        with self._lock:
            batch = [own, *self._queue[: self.MAX_SAVES_PER_INSERT - 1]]
            del self._queue[: self.MAX_SAVES_PER_INSERT - 1]
        try:
            self._write(batch)
        finally:
            with self._lock:
                successor = self._queue.pop(0) if self._queue else None
                if successor is None:
                    self._leaders -= 1
                else:
                    successor.leads = True
            for save in batch[1:]:
                save.wake.release()
            if successor is not None:
                successor.wake.release()

    def _write(self, batch: list[_Save]) -> None:
        try:
            ids = list(self._insert([event for save in batch for event in save.events]) or [])
        except IntegrityError as error:
            if len(batch) == 1:
                batch[0].error = error
                return
            for save in batch:
                self._write_alone(save)
            return
        except BaseException as error:
            for save in batch:
                save.error = error
            return
        start = 0
        for save in batch:
            save.ids = ids[start : start + len(save.events)]
            start += len(save.events)

    def _write_alone(self, save: _Save) -> None:
        try:
            save.ids = list(self._insert(list(save.events)) or [])
        except BaseException as error:
            save.error = error
