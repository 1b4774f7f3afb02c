"""The stock saga across contexts on PostgreSQL: placed -> reserved -> confirmed, or refused -> rejected;
cancelled or expired -> released; paid -> sold. Each step once, whatever runs again."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from ocg.catalog.domain import Stock, reservation_id, stock_id
from ocg.catalog.models import VariantView
from ocg.orders.domain import InvalidOrder
from ocg.orders.models import OrderStatusChange, OrderView
from ocg.spine.eventstore import applications
from tests.orders.shop import place, project_catalog, published_piece, settle


@pytest.fixture
def shop(event_store, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    designer = uuid.uuid4()
    published_piece(designer, "COAT-M", stock=3)
    published_piece(designer, "SCARF-M", stock=1, price="40.00")
    project_catalog()
    return designer


def stock(sku: str) -> tuple[int, int, int]:
    row = VariantView.objects.get(sku=sku)
    return row.on_hand, row.reserved, row.available


def status(order_id) -> str:
    return OrderView.objects.get(id=order_id).status


def test_a_placed_order_is_confirmed_once_its_stock_is_held(shop):
    [order_id] = place(**{"COAT-M": 2, "SCARF-M": 1})
    settle()
    assert status(order_id) == "confirmed"
    assert stock("COAT-M") == (3, 2, 1) and stock("SCARF-M") == (1, 1, 0)
    steps = list(OrderStatusChange.objects.filter(order_id=order_id).values_list("step", flat=True))
    assert steps == ["place", "confirm"]
    assert OrderView.objects.get(id=order_id).pay_by is not None


def test_an_order_is_rejected_with_its_short_skus_and_nothing_is_held(shop):
    [order_id] = place(**{"COAT-M": 1, "SCARF-M": 2})
    settle()
    row = OrderView.objects.get(id=order_id)
    assert (row.status, row.shortages) == ("rejected", {"SCARF-M": 1})
    assert stock("COAT-M") == (3, 0, 3), "all or nothing: the coat that fitted is not held either"


def test_cancel_and_expiry_give_the_stock_back_and_payment_sells_it(shop):
    orders = applications.get("orders")
    first, second, third = (place(**{"COAT-M": 1})[0] for _ in range(3))
    settle()
    orders.cancel(first, reason="changed my mind", actor_id=None, acting_customer_id=None)
    orders.request_payment(second, actor_id=None, acting_customer_id=None)
    order = orders.order(second)
    order.pay(uuid.uuid4(), order.total)
    orders.save(order)
    later = timezone.now() + timedelta(hours=1)
    assert orders.expire(third, now=timezone.now()) is False
    assert orders.expire(third, now=later) is True
    settle()
    assert [status(i) for i in (first, second, third)] == ["cancelled", "paid", "cancelled"]
    assert stock("COAT-M") == (2, 0, 2)


def test_running_the_policies_again_changes_nothing(shop):
    [order_id] = place(**{"COAT-M": 1})
    settle()
    catalog_events = applications.get("catalog").recorder.max_notification_id()
    orders_events = applications.get("orders").recorder.max_notification_id()
    settle()
    assert applications.get("catalog").recorder.max_notification_id() == catalog_events
    assert applications.get("orders").recorder.max_notification_id() == orders_events
    assert stock("COAT-M") == (3, 1, 2) and status(order_id) == "confirmed"


def test_a_checkout_across_designers_places_one_order_each(shop):
    other = uuid.uuid4()
    published_piece(other, "BAG-ONE", stock=2, price="900.00")
    project_catalog()
    customer = uuid.uuid4()
    order_ids = place(customer, **{"COAT-M": 1, "BAG-ONE": 1})
    settle()
    rows = list(OrderView.objects.filter(id__in=order_ids))
    assert len(rows) == 2
    assert {row.designer_id for row in rows} == {shop, other}
    assert len({row.checkout_id for row in rows}) == 1 and {row.customer_id for row in rows} == {customer}
    assert len({row.number for row in rows}) == 2
    assert all(row.number.startswith(f"OCG-{timezone.now().year}-") for row in rows)
    assert {row.status for row in rows} == {"confirmed"}


@pytest.mark.parametrize(
    ("lines", "field"),
    [
        ({"NOPE-1": 1}, "lines.0.sku"),
        ({"COAT-M": 0}, "lines.0.quantity"),
        ({"COAT-M": 100}, "lines.0.quantity"),
    ],
)
def test_bad_lines_place_nothing(shop, lines, field):
    with pytest.raises(InvalidOrder) as refused:
        place(**lines)
    assert refused.value.field == field
    assert applications.get("orders").recorder.max_notification_id() is None


def test_mixed_currencies_and_unpublished_pieces_are_refused(shop):
    published_piece(uuid.uuid4(), "POUND-1", price="10.00", currency="GBP")
    draft = applications.get("catalog").create_product(designer_id=uuid.uuid4(), actor_id=None, name="Draft")
    applications.get("catalog").add_variant(draft, sku="DRAFT-1", size="S", actor_id=None, acting_designer_id=None)
    project_catalog()
    with pytest.raises(InvalidOrder, match="one currency"):
        place(**{"COAT-M": 1, "POUND-1": 1})
    with pytest.raises(InvalidOrder, match="not for sale"):
        place(**{"DRAFT-1": 1})


def released_for(order_id) -> list[Stock.ReservationReleased]:
    catalog = applications.get("catalog")
    stock_events = catalog.repository.event_store.get(stock_id("COAT-M"))
    return [e for e in stock_events if isinstance(e, Stock.ReservationReleased) and e.order_id == order_id]


def test_the_expiry_job_cancels_only_orders_past_their_deadline(shop, settings):
    """On a controlled clock: the 30-minute window passes for one order, not for a later one nor for one in
    negotiation; the expired order's units go back through the inventory policy, once."""
    from ocg.orders.tasks import expire_unpaid_orders

    settings.ORDER_PAYMENT_WINDOW_SECONDS = 30 * 60
    orders = applications.get("orders")
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        due, negotiating = place(**{"COAT-M": 1})[0], place(**{"COAT-M": 1})[0]
        settle()
        order = orders.order(negotiating)
        order.open_negotiation(None)
        orders.save(order)
        clock.move_to(start + timedelta(minutes=10))
        fresh = place(**{"COAT-M": 1})[0]
        settle()
        assert stock("COAT-M") == (3, 3, 0)

        clock.move_to(start + timedelta(minutes=30) - timedelta(seconds=1))
        assert expire_unpaid_orders() == 0
        OrderView.objects.filter(id=fresh).update(pay_by=start)
        assert expire_unpaid_orders() == 0, "the read model only proposes: the order's own deadline decides"

        clock.move_to(start + timedelta(minutes=30, seconds=1))
        assert expire_unpaid_orders() == 1
        assert expire_unpaid_orders() == 0, "an expired order is not expired again"
        settle()
        assert (status(due), status(negotiating), status(fresh)) == ("cancelled", "negotiating", "confirmed")
        assert stock("COAT-M") == (3, 2, 1)
        assert [e.reason for e in released_for(due)] == ["expired unpaid"]
        assert applications.get("catalog").repository.get(reservation_id(due)).state == "released"
        steps = list(OrderStatusChange.objects.filter(order_id=due).values_list("step", flat=True))
        assert steps == ["place", "confirm", "expire"]

        heads = [applications.get(name).recorder.max_notification_id() for name in ("catalog", "orders")]
        settle()
        assert [applications.get(name).recorder.max_notification_id() for name in ("catalog", "orders")] == heads

        clock.move_to(start + timedelta(minutes=40, seconds=1))
        assert expire_unpaid_orders() == 1
        settle()
        assert (status(negotiating), status(fresh)) == ("negotiating", "cancelled")
        assert stock("COAT-M") == (3, 1, 2), "the negotiating order keeps its unit"
        assert len(released_for(due)) == 1 and len(released_for(negotiating)) == 0
