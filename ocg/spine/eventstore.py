"""Each bounded context's eventsourcing Application, built once per process from Django's settings.

PostgreSQL mode writes each context's events to its own table ("<context>_events", in schema
"<context>") of the DATABASE_URL database, through our recorder (spine/recorder.py). Embedded
mode writes to one SQLite file beside the Django database.
"""

from __future__ import annotations

import functools
import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, ClassVar, ParamSpec, TypeVar

import psycopg
from django.conf import settings
from django.utils.module_loading import import_string
from eventsourcing.application import Application, ProcessingEvent, Repository
from eventsourcing.domain import BaseAggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Recording
from eventsourcing.projection import EventSourcedProjection
from psycopg import sql

from ocg.spine.errors import ConcurrencyConflict
from ocg.spine.transcodings import TRANSCODINGS

P = ParamSpec("P")
R = TypeVar("R")

# Positions this context (request, task, thread) has written, by context name: read-your-writes.
_written_positions: ContextVar[dict[str, int] | None] = ContextVar("ocg_written_positions", default=None)


class WriteNote:
    """Whether a request has written any event so far, whatever scopes its commands ran in."""

    wrote = False


_write_note: ContextVar[WriteNote | None] = ContextVar("ocg_write_note", default=None)


class AggregateEvents(ProcessingEvent):
    """Collects pending events with a plain class check for aggregates.

    The library tells aggregates from events by isinstance against runtime-checkable Protocols,
    which Python 3.11 evaluates slowly (~15 us per save, a tenth of a command's cost). Every
    aggregate here derives from BaseAggregate; anything else takes the library's path.
    """

    def collect_events(self, *objs: Any, **kwargs: Any) -> None:
        for obj in objs:
            if isinstance(obj, BaseAggregate):
                self.events.extend(obj.collect_events())
                self.aggregates[obj.id] = obj
            else:
                super().collect_events(obj)
        self.saved_kwargs.update(kwargs)


def apply_events(aggregate: Any, domain_events: Any) -> Any:
    """The library's projector (`project_aggregate`) without its per-event `isinstance` against a typing
    Protocol, which cost a third of a command's CPU on Python 3.11: every stored event mutates."""
    for domain_event in domain_events:
        aggregate = domain_event.mutate(aggregate)
    return aggregate


class ContextApplication(Application):
    """Base of every context's application: records the positions it wrote for read-your-writes."""

    is_snapshotting_enabled = False
    # True for a context whose commands pair each event with a Django row write: its saves inside
    # a Django atomic block commit in that transaction (see spine/joined.py).
    joins_django_transactions: ClassVar[bool] = False

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        """The library's (UUID, Decimal, datetime) plus the spine's shared values, such as Money."""
        super().register_transcodings(transcoder)
        for transcoding in TRANSCODINGS:
            transcoder.register(transcoding)

    def construct_repository(self) -> Repository:
        repository = super().construct_repository()
        repository.get = functools.partial(repository.get, projector_func=apply_events)  # type: ignore[method-assign]
        return repository

    def close(self) -> None:
        close_recorder = getattr(self.recorder, "close", None)
        if close_recorder is not None:
            close_recorder()
        super().close()

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording]:
        """The library's `save`, collecting events through AggregateEvents (below)."""
        processing_event = AggregateEvents()
        processing_event.collect_events(*objs, **kwargs)
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)
        self.notify(processing_event.events)
        return recordings

    def _notify(self, recordings: list[Recording]) -> None:
        super()._notify(recordings)
        if recordings:
            note = _write_note.get()
            if note is not None:
                note.wrote = True
            positions = dict(_written_positions.get() or {})
            positions[self.name] = max(r.notification.id for r in recordings)
            _written_positions.set(positions)


def command(method: Callable[P, R] | None = None, *, retries: int | None = None) -> Any:
    """Retry a command whose save lost an optimistic-concurrency race, a bounded number of times.

    The whole command runs again, so it re-reads the aggregate and re-checks its rules. `@command`
    retries EVENT_STORE_CONFLICT_RETRIES times; `@command(retries=N)` suits commands that many clients
    aim at one aggregate at once (the last units of a SKU): after the first retries each waits a short,
    random, growing pause, so the racers spread out instead of colliding again in step.
    """
    if method is None:
        return functools.partial(command, retries=retries)

    @functools.wraps(method)
    def retrying(*args: P.args, **kwargs: P.kwargs) -> R:
        limit = settings.EVENT_STORE["CONFLICT_RETRIES"] if retries is None else retries
        for attempt in range(limit + 1):
            try:
                return method(*args, **kwargs)
            except IntegrityError as error:
                if attempt == limit:
                    raise ConcurrencyConflict(
                        f"{method.__name__} kept conflicting with concurrent changes; try again"
                    ) from error
                if attempt >= 2:
                    time.sleep(random.uniform(0, min(0.002 * attempt, 0.05)))  # noqa: S311 - jitter, not secrets
        raise AssertionError("unreachable")

    return retrying


def written_positions() -> dict[str, int]:
    """The last position this execution context wrote to each context's events table."""
    return dict(_written_positions.get() or {})


@contextmanager
def tracking_written_positions() -> Iterator[dict[str, int]]:
    """Scope read-your-writes tracking to one request or task."""
    token = _written_positions.set({})
    try:
        yield _written_positions.get()  # type: ignore[misc]
    finally:
        _written_positions.reset(token)


@contextmanager
def noting_writes() -> Iterator[WriteNote]:
    """Scope one request: its note says afterwards whether it wrote (the idempotency keys keep such answers)."""
    note = WriteNote()
    token = _write_note.set(note)
    try:
        yield note
    finally:
        _write_note.reset(token)


def uses_postgresql() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def postgres_conninfo(application_name: str = "ocg") -> str:
    """A libpq connection string for Django's default database, keeping its options (sslmode...)."""
    database = settings.DATABASES["default"]
    libpq_keywords = {option.keyword.decode() for option in psycopg.pq.Conninfo.get_defaults()}
    options = {key: value for key, value in database.get("OPTIONS", {}).items() if key in libpq_keywords}
    return psycopg.conninfo.make_conninfo(
        dbname=database["NAME"],
        host=database.get("HOST") or "127.0.0.1",
        port=str(database.get("PORT") or 5432),
        user=database.get("USER") or "postgres",
        password=database.get("PASSWORD") or None,
        application_name=application_name,
        **options,
    )


def events_table(application: Application) -> str:
    """The schema-qualified name of an application's events table."""
    recorder = application.recorder
    schema = getattr(getattr(recorder, "datastore", None), "schema", None)
    return f"{schema}.{recorder.events_table_name}" if schema else recorder.events_table_name


def sqlite_events_path(path: str, name: str) -> Path:
    """Embedded mode: one file per context. The library's SQLite recorder names its table
    `stored_events` whatever the application, so contexts sharing a file would share one log."""
    given = Path(path)
    return given.with_name(f"{given.stem}-{name}{given.suffix}")


def eventsourcing_environment(
    name: str, *, processes_events: bool = False, joins_django_transactions: bool = False
) -> dict[str, str]:
    """The library's settings for one context, derived from Django's default database.

    On PostgreSQL each context gets a schema of its own: the library names its insert function
    after the id type only, so two contexts in one schema would overwrite each other's function.
    A context that runs policies (a process application) must not use that function: in
    eventsourcing 9.5.6 its path skips the tracking row, which would break exactly-once.
    A context that joins Django's transactions keeps its events, in embedded mode, in Django's
    SQLite file: one transaction cannot span two files atomically.
    """
    database = settings.DATABASES["default"]
    store = settings.EVENT_STORE
    if uses_postgresql():
        recorder = (
            "ocg.spine.joined:TransactionalPostgresApplicationRecorder"
            if joins_django_transactions
            else "ocg.spine.recorder:OrderedPostgresApplicationRecorder"
        )
        return {
            "POSTGRES_SCHEMA": name,
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": database["NAME"],
            "POSTGRES_HOST": database.get("HOST") or "127.0.0.1",
            "POSTGRES_PORT": str(database.get("PORT") or 5432),
            "POSTGRES_USER": database.get("USER") or "postgres",
            "POSTGRES_PASSWORD": database.get("PASSWORD") or "",
            "POSTGRES_POOL_SIZE": str(store["POOL_SIZE"]),
            "POSTGRES_MAX_OVERFLOW": str(store["POOL_MAX_OVERFLOW"]),
            "POSTGRES_LOCK_TIMEOUT": str(store["LOCK_TIMEOUT_SECONDS"]),
            "POSTGRES_ENABLE_DB_FUNCTIONS": "n" if processes_events else "y",
            "APPLICATION_RECORDER_TOPIC": recorder,
            "ORIGINATOR_ID_TYPE": "uuid",
        }
    if joins_django_transactions:
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(database["NAME"]),
            "SQLITE_LOCK_TIMEOUT": "20",
            "APPLICATION_RECORDER_TOPIC": "ocg.spine.joined:TransactionalSQLiteApplicationRecorder",
        }
    return {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(sqlite_events_path(store["SQLITE_PATH"], name)),
        "SQLITE_LOCK_TIMEOUT": "20",
    }


POLICY_PREFIX = "policy:"
# The advisory lock key under which processes create event-store schemas one at a time ("ocg-schema").
SCHEMA_CREATION_LOCK = int.from_bytes(b"ocg-schm", "big") >> 1


class ApplicationRegistry:
    """The one place applications are built and found.

    `applications.get(name)` is a context's command application; `applications.get("policy:" + name)`
    is the context's process application (settings.POLICIES), which reacts to other contexts' events
    and writes to the same events table. Keeping them apart keeps the group-commit insert for client
    commands, while policies record their events with the upstream position in one transaction.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._built: dict[str, ContextApplication] = {}
        os.register_at_fork(after_in_child=self._forget_inherited)

    def _forget_inherited(self) -> None:
        """A forked child (a Celery prefork worker, say) builds its own applications.

        The parent's connections are not closed here: closing them from the child would end the
        parent's sessions too. Two processes on one PostgreSQL socket corrupt each other's traffic.
        """
        self._lock = threading.Lock()
        self._built = {}

    @property
    def names(self) -> list[str]:
        return list(settings.EVENT_STORE["APPLICATIONS"])

    def get(self, name: str) -> Any:
        application = self._built.get(name)
        if application is None:
            with self._lock:
                application = self._built.get(name)
                if application is None:
                    application = self._build(name)
                    self._built[name] = application
        return application

    def all(self) -> dict[str, ContextApplication]:
        return {name: self.get(name) for name in self.names}

    def close_all(self) -> None:
        """Close every pool; the next `get` builds afresh (tests, forked workers)."""
        with self._lock:
            for application in self._built.values():
                application.close()
            self._built.clear()

    def _build(self, key: str) -> ContextApplication:
        if key.startswith(POLICY_PREFIX):
            name = key.removeprefix(POLICY_PREFIX)
            registry, kind = settings.POLICIES, "policy"
        else:
            name, registry, kind = key, settings.EVENT_STORE["APPLICATIONS"], "bounded context"
        try:
            path = registry[name]
        except KeyError:
            raise LookupError(f"No {kind} named {name!r}; known: {', '.join(registry)}") from None
        application_class = import_string(path)
        if application_class.name != name:
            raise LookupError(f"{path}.name is {application_class.name!r}, expected {name!r}")
        environment = eventsourcing_environment(
            name,
            processes_events=issubclass(application_class, EventSourcedProjection),
            joins_django_transactions=application_class.joins_django_transactions,
        )
        if not uses_postgresql():
            return application_class(env=environment)
        with psycopg.connect(postgres_conninfo(), autocommit=True) as connection:
            # Every process builds its applications at start, and each build creates its schema, tables and
            # functions if missing. PostgreSQL refuses two concurrent CREATE OR REPLACE FUNCTION of one function
            # ("tuple concurrently updated"): processes starting together take turns (the lock ends with the
            # session), else one of them fails its first request.
            connection.execute("SELECT pg_advisory_lock(%s)", [SCHEMA_CREATION_LOCK])
            connection.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(name)))
            return application_class(env=environment)


applications = ApplicationRegistry()
