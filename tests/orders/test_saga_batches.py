"""The stock saga under load, in process on PostgreSQL: the policies act on batches of orders in one
transaction each, read a hot SKU from its snapshot, and never trust a copy of an aggregate the log no
longer has."""

from __future__ import annotations

import uuid
from collections import Counter

import pytest
from django.db import connection

from ocg.catalog.domain import stock_id
from ocg.catalog.inventory import STOCK_SNAPSHOT_INTERVAL
from ocg.catalog.models import VariantView
from ocg.orders.models import OrderView
from ocg.spine.eventstore import applications, events_table
from ocg.spine.projections import get_projection
from tests.orders.shop import place, project_catalog, published_piece, settle

HOT = "HOT-SKU"


@pytest.fixture
def shop(event_store, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return uuid.uuid4()


def snapshot_versions(sku: str) -> list[int]:
    recorder = applications.get("catalog").snapshots.recorder
    return [s.originator_version for s in recorder.select_events(stock_id(sku))]


def test_a_hot_sku_is_sold_to_the_first_orders_in_batches_and_read_from_its_snapshot(shop):
    units, orders = 120, 150
    published_piece(shop, HOT, stock=units)
    project_catalog()
    placed = [place(**{HOT: 1})[0] for _ in range(orders)]
    settle()  # the inventory policy takes the 150 orders in batches: later ones see earlier ones' holds

    statuses = dict(OrderView.objects.filter(id__in=placed).values_list("id", "status"))
    assert [statuses[order_id] for order_id in placed] == ["confirmed"] * units + ["rejected"] * (orders - units)
    variant = VariantView.objects.get(sku=HOT)
    assert (variant.on_hand, variant.reserved, variant.available) == (units, units, 0)

    catalog = applications.get("catalog")
    [snapshot] = snapshot_versions(HOT)
    assert STOCK_SNAPSHOT_INTERVAL <= snapshot < 2 * STOCK_SNAPSHOT_INTERVAL, "one snapshot, once past the 100th event"
    from_snapshot = catalog.stock(HOT)
    replayed = catalog.repository.get(stock_id(HOT))
    assert from_snapshot.version == replayed.version > snapshot  # the events after the snapshot were read too
    assert from_snapshot.reservations == replayed.reservations
    assert set(from_snapshot.reservations) == {str(order_id) for order_id in placed[:units]}

    applications.close_all()  # a policy process that starts afresh reads the stock from its snapshot
    orders_app = applications.get("orders")
    orders_app.cancel(placed[0], reason="changed my mind", actor_id=None, acting_customer_id=None)
    [refused] = place(**{HOT: 2})
    [taken] = place(**{HOT: 1})
    settle()
    assert OrderView.objects.get(id=refused).shortages == {HOT: 1}
    assert OrderView.objects.get(id=taken).status == "confirmed"
    assert applications.get("catalog").stock(HOT).reserved == units


def test_a_kept_copy_of_an_aggregate_the_log_no_longer_has_is_not_used(shop):
    """Tests empty the logs between them while the process (and the policy's kept copies) lives on."""
    published_piece(shop, "SOLO", stock=1)
    project_catalog()
    [first] = place(**{"SOLO": 1})
    settle()
    assert OrderView.objects.get(id=first).status == "confirmed"  # the policy now keeps SOLO with 0 available

    with connection.cursor() as cursor:
        for name in ("catalog", "orders"):
            cursor.execute(f"TRUNCATE {events_table(applications.get(name))} RESTART IDENTITY")
        for name in ("policy:catalog", "policy:orders"):
            recorder = applications.get(name).recorder
            table = f"{recorder.datastore.schema}.{recorder.tracking_table_name}"
            cursor.execute(f"DELETE FROM {table} WHERE application_name <> '__migration__'")
        read_models = [
            model._meta.db_table for name in ("catalog", "orders") for model in get_projection(name).read_models
        ]
        cursor.execute(f"TRUNCATE {', '.join(read_models)}")
        cursor.execute("DELETE FROM spine_projectionposition")
    published_piece(shop, "SOLO", stock=1)
    project_catalog()
    [second] = place(**{"SOLO": 1})
    settle()
    assert OrderView.objects.get(id=second).status == "confirmed"
    assert Counter(OrderView.objects.values_list("status", flat=True)) == {"confirmed": 1}
