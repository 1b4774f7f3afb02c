"""The Kafka relay and the consumer helper against the real Tansu broker and PostgreSQL."""

from __future__ import annotations

import datetime
import json
import os
import signal
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from ocg.spine.consumer import EventConsumer
from ocg.spine.envelope import encode, envelope, event_id, topic_for
from ocg.spine.eventstore import postgres_conninfo
from ocg.spine.models import ConsumedEvent, ProjectionPosition
from ocg.spine.relay import RELAY_FOLLOWER, Relay
from tests.spine.kafka_helpers import (
    GROUP_OPTIONS,
    create_topic,
    first_occurrence_versions,
    mark,
    partition_count,
    produce,
    read_between,
    wait_until,
)
from tests.spine.workload import create_product, last_versions, new_product, rename_product

pytestmark = pytest.mark.kafka

REPO = Path(__file__).resolve().parents[2]
TOPIC = topic_for("catalog")


def relay_position() -> int:
    row = ProjectionPosition.objects.filter(follower=RELAY_FOLLOWER, source="catalog").first()
    return row.position if row else 0


def head(catalog) -> int:
    return catalog.recorder.max_notification_id() or 0


def expected_ids(versions_by_aggregate: dict[uuid.UUID, int]) -> set[str]:
    return {
        str(event_id("catalog", aggregate_id, version))
        for aggregate_id, last in versions_by_aggregate.items()
        for version in range(1, last + 1)
    }


def write_backlog(catalog, products: int, renames: int) -> dict[uuid.UUID, int]:
    """Many events quickly: one save stores fifty aggregates' events at once."""
    written: dict[uuid.UUID, int] = {}
    for first in range(0, products, 50):
        batch = []
        for i in range(first, min(products, first + 50)):
            product = new_product(f"Backlog {i}")
            for r in range(renames):
                product.update_details(None, None, name=f"Backlog {i} r{r}")
            batch.append(product)
        catalog.save(*batch)
        written.update({product.id: product.version for product in batch})
    return written


def sample_envelope(name: str = "Sample") -> bytes:
    [created] = new_product(name, "1.00").collect_events()
    return encode(envelope("catalog", created, 1))


def poll_results(consumer: EventConsumer, count: int, timeout: float = 30.0) -> list[bool]:
    results: list[bool] = []

    def polled() -> bool:
        result = consumer.poll(0.5)
        if result is not None:
            results.append(result)
        return len(results) == count

    wait_until(polled, timeout, f"{count} messages", interval=0)
    return results


def test_relayed_events_arrive_once_each_in_aggregate_order_as_cloudevents(catalog, kafka):
    designer = uuid.uuid4()
    ids = [create_product(catalog, f"Piece {i}", f"{100 + i}.50", designer_id=designer) for i in range(30)]
    for round_ in range(1, 10):
        for i, product_id in enumerate(ids):
            rename_product(catalog, product_id, f"Piece {i} take {round_}")
    # Besides the products: their slugs' indexes, and the designer's profile and its slug's index.
    versions = last_versions(catalog)
    assert {product_id: versions[product_id] for product_id in ids} == dict.fromkeys(ids, 10)
    events = head(catalog)
    assert events == sum(versions.values()) == 30 * 10 + 30 + 2
    start = mark(kafka.bootstrap_servers, TOPIC)

    relay = Relay(kafka.bootstrap_servers, contexts=["catalog"])
    assert relay.catch_up() == events
    relay.close()
    assert relay_position() == events
    assert partition_count(kafka.bootstrap_servers, TOPIC) == settings.KAFKA_TOPIC_PARTITIONS

    records = read_between(kafka.bootstrap_servers, TOPIC, start, mark(kafka.bootstrap_servers, TOPIC))
    assert len(records) == events
    assert {r.envelope["id"] for r in records} == expected_ids(versions)
    assert sorted(r.envelope["sequence"] for r in records) == list(range(1, events + 1))
    assert first_occurrence_versions(records) == {str(i): list(range(1, v + 1)) for i, v in versions.items()}

    by_id = {r.envelope["id"]: r for r in records}
    created = by_id[str(event_id("catalog", ids[7], 1))]
    renamed = by_id[str(event_id("catalog", ids[7], 10))]
    for record in (created, renamed):
        assert record.key == ids[7].bytes
        assert record.envelope["specversion"] == "1.0"
        assert record.envelope["source"] == "/ocg/catalog"
        assert record.envelope["subject"] == str(ids[7])
        assert record.envelope["datacontenttype"] == "application/json"
        assert record.envelope["envelopeversion"] == 1
        assert datetime.datetime.fromisoformat(record.envelope["time"]).tzinfo is not None
    assert created.envelope["type"] == "ocg.catalog.Product.Created"
    assert created.envelope["aggregateversion"] == 1
    assert created.envelope["data"] == {
        "designer_id": str(designer),
        "actor_id": None,
        "name": "Piece 7",
        "slug": "piece-7",
        "description": "",
        "category_id": None,
        "price": {"amount": "107.50", "currency": "EUR"},
        "materials": [],
        "care_notes": "",
        "customizable": False,
    }
    assert renamed.envelope["type"] == "ocg.catalog.Product.DetailsUpdated"
    assert renamed.envelope["aggregateversion"] == 10
    assert renamed.envelope["data"] == {"actor_id": None, "changes": {"name": "Piece 7 take 9"}}


def start_relay_process(kafka, log: Path) -> subprocess.Popen:
    database = settings.DATABASES["default"]
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgresql://{database.get('USER') or 'postgres'}{password}@{database.get('HOST') or '127.0.0.1'}"
            f":{database.get('PORT') or 5432}/{database['NAME']}"
        ),
        "SECRET_KEY": "relay-test-secret-key",
        "ALLOWED_HOSTS": "testserver",
        "DJANGO_SETTINGS_MODULE": "ocg.settings",
        # Small pools: PostgreSQL's connections are shared with the test process (and other suites).
        "EVENT_STORE_POOL_SIZE": "1",
        "DB_POOL_MIN_SIZE": "1",
    }
    env.pop("DEBUG", None)
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "manage.py", "relay_events", "--bootstrap-servers", kafka.bootstrap_servers],
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def alive(process: subprocess.Popen, log: Path) -> bool:
    if process.poll() is not None:
        raise AssertionError(f"relay exited with {process.returncode}:\n{log.read_text()[-3000:]}")
    return True


def test_relay_killed_after_delivery_but_before_recording_resends_and_loses_nothing(catalog, kafka, tmp_path):
    """SIGKILL at the worst moment: the broker confirmed a batch, the position does not say so yet.

    The test holds the position row locked, so the relay's update blocks right after delivery.
    """
    log = tmp_path / "relay.log"
    start = mark(kafka.bootstrap_servers, TOPIC)
    written = write_backlog(catalog, products=120, renames=9)
    first = start_relay_process(kafka, log)
    lock = psycopg.connect(postgres_conninfo("relay-test-lock"))
    try:
        wait_until(lambda: alive(first, log) and relay_position() == head(catalog), 60, "the first 1,200 relayed")
        progress = relay_position()
        table = ProjectionPosition._meta.db_table
        locked = lock.execute(
            f"SELECT position FROM {table} WHERE follower = %s AND source = %s FOR UPDATE",
            (RELAY_FOLLOWER, "catalog"),
        ).fetchone()
        assert locked == (progress,)
        written.update(write_backlog(catalog, products=300, renames=9))

        blocked: list[int] = []

        def relay_blocked_on_the_position() -> bool:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pid FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))",
                    [lock.info.backend_pid],
                )
                blocked[:] = [pid for (pid,) in cursor.fetchall()]
            return alive(first, log) and bool(blocked)

        wait_until(relay_blocked_on_the_position, 30, "the relay to deliver a batch and block recording it")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        with connection.cursor() as cursor:
            for pid in blocked:
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])

            def terminated() -> bool:
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", [blocked])
                return cursor.fetchone()[0] == 0

            wait_until(terminated, 10, "the killed relay's session to end")
        lock.rollback()
        assert progress == relay_position() < head(catalog)
    finally:
        lock.close()
        if first.poll() is None:
            first.kill()
            first.wait(timeout=10)

    second = start_relay_process(kafka, log)
    try:
        wait_until(lambda: alive(second, log) and relay_position() == head(catalog), 60, "the restarted relay")
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=20)
    assert second.returncode == 0, log.read_text()[-3000:]

    records = read_between(kafka.bootstrap_servers, TOPIC, start, mark(kafka.bootstrap_servers, TOPIC))
    assert {r.envelope["id"] for r in records} == expected_ids(written)
    assert len(records) > len(expected_ids(written)), "the batch confirmed before the kill was not sent again"
    assert first_occurrence_versions(records) == {str(i): list(range(1, v + 1)) for i, v in written.items()}


def test_relay_outlives_a_broker_restart_and_delivers_what_was_written_meanwhile(catalog, kafka, settings):
    """Tansu keeps topics in memory: after the restart the topic and the producer id are gone, so the
    relay must replace its producer and create its topic again (with its own partition count).

    A shorter message timeout makes the relay give up on the dead producer within seconds.
    """
    settings.KAFKA_MESSAGE_TIMEOUT_MS = 5_000
    for i in range(5):
        create_product(catalog, f"Before {i}", "20.00")
    stop = threading.Event()
    relay = Relay(kafka.bootstrap_servers, contexts=["catalog"], stop=stop)
    crashed: list[BaseException] = []

    def run() -> None:
        try:
            relay.run_forever(poll_seconds=0.2)
        except BaseException as error:
            crashed.append(error)
            raise

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: relay_position() == head(catalog), 30, "the events written before the outage")
        delivered_before = relay_position()
        kafka.stop()
        during = [create_product(catalog, f"During {i}", "30.00", "GBP") for i in range(10)]
        for product_id in during[::2]:
            rename_product(catalog, product_id, "Renamed while the broker was down")
        wait_until(lambda: relay.pending() > 0, 10, "the relay to try producing while the broker is down")
        assert relay_position() == delivered_before
        kafka.start()
        wait_until(lambda: relay_position() == head(catalog), 45, "the relay to deliver after the restart")
        assert thread.is_alive() and not crashed
        assert partition_count(kafka.bootstrap_servers, TOPIC) == settings.KAFKA_TOPIC_PARTITIONS
        records = read_between(kafka.bootstrap_servers, TOPIC, {}, mark(kafka.bootstrap_servers, TOPIC))
    finally:
        stop.set()
        thread.join(timeout=15)
        if kafka.process is None:
            kafka.start()
    assert not thread.is_alive() and not crashed
    versions = {product_id: 2 if index % 2 == 0 else 1 for index, product_id in enumerate(during)}
    assert expected_ids(versions) <= {r.envelope["id"] for r in records}
    arrived = first_occurrence_versions(records)
    assert {str(i): arrived[str(i)] for i in during} == {str(i): list(range(1, v + 1)) for i, v in versions.items()}


def test_relay_takes_its_follower_session_again_when_postgresql_drops_it(catalog, kafka):
    """The follower's session holds the one-copy lock; losing it (a restart, a failover) must not end the relay."""
    create_product(catalog, "Before", "20.00")
    stop = threading.Event()
    relay = Relay(kafka.bootstrap_servers, contexts=["catalog"], stop=stop)
    thread = threading.Thread(target=relay.run_forever, kwargs={"poll_seconds": 0.2}, daemon=True)
    thread.start()
    try:
        wait_until(lambda: relay_position() == head(catalog), 30, "the first event relayed")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND application_name = 'ocg-follower'"
            )
            [(dropped, terminated)] = cursor.fetchall()
            assert terminated

            def new_session() -> bool:
                cursor.execute(
                    "SELECT pid FROM pg_stat_activity"
                    " WHERE datname = current_database() AND application_name = 'ocg-follower'"
                )
                return any(pid != dropped for (pid,) in cursor.fetchall())

            wait_until(new_session, 30, "the relay to open a new follower session")
        before = head(catalog)
        create_product(catalog, "After", "20.00")
        after = head(catalog)
        assert after > before
        wait_until(lambda: relay_position() == after, 30, "the events written after the session was lost")
        assert thread.is_alive()
    finally:
        stop.set()
        thread.join(timeout=15)
    assert not thread.is_alive()


def test_consumer_runs_the_handler_once_for_an_envelope_delivered_twice(kafka, transactional_db):
    topic = f"test.duplicates.{uuid.uuid4().hex}"
    create_topic(kafka.bootstrap_servers, topic)
    value = sample_envelope()
    produce(kafka.bootstrap_servers, topic, [value, value])
    handled: list[dict] = []
    name = f"test-consumer-{uuid.uuid4().hex}"

    with EventConsumer(name, kafka.bootstrap_servers, [topic], handled.append, **GROUP_OPTIONS) as consumer:
        assert poll_results(consumer, 2) == [True, False]

    event = json.loads(value)["id"]
    assert [message["id"] for message in handled] == [event]
    assert list(ConsumedEvent.objects.filter(consumer=name).values_list("event_id", flat=True)) == [uuid.UUID(event)]


def test_a_failing_handler_records_nothing_and_gets_the_same_message_again(kafka, transactional_db):
    topic = f"test.retries.{uuid.uuid4().hex}"
    create_topic(kafka.bootstrap_servers, topic)
    failing, following = sample_envelope("Fails once"), sample_envelope("Follows")
    produce(kafka.bootstrap_servers, topic, [failing, following])
    calls: list[str] = []

    def handler(message: dict) -> None:
        calls.append(message["id"])
        if len(calls) == 1:
            raise RuntimeError("the handler failed")

    name = f"test-consumer-{uuid.uuid4().hex}"
    with EventConsumer(name, kafka.bootstrap_servers, [topic], handler, **GROUP_OPTIONS) as consumer:
        with pytest.raises(RuntimeError, match="the handler failed"):
            poll_results(consumer, 1)
        assert not ConsumedEvent.objects.filter(consumer=name).exists()
        assert poll_results(consumer, 2) == [True, True]

    failing_id, following_id = json.loads(failing)["id"], json.loads(following)["id"]
    assert calls == [failing_id, failing_id, following_id]
    recorded = set(ConsumedEvent.objects.filter(consumer=name).values_list("event_id", flat=True))
    assert recorded == {uuid.UUID(failing_id), uuid.UUID(following_id)}


def test_consumer_waits_out_a_missing_topic_and_skips_malformed_messages(kafka, transactional_db, caplog):
    """A subscriber may start before the relay creates the topic; junk on a topic must not stop it."""
    topic = f"test.missing.{uuid.uuid4().hex}"
    handled: list[dict] = []
    name = f"test-consumer-{uuid.uuid4().hex}"
    with EventConsumer(name, kafka.bootstrap_servers, [topic], handled.append, **GROUP_OPTIONS) as consumer:

        def reported_missing() -> bool:
            assert consumer.poll(0.2) is None
            return any("Unknown topic" in record.getMessage() for record in caplog.records)

        wait_until(reported_missing, 15, "the missing topic to be reported", interval=0)
        create_topic(kafka.bootstrap_servers, topic)
        valid = sample_envelope()
        bad_id = json.dumps(json.loads(valid) | {"id": "not-a-uuid"}).encode()
        produce(kafka.bootstrap_servers, topic, [b"not json", None, b'{"id": "x"}', bad_id, valid])
        assert poll_results(consumer, 5) == [False, False, False, False, True]

    assert [message["id"] for message in handled] == [json.loads(valid)["id"]]
    assert ConsumedEvent.objects.filter(consumer=name).count() == 1
