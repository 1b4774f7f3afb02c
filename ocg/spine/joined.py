"""Recorders whose events commit with Django's transaction, for a context that also writes Django rows.

A context whose commands pair an event with a row (identity: the account event and the User row)
must not commit them on two connections: a crash between the two commits leaves one without the
other. With these recorders, a save made inside a Django `transaction.atomic()` block on the same
database runs on Django's own connection, inside that transaction, so the row and the event
commit or roll back together. Reads made inside the block go the same way, so a command sees the
events its own transaction wrote (and a retry re-reads them). Outside an atomic block they behave
as the context's usual recorder.

The price on PostgreSQL: the events table's EXCLUSIVE lock (which keeps the notification log free
of gaps) is held until Django's transaction commits, not just for the insert, and such saves do
not share group commits. That suits a context with few writes per second, not a hot one.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import psycopg
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from eventsourcing.persistence import IntegrityError, OperationalError, StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from psycopg.rows import dict_row, tuple_row
from psycopg.sql import SQL

from ocg.spine.recorder import SCALAR_ROWS_MAX, OrderedPostgresApplicationRecorder


def _atomic_django_connection(vendor: str) -> BaseDatabaseWrapper | None:
    """Django's default connection for this thread, if it is inside an atomic block."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != vendor or not connection.in_atomic_block:
        return None
    return connection


@contextmanager
def _savepoint(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """A failed insert rolls back to here, so the enclosing block (and the command's retry) goes on."""
    with transaction.atomic(using=connection.alias, savepoint=True):
        yield


class TransactionalPostgresApplicationRecorder(OrderedPostgresApplicationRecorder):
    """Inside a Django atomic block on the same database, inserts and reads run in that transaction.

    The insert is our locked insert function, called on Django's connection.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        target = self.datastore.pool.kwargs
        self._database = (target.get("dbname"), target.get("host"), str(target.get("port") or 5432))

    def _joined(self) -> BaseDatabaseWrapper | None:
        connection = _atomic_django_connection("postgresql")
        if connection is None:
            return None
        settings = connection.settings_dict
        database = (settings["NAME"], settings.get("HOST") or "127.0.0.1", str(settings.get("PORT") or 5432))
        return connection if database == self._database else None

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        connection = self._joined() if stored_events else None
        if connection is None or any(value is not None for value in kwargs.values()):
            return super().insert_events(stored_events, **kwargs)
        columns = (
            [event.originator_id for event in stored_events],
            [event.originator_version for event in stored_events],
            [event.topic for event in stored_events],
            [event.state for event in stored_events],
        )
        parameters = columns if len(stored_events) > SCALAR_ROWS_MAX else [v for column in columns for v in column]
        with _savepoint(connection), _psycopg_errors():
            cursor = psycopg.Cursor(connection.connection, row_factory=tuple_row)
            rows = cursor.execute(self._insert_statement(len(stored_events)), parameters).fetchall()
        return [row[0] for row in rows]

    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        connection = self._joined()
        if connection is None:
            return super().select_events(originator_id, gt=gt, lte=lte, desc=desc, limit=limit)
        statement, parameters = self.select_events_statement, [originator_id]
        if gt is not None:
            statement += SQL(" AND originator_version > %s")
            parameters.append(gt)
        if lte is not None:
            statement += SQL(" AND originator_version <= %s")
            parameters.append(lte)
        statement += SQL(" ORDER BY originator_version DESC" if desc else " ORDER BY originator_version ASC")
        if limit is not None:
            statement += SQL(" LIMIT %s")
            parameters.append(limit)
        with _psycopg_errors():
            cursor = psycopg.Cursor(connection.connection, row_factory=dict_row)
            rows = cursor.execute(statement, parameters).fetchall()
        return [
            StoredEvent(
                originator_id=row["originator_id"],
                originator_version=row["originator_version"],
                topic=row["topic"],
                state=bytes(row["state"]),
            )
            for row in rows
        ]


@contextmanager
def _psycopg_errors() -> Iterator[None]:
    """The library's error types, so `@command` retries a conflict as it does on the usual path."""
    try:
        yield
    except psycopg.IntegrityError as error:
        raise IntegrityError(str(error)) from error
    except (psycopg.OperationalError, psycopg.InterfaceError) as error:
        raise OperationalError(str(error)) from error


class TransactionalSQLiteApplicationRecorder(SQLiteApplicationRecorder):
    """Embedded mode: the same, when the events table lives in Django's own SQLite file.

    The context's events then sit in Django's database rather than the shared events file (a
    transaction cannot span two SQLite files atomically in WAL mode).
    """

    def _joined(self) -> BaseDatabaseWrapper | None:
        connection = _atomic_django_connection("sqlite")
        if connection is None:
            return None
        same = os.path.realpath(str(connection.settings_dict["NAME"])) == os.path.realpath(self.datastore.pool.db_name)
        return connection if same else None

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        connection = self._joined() if stored_events else None
        if connection is None or any(value is not None for value in kwargs.values()):
            return super().insert_events(stored_events, **kwargs)
        try:
            with _savepoint(connection):
                return self._insert_events(SQLiteCursor(connection.connection.cursor()), stored_events)
        except sqlite3.IntegrityError as error:
            raise IntegrityError(str(error)) from error

    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        connection = self._joined()
        if connection is None:
            return super().select_events(originator_id, gt=gt, lte=lte, desc=desc, limit=limit)
        table = self.events_table_name
        statement = f"SELECT originator_id, originator_version, topic, state FROM {table} WHERE originator_id=? "  # noqa: S608
        parameters: list[Any] = [originator_id.hex if isinstance(originator_id, UUID) else originator_id]
        if gt is not None:
            statement += "AND originator_version>? "
            parameters.append(gt)
        if lte is not None:
            statement += "AND originator_version<=? "
            parameters.append(lte)
        statement += "ORDER BY originator_version " + ("DESC " if desc else "ASC ")
        if limit is not None:
            statement += "LIMIT ? "
            parameters.append(limit)
        rows = connection.connection.execute(statement, parameters).fetchall()
        return [
            StoredEvent(
                originator_id=self.convert_originator_id(row[0]),
                originator_version=row[1],
                topic=row[2],
                state=row[3],
            )
            for row in rows
        ]
