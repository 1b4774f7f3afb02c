"""The negotiation's events are republished on `ocg.negotiation.v1`, keyed by the negotiation, with their order."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from ocg.negotiation.domain import CustomPriceRequest, Negotiation, custom_price_request_id
from ocg.spine.domain.money import Money
from ocg.spine.envelope import topic_for
from ocg.spine.relay import Relay
from tests.spine.kafka_helpers import mark, read_between

pytestmark = pytest.mark.kafka


def test_price_events_go_to_the_negotiation_topic(event_store, kafka):
    application = event_store["negotiation"]
    order_id, customer, designer = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    negotiation = Negotiation.start(
        order_id=order_id,
        customer_id=customer,
        designer_id=designer,
        currency="EUR",
        role="customer",
        actor_id=customer,
    )
    now = datetime.now(UTC)
    proposal = uuid.uuid4()
    negotiation.propose(
        proposal_id=proposal,
        role="designer",
        actor_id=designer,
        amount=Money(Decimal("2150.00"), "EUR"),
        note="",
        now=now,
        expires_at=now + timedelta(hours=48),
        max_rounds=10,
    )
    negotiation.accept(proposal_id=proposal, role="customer", actor_id=customer, now=now)
    application.save(negotiation)

    topic = topic_for("negotiation")
    assert topic == "ocg.negotiation.v1"
    start = mark(kafka.bootstrap_servers, topic)
    relay = Relay(kafka.bootstrap_servers, contexts=["negotiation"])
    assert relay.catch_up() == 4
    relay.close()
    records = read_between(kafka.bootstrap_servers, topic, start, mark(kafka.bootstrap_servers, topic))
    assert [r.envelope["type"] for r in sorted(records, key=lambda r: r.envelope["sequence"])] == [
        "ocg.negotiation.Negotiation.Opened",
        "ocg.negotiation.Negotiation.Proposed",
        "ocg.negotiation.Negotiation.PriceAgreed",
        "ocg.negotiation.Negotiation.Closed",
    ]
    assert {r.key for r in records} == {negotiation.id.bytes}
    agreed = next(r.envelope["data"] for r in records if r.envelope["type"].endswith("PriceAgreed"))
    assert agreed == {
        "order_id": str(order_id),
        "proposal_id": str(proposal),
        "amount": {"amount": "2150.00", "currency": "EUR"},
        "actor_id": str(customer),
    }


def test_a_custom_price_request_goes_to_the_negotiation_topic_keyed_by_its_order(event_store, kafka):
    order_id, customer, designer = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    request = CustomPriceRequest.make(order_id=order_id, customer_id=customer, designer_id=designer, currency="GBP")
    event_store["negotiation"].save(request)

    topic = topic_for("negotiation")
    start = mark(kafka.bootstrap_servers, topic)
    relay = Relay(kafka.bootstrap_servers, contexts=["negotiation"])
    assert relay.catch_up() == 1
    relay.close()
    [record] = read_between(kafka.bootstrap_servers, topic, start, mark(kafka.bootstrap_servers, topic))
    assert record.envelope["type"] == "ocg.negotiation.CustomPriceRequest.Made"
    assert record.key == custom_price_request_id(order_id).bytes
    assert record.envelope["data"] == {
        "order_id": str(order_id),
        "customer_id": str(customer),
        "designer_id": str(designer),
        "currency": "GBP",
    }
