"""A follower that cannot apply an event stalls there, visibly, and never skips it on its own.

The poison is the one seen in production: a product name holding a NUL byte, stored as an event
(through the aggregate's private event method, past the input checks) and refused by PostgreSQL
when a projection writes it to a text column.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator
from typing import ClassVar

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from eventsourcing.application import ProcessingEvent
from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent

from ocg.catalog.domain import Product
from ocg.spine.errors import ERROR_TEXT_LIMIT, error_text
from ocg.spine.eventstore import ContextApplication, applications
from ocg.spine.follow import EventFailed, follow_forever
from ocg.spine.models import FollowerStall, ProjectionPosition, SkippedEvent
from ocg.spine.policies import ContextPolicy, PolicyRunner
from ocg.spine.projections import Projection, ProjectionRunner
from ocg.spine.relay import RELAY_FOLLOWER, Relay
from tests.spine.kafka_helpers import wait_until
from tests.spine.workload import create_product, head, new_product, rename_product

POISON_NAME = "Bad\x00name"
NAMES = "test_stall_names"  # the test projection's read model: a plain table, so the test owns its columns


class StrictNames(Projection):
    """Writes each product's name as given, as the catalog projection did when the NUL name arrived."""

    name = "test_strict_names"
    sources = ("catalog",)

    def handle(self, events):
        with connection.cursor() as cursor:
            for event in events:
                name = named(event)
                if name is not None:
                    cursor.execute(
                        f"INSERT INTO {NAMES} (id, name) VALUES (%s, %s)"
                        " ON CONFLICT (id) DO UPDATE SET name = excluded.name",
                        [event.originator_id, name],
                    )

    def clear(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {NAMES}")


def named(event) -> str | None:
    """The product name an event gives, if it gives one."""
    if isinstance(event, Product.Created):
        return event.name
    if isinstance(event, Product.DetailsUpdated):
        return event.changes.get("name")
    return None


def names() -> dict[uuid.UUID, str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, name FROM {NAMES}")
        return dict(cursor.fetchall())


class Tally(Projection):
    """Follows the same log and never looks at names, so the poison does not stop it."""

    name = "test_tally"
    sources = ("catalog",)
    seen: ClassVar[list[tuple[uuid.UUID, int]]] = []

    def handle(self, events):
        self.seen.extend((event.originator_id, event.originator_version) for event in events)


@pytest.fixture
def projections(event_store, settings) -> None:
    settings.PROJECTIONS = [
        *settings.PROJECTIONS,
        "tests.spine.test_follower_stall.StrictNames",
        "tests.spine.test_follower_stall.Tally",
    ]
    Tally.seen = []
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {NAMES} (id uuid PRIMARY KEY, name text NOT NULL)")
        cursor.execute(f"TRUNCATE {NAMES}")


@pytest.fixture
def run() -> Iterator:
    """Run followers' loops in threads, as run_projections does; all are stopped afterwards."""
    stop = threading.Event()
    threads: list[threading.Thread] = []

    def start(runner) -> None:
        runner.stop = stop
        thread = threading.Thread(target=runner.run_forever, kwargs={"poll_seconds": 0.05}, daemon=True)
        thread.start()
        threads.append(thread)

    yield start
    stop.set()
    for thread in threads:
        thread.join(timeout=15)


def create(catalog, *names: str) -> list[uuid.UUID]:
    return [create_product(catalog, name) for name in names]


def save_renamed(catalog, name: str = POISON_NAME) -> tuple[uuid.UUID, int]:
    """A product created cleanly, then renamed to `name` without the checks: two events, the second bad.

    Returns the product's id and the bad event's position (its creation is just before it).
    """
    product = new_product("Placeholder")
    product._details_updated(actor_id=None, changes={"name": name})
    catalog.save(product)
    return product.id, head(catalog)


def position(follower: str, source: str = "catalog") -> int:
    row = ProjectionPosition.objects.filter(follower=follower, source=source).first()
    return row.position if row else 0


def followers(client) -> tuple[int, dict]:
    response = client.get("/readyz")
    return response.status_code, response.json()


def test_a_poison_event_stalls_its_projection_exactly_there_until_an_operator_skips_it(
    client, catalog, projections, run, caplog
):
    caplog.set_level(logging.WARNING, logger="ocg.spine")
    before = create(catalog, "One", "Two", "Three")
    poison, bad = save_renamed(catalog)  # created cleanly at bad - 1, renamed with a NUL at bad
    after = create(catalog, "Six", "Seven")
    end = head(catalog)
    run(ProjectionRunner(StrictNames()))
    run(ProjectionRunner(Tally()))

    wait_until(lambda: FollowerStall.objects.filter(follower=StrictNames.name).exists(), 15, "the stall")
    wait_until(lambda: position(Tally.name) == end, 15, "the other projection to pass the poison")

    # Every good event before the poison, in the same batch, took effect; nothing after it did.
    assert position(StrictNames.name) == bad - 1
    assert names() == {**dict(zip(before, ["One", "Two", "Three"], strict=True)), poison: "Placeholder"}
    assert set(names()) == {*before, poison}
    logged = [r.getMessage() for r in caplog.records if "stalled" in r.getMessage()]
    assert logged, [r.getMessage() for r in caplog.records]
    assert f"after position {bad - 1} at catalog event {bad}" in logged[0]
    assert f"originator {poison} version 2" in logged[0]
    assert "Product.DetailsUpdated" in logged[0] and "NUL" in logged[0]

    status, body = followers(client)
    assert status == 200
    assert body["status"] == "degraded" and body["database"] == "ok"
    stalled = body["followers"][StrictNames.name]
    assert stalled["state"] == "stalled"
    assert stalled["source"] == "catalog" and stalled["position"] == bad - 1
    assert stalled["event"] == {
        "position": bad,
        "topic": stalled["event"]["topic"],
        "originator_id": str(poison),
        "originator_version": 2,
    }
    assert stalled["event"]["topic"].endswith("Product.DetailsUpdated")
    assert "NUL" in stalled["error"] and "Traceback" not in stalled["error"]
    assert len(stalled["error"]) <= ERROR_TEXT_LIMIT
    assert stalled["attempts"] >= 1 and stalled["since"]
    assert body["followers"][Tally.name] == {"state": "ok"}

    # Meanwhile the other projection keeps following new events.
    [later] = create(catalog, "Eight")
    end = head(catalog)
    wait_until(lambda: position(Tally.name) == end, 15, "the other projection to keep up")
    assert (later, 1) in Tally.seen and (poison, 2) in Tally.seen
    assert position(StrictNames.name) == bad - 1

    with pytest.raises(CommandError, match=f"next event it would apply is {bad}"):
        call_command("skip_event", StrictNames.name, "catalog", str(bad + 1), reason="wrong one")
    with pytest.raises(CommandError, match="process manager"):
        call_command("skip_event", "policy:catalog", "catalog", str(bad), reason="not a projection")
    assert position(StrictNames.name) == bad - 1 and not SkippedEvent.objects.exists()

    call_command(
        "skip_event",
        StrictNames.name,
        "catalog",
        str(bad),
        reason="NUL in the name; fixed by ticket 42",
        operator="ana",
    )

    [skipped] = SkippedEvent.objects.all()
    assert (skipped.follower, skipped.source, skipped.position) == (StrictNames.name, "catalog", bad)
    assert (skipped.originator_id, skipped.originator_version) == (poison, 2)
    assert skipped.topic.endswith("Product.DetailsUpdated")
    assert skipped.reason == "NUL in the name; fixed by ticket 42" and skipped.operator == "ana"
    assert skipped.skipped_at is not None
    wait_until(lambda: position(StrictNames.name) == end, 30, "the projection to catch up past the skipped event")
    wait_until(lambda: not FollowerStall.objects.filter(follower=StrictNames.name).exists(), 10, "the stall to clear")
    assert set(names()) == {*before, poison, *after, later}
    assert names()[poison] == "Placeholder"  # the skipped rename's effect is missing, as documented
    _, body = followers(client)
    assert body["status"] == "ok"
    assert body["followers"][StrictNames.name] == {"state": "ok"}


def test_a_failed_batch_is_applied_event_by_event_and_the_poison_is_never_skipped(catalog, projections):
    ids = create(catalog, "One", "Two", "Three")
    poison, bad = save_renamed(catalog)
    create(catalog, "Six", "Seven")
    runner = ProjectionRunner(StrictNames(), batch_size=3)

    for _ in range(2):
        with pytest.raises(EventFailed) as failed:
            runner.catch_up()
        assert (failed.value.event.position, failed.value.event.originator_id) == (bad, poison)
        assert failed.value.event.originator_version == 2
        assert failed.value.follower_position == bad - 1
        assert "NUL" in error_text(failed.value.error)
        assert position(StrictNames.name) == bad - 1
        assert set(names()) == {*ids, poison}


def test_an_event_that_cannot_be_read_stalls_after_the_events_before_it(catalog, projections):
    ids = create(catalog, "One", "Two")
    unknown = uuid.uuid4()
    catalog.recorder.insert_events([StoredEvent(unknown, 1, "ocg.nowhere.domain:Gone.Created", b"{}")])
    unreadable = head(catalog)
    create(catalog, "Four")

    with pytest.raises(EventFailed) as failed:
        ProjectionRunner(StrictNames()).catch_up()

    assert (failed.value.event.position, failed.value.event.originator_id) == (unreadable, unknown)
    assert failed.value.event.topic == "ocg.nowhere.domain:Gone.Created"
    assert position(StrictNames.name) == unreadable - 1
    assert set(names()) == set(ids)


def test_skip_event_refuses_what_it_must_not_skip(catalog, projections, settings):
    create(catalog, "One")
    settings.POLICIES = {"orders": "ocg.orders.policies.OrderPolicy"}
    refusals = [
        (("policy:orders", "catalog", "1"), "process manager"),
        (("orders", "catalog", "1"), "process manager"),
        ((RELAY_FOLLOWER, "catalog", "1"), "Kafka relay"),
        (("nope", "catalog", "1"), r"No projection named 'nope'; known: catalog\b"),
        ((StrictNames.name, "orders", "1"), "follows catalog"),
        ((StrictNames.name, "catalog", "2"), "next event it would apply is 1"),
    ]
    for args, message in refusals:
        with pytest.raises(CommandError, match=message):
            call_command("skip_event", *args, reason="because")
    with pytest.raises(CommandError, match="must say why"):
        call_command("skip_event", StrictNames.name, "catalog", "1", reason="   ")

    ProjectionRunner(StrictNames()).catch_up()
    end = head(catalog)
    with pytest.raises(CommandError, match="applied every catalog event"):
        call_command("skip_event", StrictNames.name, "catalog", str(end + 1), reason="because")
    assert not SkippedEvent.objects.exists()
    assert position(StrictNames.name) == end


def test_skip_event_records_the_os_user_when_no_operator_is_given(catalog, projections, capsys):
    create(catalog, "One")
    call_command("skip_event", StrictNames.name, "catalog", "1", reason="poison")
    [skipped] = SkippedEvent.objects.all()
    assert skipped.operator and skipped.operator != "ana"
    out = capsys.readouterr().out
    assert "rebuild_projection test_strict_names" in out and "missing from the read model" in out
    assert position(StrictNames.name) == 1 and names() == {}


def test_the_stall_record_counts_retries_and_clears_once_the_follower_moves_on(event_store):
    """The shared loop, with a failure that names no event (say the broker is away before producing)."""
    stop = threading.Event()
    recovered = threading.Event()

    def catch_up() -> int:
        if not recovered.is_set():
            raise RuntimeError("broker unavailable\nsecond line " + "x" * 2000)
        return 0

    thread = threading.Thread(
        target=follow_forever,
        args=("test-loop", ["catalog"], stop, catch_up, 0.05),
        kwargs={"reports_as": "test_loop"},
        daemon=True,
    )
    thread.start()
    try:
        wait_until(lambda: FollowerStall.objects.filter(follower="test_loop", attempts__gte=2).exists(), 10, "retries")
        stall = FollowerStall.objects.get(follower="test_loop")
        assert stall.event_position is None and stall.position is None
        assert stall.error.startswith("RuntimeError: broker unavailable second line")
        assert len(stall.error) == ERROR_TEXT_LIMIT and "\n" not in stall.error
        recovered.set()
        wait_until(lambda: not FollowerStall.objects.filter(follower="test_loop").exists(), 15, "the stall to clear")
    finally:
        stop.set()
        thread.join(timeout=10)


class Acknowledgement(Aggregate):
    def __init__(self, product_id: uuid.UUID) -> None:
        self.product_id = product_id


class Acknowledger(ContextPolicy):
    """A reacting context for the test; it cannot handle a NUL in a name until its code is 'fixed'."""

    name = "stallack"
    follows = ("catalog",)
    refuses_nul = True

    @singledispatchmethod
    def policy(self, domain_event, processing_event: ProcessingEvent) -> None:
        """Other events are tracked and otherwise ignored."""

    @policy.register
    def _(self, domain_event: Product.DetailsUpdated, processing_event: ProcessingEvent) -> None:
        if self.refuses_nul and "\x00" in domain_event.changes.get("name", ""):
            raise ValueError("a product name holds a NUL byte")
        processing_event.collect_events(Acknowledgement(product_id=domain_event.originator_id))


@pytest.fixture
def acknowledger(event_store, settings) -> Iterator[ContextApplication]:
    settings.POLICIES = {"stallack": "tests.spine.test_follower_stall.Acknowledger"}
    application = applications.get("policy:stallack")
    schema = application.recorder.datastore.schema
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {schema}.stallack_events, {schema}.stallack_tracking RESTART IDENTITY")
    Acknowledger.refuses_nul = True
    yield application
    Acknowledger.refuses_nul = True


def test_a_policy_stalls_at_the_event_it_cannot_process_and_cannot_be_skipped(client, catalog, acknowledger, run):
    [first] = create(catalog, "One")
    rename_product(catalog, first, "One again")
    poison, bad = save_renamed(catalog)
    create(catalog, "Five")
    end = head(catalog)
    run(PolicyRunner("stallack"))

    wait_until(lambda: FollowerStall.objects.filter(follower="policy:stallack").exists(), 15, "the policy's stall")
    assert acknowledger.recorder.max_tracking_id("catalog") == bad - 1
    assert acknowledger.recorder.max_notification_id() == 1
    status, body = followers(client)
    stalled = body["followers"]["policy:stallack"]
    assert status == 200 and body["status"] == "degraded"
    assert (stalled["state"], stalled["source"], stalled["position"]) == ("stalled", "catalog", bad - 1)
    assert stalled["event"]["position"] == bad and stalled["event"]["originator_id"] == str(poison)
    assert stalled["error"] == "ValueError: a product name holds a NUL byte"
    with pytest.raises(CommandError, match="process manager"):
        call_command("skip_event", "policy:stallack", "catalog", str(bad), reason="no")

    Acknowledger.refuses_nul = False  # the code is corrected and redeployed
    wait_until(lambda: acknowledger.recorder.max_tracking_id("catalog") == end, 30, "the policy to move on")
    wait_until(lambda: not FollowerStall.objects.filter(follower="policy:stallack").exists(), 10, "the stall to clear")
    assert acknowledger.recorder.max_notification_id() == 2
    _, body = followers(client)
    assert body["followers"]["policy:stallack"] == {"state": "ok"}


@pytest.mark.kafka
def test_the_relay_reports_the_event_the_broker_will_not_take(client, catalog, kafka, settings, run):
    """An event over the producer's message size limit: produced never, reported exactly."""
    settings.KAFKA_BOOTSTRAP_SERVERS = kafka.bootstrap_servers
    settings.KAFKA_PRODUCER_OPTIONS = {"message.max.bytes": 1000}
    create(catalog, "One", "Two")
    oversized, big = save_renamed(catalog, "L" * 3000)  # renamed past the size limit at position `big`
    run(Relay(kafka.bootstrap_servers, contexts=["catalog"]))

    wait_until(lambda: FollowerStall.objects.filter(follower=RELAY_FOLLOWER).exists(), 30, "the relay's stall")
    status, body = followers(client)
    stalled = body["followers"][RELAY_FOLLOWER]
    assert status == 200 and body["status"] == "degraded"
    assert (stalled["state"], stalled["source"], stalled["position"]) == ("stalled", "catalog", 0)
    assert stalled["event"]["position"] == big and stalled["event"]["originator_id"] == str(oversized)
    assert f"event {big} not produced" in stalled["error"] and "too large" in stalled["error"].lower()
    assert position(RELAY_FOLLOWER) == 0

    settings.KAFKA_PRODUCER_OPTIONS = {}  # the limit is raised; the next attempt builds a new producer
    wait_until(lambda: position(RELAY_FOLLOWER) == big, 30, "the relay to deliver it")
    wait_until(lambda: not FollowerStall.objects.filter(follower=RELAY_FOLLOWER).exists(), 10, "the stall to clear")
