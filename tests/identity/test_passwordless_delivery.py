"""The sign-in mail leaves through a Celery task on the Redis broker, never from the request itself."""

import re
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.core.cache import cache

from ocg.celery import app
from ocg.identity import services
from ocg.identity.passwordless import challenge_key

KNOWN = "lea@example.com"
UNKNOWN = "nobody@example.com"


@pytest.fixture
def queued_tasks(settings):
    """Tasks go to the real broker; the test decides when a worker runs."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    cache.clear()
    app.conf.task_always_eager = False
    yield
    cache.clear()


def request_code(client, email: str):
    return client.post("/api/auth/passwordless/request", {"email": email}, content_type="application/json")


def test_requests_for_known_and_unknown_addresses_do_the_same_work_and_mail_nothing_themselves(
    client, event_store, queued_tasks
):
    services.register(KNOWN, "a-long-and-good-password-1")
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge("celery")

    known, unknown = request_code(client, KNOWN), request_code(client, UNKNOWN)

    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json()) == (200, {"sent": True})
    assert mail.outbox == []
    assert cache.get(challenge_key(KNOWN)) is None
    with app.connection_for_write() as connection:
        assert connection.default_channel.client.llen("celery") == 2


def test_a_worker_on_the_redis_broker_mails_the_known_address_only(client, event_store, queued_tasks):
    services.register(KNOWN, "a-long-and-good-password-1")
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge("celery")
    request_code(client, UNKNOWN)
    request_code(client, KNOWN)

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        for _ in range(100):
            if mail.outbox:
                break
            time.sleep(0.05)

    assert [message.to for message in mail.outbox] == [[KNOWN]]
    code = re.search(r"sign-in code is (\d{6})\.", mail.outbox[0].body).group(1)
    verified = client.post(
        "/api/auth/passwordless/verify", {"email": KNOWN, "code": code}, content_type="application/json"
    )
    assert verified.status_code == 200 and verified.json()["access"]
