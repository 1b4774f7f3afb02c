"""Shared fixtures: the real PostgreSQL event store, projection runners, a Tansu Kafka broker.

Domain tests (`test_domain*.py`) need none of them and run without Django's ORM: nothing here
imports it at module level, and `tests/test_domain_isolation.py` runs them with pytest-django off
to keep it so.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator

import pytest

# Set by tests/test_domain_isolation.py for its run of the domain tests.
FORBID_ORM = os.environ.get("OCG_TEST_FORBID_ORM") == "1"
ORM_MODULES = ("django.db.models", "django.db.backends")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if FORBID_ORM:
        loaded = [name for name in ORM_MODULES if name in sys.modules]
        if loaded:
            print(f"ORM modules imported by domain tests: {loaded}", file=sys.stderr)
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker) -> Iterator[None]:
    """Close every connection pool (event store and Django's) before the test database is dropped."""
    from django.db import connections

    from ocg.spine.eventstore import applications

    yield
    with django_db_blocker.unblock():
        applications.close_all()
        for database in connections.all():
            database.close_pool()


@pytest.fixture
def event_store(transactional_db) -> Iterator[dict]:
    """Every context's application on empty events tables (read models are flushed by Django)."""
    from django.db import connection

    from ocg.spine.eventstore import applications, events_table

    built = applications.all()
    with connection.cursor() as cursor:
        for application in built.values():
            cursor.execute(f"TRUNCATE {events_table(application)} RESTART IDENTITY")
    yield built


@pytest.fixture
def catalog(event_store):
    return event_store["catalog"]


@pytest.fixture
def run_projection(event_store) -> Iterator:
    """Start a projection's runner in a thread for the test; it is stopped afterwards."""
    from ocg.spine.projections import ProjectionRunner, get_projection

    started: list[tuple[threading.Event, threading.Thread]] = []

    def start(name: str) -> ProjectionRunner:
        stop = threading.Event()
        runner = ProjectionRunner(get_projection(name), stop=stop)
        thread = threading.Thread(target=runner.run_forever, kwargs={"poll_seconds": 0.5}, daemon=True)
        thread.start()
        started.append((stop, thread))
        return runner

    yield start
    for stop, thread in started:
        stop.set()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def kafka() -> Iterator:
    from ocg.spine.localbroker import TansuBroker

    broker = TansuBroker()
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture(autouse=True)
def celery_runs_tasks_inline() -> Iterator[None]:
    """Tasks run in the calling thread unless a test starts a real worker (see test_passwordless_delivery)."""
    if FORBID_ORM:
        yield
        return
    from ocg.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager = False
