"""The catalog's events on Kafka: the relay over real catalog commands, read back from the Tansu broker."""

from __future__ import annotations

import datetime
import io
import uuid
from decimal import Decimal

import pytest
from PIL import Image

from ocg.catalog import images
from ocg.spine import uploads
from ocg.spine.domain.money import Money
from ocg.spine.envelope import event_id, topic_for
from ocg.spine.models import ProjectionPosition
from ocg.spine.relay import RELAY_FOLLOWER, Relay
from tests.spine.kafka_helpers import mark, read_between

pytestmark = pytest.mark.kafka

TOPIC = topic_for("catalog")
DESIGNER = uuid.UUID("7d3c2b1a-0f9e-4d8c-b7a6-958473625140")
SKU = "KFK-COAT-38"


def picture() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (30, 40), (40, 52, 88)).save(buffer, "JPEG")
    return buffer.getvalue()


def run_commands(catalog) -> dict[str, uuid.UUID]:
    """What a designer and the orders policy do: create, a variant, stock in, a reservation, publish."""
    category = catalog.create_category(actor_id=None, name="Coats", slug="kafka-coats")
    product = catalog.create_product(
        designer_id=DESIGNER,
        actor_id=DESIGNER,
        name="Wrap Coat",
        slug="kafka-wrap-coat",
        category_id=category,
        price=Money(Decimal("2450.00"), "EUR"),
        materials=["Cashmere"],
        designer_name="Maison Kafka",
    )
    as_designer = {"actor_id": DESIGNER, "acting_designer_id": DESIGNER}
    catalog.add_variant(product, sku=SKU, size="38", colour="Navy", **as_designer)
    catalog.receive_stock(SKU, 5, **as_designer)
    order = uuid.uuid4()
    expires = datetime.datetime(2030, 1, 1, 12, 0, tzinfo=datetime.UTC)
    assert catalog.reserve_stock(order, {SKU: 2}, expires)
    key = f"{images.owner_prefix(product)}/{uuid.uuid4().hex}.jpg"
    uploads.save(key, picture(), "image/jpeg")
    catalog.attach_image(product, key=key, **as_designer)
    catalog.publish(product, **as_designer)
    catalog.change_price(product, Money(Decimal("2300"), "EUR"), **as_designer)
    return {"product": product, "category": category, "order": order}


def relay_everything(kafka) -> None:
    relay = Relay(kafka.bootstrap_servers, contexts=["catalog"])
    try:
        relay.catch_up()
    finally:
        relay.close()


def test_catalog_events_reach_the_topic_keyed_by_aggregate_with_money_as_amount_and_currency(
    catalog, kafka, local_storage
):
    ids = run_commands(catalog)
    stock_id = catalog.stock(SKU).id
    start = mark(kafka.bootstrap_servers, TOPIC)
    relay_everything(kafka)
    records = read_between(kafka.bootstrap_servers, TOPIC, start, mark(kafka.bootstrap_servers, TOPIC))

    by_type: dict[str, list] = {}
    for record in records:
        by_type.setdefault(record.envelope["type"], []).append(record)
        assert record.key == uuid.UUID(record.envelope["subject"]).bytes, "keyed by the aggregate id"
        assert record.envelope["source"] == "/ocg/catalog"
        assert record.envelope["id"] == str(
            event_id("catalog", uuid.UUID(record.envelope["subject"]), record.envelope["aggregateversion"])
        )
    assert len(records) == catalog.recorder.max_notification_id()
    product_types = [r.envelope["type"] for r in records if r.envelope["subject"] == str(ids["product"])]
    assert product_types == [
        "ocg.catalog.Product.Created",
        "ocg.catalog.Product.VariantAdded",
        "ocg.catalog.Product.ImageAttached",
        "ocg.catalog.Product.Published",
        "ocg.catalog.Product.PriceChanged",
    ]
    stock_types = [r.envelope["type"] for r in records if r.envelope["subject"] == str(stock_id)]
    assert stock_types == ["ocg.catalog.Stock.Created", "ocg.catalog.Stock.Received", "ocg.catalog.Stock.Reserved"]
    assert {"ocg.catalog.Category.Created", "ocg.catalog.Designer.Created"} <= set(by_type)

    [created] = by_type["ocg.catalog.Product.Created"]
    assert created.envelope["data"]["price"] == {"amount": "2450.00", "currency": "EUR"}
    assert created.envelope["data"]["designer_id"] == str(DESIGNER)
    assert created.envelope["data"]["category_id"] == str(ids["category"])
    [repriced] = by_type["ocg.catalog.Product.PriceChanged"]
    assert repriced.envelope["data"]["price"] == {"amount": "2300.00", "currency": "EUR"}
    [reserved] = by_type["ocg.catalog.Stock.Reserved"]
    assert reserved.key == stock_id.bytes
    assert reserved.envelope["data"] == {
        "order_id": str(ids["order"]),
        "quantity": 2,
        "expires_at": "2030-01-01T12:00:00+00:00",
    }
    [attached] = by_type["ocg.catalog.Product.ImageAttached"]
    assert attached.envelope["data"]["content_type"] == "image/jpeg"
    assert (attached.envelope["data"]["width"], attached.envelope["data"]["height"]) == (30, 40)


def test_a_redelivered_event_keeps_its_id_and_content(catalog, kafka, local_storage):
    """The relay sent everything, then lost its position (as after a crash before recording it)."""
    run_commands(catalog)
    start = mark(kafka.bootstrap_servers, TOPIC)
    relay_everything(kafka)
    ProjectionPosition.objects.filter(follower=RELAY_FOLLOWER, source="catalog").update(position=0)
    relay_everything(kafka)
    records = read_between(kafka.bootstrap_servers, TOPIC, start, mark(kafka.bootstrap_servers, TOPIC))

    written = catalog.recorder.max_notification_id()
    assert len(records) == 2 * written
    first: dict[str, dict] = {}
    for record in records:
        envelope = record.envelope
        if envelope["id"] in first:
            assert envelope == first[envelope["id"]], "a redelivery differs from the first delivery"
        else:
            first[envelope["id"]] = envelope
    assert len(first) == written
