"""Process managers: each upstream event acted on exactly once, across crashes, with the library's tracking."""

from uuid import NAMESPACE_URL, UUID, uuid5

import pytest
from django.db import connection
from eventsourcing.application import ProcessingEvent
from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.domain import Aggregate

from ocg.catalog.domain import Product
from ocg.spine.eventstore import applications
from ocg.spine.follow import EventFailed
from ocg.spine.policies import ContextPolicy, PolicyRunner
from tests.spine.workload import create_product, head, position_of, rename_product


class ProductAudit(Aggregate):
    """One record per product created upstream; its id derives from the product's, so a duplicate cannot hide."""

    def __init__(self, product_id: UUID, name: str) -> None:
        self.product_id = product_id
        self.name = name

    @staticmethod
    def create_id(product_id: UUID, name: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"audit/{product_id}")


class AuditApplication(ContextPolicy):
    """A reacting context for the test: turns catalog events into its own events."""

    name = "audit"
    follows = ("catalog",)
    fail_on: set[str] = set()

    @singledispatchmethod
    def policy(self, domain_event, processing_event: ProcessingEvent) -> None:
        """Other events are tracked and otherwise ignored."""

    @policy.register
    def _(self, domain_event: Product.Created, processing_event: ProcessingEvent) -> None:
        if domain_event.name in self.fail_on:
            self.fail_on.discard(domain_event.name)
            raise RuntimeError("crash before the reaction commits")
        processing_event.collect_events(ProductAudit(product_id=domain_event.originator_id, name=domain_event.name))


@pytest.fixture
def audit(event_store, settings):
    settings.POLICIES = {**settings.POLICIES, "audit": "tests.spine.test_policies.AuditApplication"}
    application = applications.get("policy:audit")
    schema = application.recorder.datastore.schema
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {schema}.audit_events, {schema}.audit_tracking RESTART IDENTITY")
    return application


def audited(audit, product_ids) -> list[ProductAudit]:
    return [audit.repository.get(ProductAudit.create_id(product_id, "")) for product_id in product_ids]


def test_each_upstream_event_is_acted_on_once_even_when_run_again(catalog, audit):
    ids = [create_product(catalog, f"Piece {i}") for i in range(5)]
    rename_product(catalog, ids[0], "Renamed")
    runner = PolicyRunner("audit", batch_size=2)

    assert runner.catch_up() == head(catalog)
    assert runner.catch_up() == 0

    assert [record.name for record in audited(audit, ids)] == [f"Piece {i}" for i in range(5)]
    assert all(record.version == 1 for record in audited(audit, ids))
    assert audit.recorder.max_tracking_id("catalog") == head(catalog)
    assert audit.recorder.max_notification_id() == 5


def test_a_crash_mid_batch_keeps_what_committed_and_redoes_only_the_rest(catalog, audit):
    ids = [create_product(catalog, f"Piece {i}") for i in range(4)]
    crash = position_of(catalog, ids[2])
    AuditApplication.fail_on = {"Piece 2"}
    runner = PolicyRunner("audit")

    with pytest.raises(EventFailed) as failed:
        runner.catch_up()
    assert isinstance(failed.value.error, RuntimeError)
    assert failed.value.event.position == crash
    assert audit.recorder.max_tracking_id("catalog") == crash - 1
    assert audit.recorder.max_notification_id() == 2

    assert runner.catch_up() == head(catalog) - (crash - 1)
    assert audit.recorder.max_tracking_id("catalog") == head(catalog)
    assert audit.recorder.max_notification_id() == 4
    assert [record.name for record in audited(audit, ids)] == [f"Piece {i}" for i in range(4)]
