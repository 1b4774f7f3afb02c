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


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist each worker gets a Redis database of its own, as pytest-django gives it a
    PostgreSQL database of its own: rate-limit counters, throttles and caches would otherwise be shared.
    Set before anything connects (Django's cache, Celery and the channel layer connect lazily), and in the
    environment too, for the servers and workers tests start as subprocesses."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker or FORBID_ORM:
        return
    from django.conf import settings

    if not settings.REDIS_URL:
        return
    url = redis_url_for_worker(settings.REDIS_URL, int(worker.removeprefix("gw")))
    settings.REDIS_URL = url
    settings.CELERY_BROKER_URL = url
    settings.CACHES["default"]["LOCATION"] = url
    for host in settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"]:
        host["address"] = url
    os.environ["REDIS_URL"] = url


def redis_url_for_worker(url: str, worker: int) -> str:
    """The same server, database number base + 1 + worker (Redis has 16 by default)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(base + 1 + worker) % 16}"))


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


MIGRATION_ROW = "__migration__"


@pytest.fixture
def event_store(transactional_db) -> Iterator[dict]:
    """Every context's application on empty events tables, policies with no positions (read models are
    flushed by Django)."""
    from django.db import connection

    from ocg.spine.eventstore import applications, events_table
    from ocg.spine.policies import policy_names

    built = applications.all()
    with connection.cursor() as cursor:
        for application in built.values():
            cursor.execute(f"TRUNCATE {events_table(application)} RESTART IDENTITY")
            if application.snapshots is not None:
                snapshots = application.snapshots.recorder
                cursor.execute(f"TRUNCATE {snapshots.datastore.schema}.{snapshots.events_table_name}")
        for name in policy_names():
            policy = applications.get(name)
            table = f"{policy.recorder.datastore.schema}.{policy.recorder.tracking_table_name}"
            # The library's own row stays: without it, the next process to start a policy takes the table
            # for an old-format one and "migrates" it (renames it away, and fails once that name is taken).
            cursor.execute(f"DELETE FROM {table} WHERE application_name <> %s", [MIGRATION_ROW])
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


@pytest.fixture(scope="session")
def localstripe() -> Iterator:
    """localstripe, a stateful fake of Stripe's API, as a subprocess on a free port for the session."""
    from ocg.payments.localstripe import LocalStripe

    server = LocalStripe().start()
    yield server
    server.stop()


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


@pytest.fixture(scope="session")
def s3() -> Iterator[dict]:
    """moto's S3 server on a free port, over real HTTP, with one bucket: what `s3_storage` points at."""
    import logging

    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    facts = {
        "endpoint": f"http://{host}:{port}",
        "bucket": "ocg-media-test",
        "region": "us-east-1",
        "key_id": "test-access-key",
        "secret": "test-secret-key",
    }
    client = boto3.client(
        "s3",
        endpoint_url=facts["endpoint"],
        region_name=facts["region"],
        aws_access_key_id=facts["key_id"],
        aws_secret_access_key=facts["secret"],
    )
    client.create_bucket(Bucket=facts["bucket"])
    facts["client"] = client
    yield facts
    server.stop()


@pytest.fixture
def s3_storage(s3, settings) -> Iterator[dict]:
    """Media on the moto bucket for one test, as a deployment with AWS_STORAGE_BUCKET_NAME set has it."""
    from ocg.spine import uploads

    settings.AWS_STORAGE_BUCKET_NAME = s3["bucket"]
    settings.AWS_S3_ENDPOINT_URL = s3["endpoint"]
    settings.AWS_S3_REGION_NAME = s3["region"]
    settings.AWS_ACCESS_KEY_ID = s3["key_id"]
    settings.AWS_SECRET_ACCESS_KEY = s3["secret"]
    settings.MEDIA_PUBLIC_BASE_URL = None
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "storages.backends.s3.S3Storage"}}
    uploads.forget_urls()
    yield s3
    uploads.forget_urls()


@pytest.fixture
def local_storage(settings, tmp_path) -> Iterator[None]:
    """Media as embedded mode keeps it: files under a MEDIA_ROOT of the test's own."""
    from ocg.spine import uploads

    settings.AWS_STORAGE_BUCKET_NAME = None
    settings.MEDIA_PUBLIC_BASE_URL = None
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    uploads.forget_urls()
    yield
    uploads.forget_urls()
