"""Stock under concurrency on PostgreSQL: never oversold, never negative, reservations all or nothing."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from ocg.catalog.domain import OutOfStock, Stock, stock_id
from ocg.spine.domain.money import Money
from ocg.spine.errors import ConcurrencyConflict
from ocg.spine.eventstore import applications

LATER = datetime.now(UTC) + timedelta(minutes=30)


def variant_with_stock(catalog, sku: str, units: int) -> None:
    product = catalog.create_product(
        designer_id=uuid.uuid4(), actor_id=None, name=f"Piece {sku}", price=Money.parse("100.00", "EUR")
    )
    catalog.add_variant(product, sku=sku, size="M", actor_id=None, acting_designer_id=None)
    catalog.receive_stock(sku, units, actor_id=None, acting_designer_id=None)


def every_version(catalog, sku: str) -> list[Stock]:
    """The stock as it stood after each of its events, replayed from the store."""
    states, stock = [], None
    for domain_event in catalog.repository.event_store.get(stock_id(sku)):
        stock = domain_event.mutate(stock)
        states.append((stock.on_hand, stock.reserved, stock.available))
    return states


def test_fifty_buyers_of_the_last_ten_units_make_exactly_ten_reservations(catalog):
    variant_with_stock(catalog, "LAST-TEN", 10)
    start = threading.Barrier(50)
    outcomes: list[str] = []
    lock = threading.Lock()

    def buy() -> None:
        start.wait()
        try:
            applications.get("catalog").reserve_stock(uuid.uuid4(), {"LAST-TEN": 1}, LATER)
            outcome = "reserved"
        except OutOfStock as refusal:
            outcome = refusal.code
        except Exception as error:
            outcome = repr(error)
        with lock:
            outcomes.append(outcome)

    buyers = [threading.Thread(target=buy) for _ in range(50)]
    for buyer in buyers:
        buyer.start()
    for buyer in buyers:
        buyer.join(timeout=120)

    assert sorted(set(outcomes)) == ["out_of_stock", "reserved"], outcomes
    assert outcomes.count("reserved") == 10 and outcomes.count("out_of_stock") == 40
    stock = catalog.stock("LAST-TEN")
    assert (stock.on_hand, stock.reserved, stock.available) == (10, 10, 0)
    history = every_version(catalog, "LAST-TEN")
    assert all(available >= 0 and reserved <= on_hand for on_hand, reserved, available in history), history
    assert len(history) == 2 + 10 + 1, "created, received, ten reservations, one low-stock signal"


def test_a_reservation_of_several_skus_is_all_or_nothing(catalog):
    variant_with_stock(catalog, "COAT-ALL", 5)
    variant_with_stock(catalog, "SCARF-ALL", 1)
    order = uuid.uuid4()
    before = catalog.recorder.max_notification_id()

    with pytest.raises(OutOfStock) as refused:
        catalog.reserve_stock(order, {"COAT-ALL": 2, "SCARF-ALL": 2, "NOWHERE-1": 1}, LATER)

    assert refused.value.short == {"SCARF-ALL": 1, "NOWHERE-1": 1}
    assert catalog.recorder.max_notification_id() == before, "nothing was written"
    assert catalog.stock("COAT-ALL").available == 5

    assert catalog.reserve_stock(order, {"COAT-ALL": 2, "SCARF-ALL": 1}, LATER) is True
    assert catalog.reserve_stock(order, {"COAT-ALL": 2, "SCARF-ALL": 1}, LATER) is False, "a repeat changes nothing"
    assert (catalog.stock("COAT-ALL").available, catalog.stock("SCARF-ALL").available) == (3, 0)


def test_concurrent_adjustments_never_take_stock_below_zero(catalog):
    variant_with_stock(catalog, "ADJUST-1", 5)
    start = threading.Barrier(12)
    refused: list[str] = []

    def take_one() -> None:
        """As a client would: a 409 conflict is tried again; a refusal is final."""
        start.wait()
        while True:
            try:
                applications.get("catalog").adjust_stock(
                    "ADJUST-1", -1, "stock-take", actor_id=None, acting_designer_id=None
                )
                return
            except ConcurrencyConflict:
                continue
            except Exception as error:
                refused.append(getattr(error, "code", repr(error)))
                return

    workers = [threading.Thread(target=take_one) for _ in range(12)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    assert catalog.stock("ADJUST-1").on_hand == 0
    assert refused == ["invalid"] * 7
    assert all(available >= 0 for _on_hand, _reserved, available in every_version(catalog, "ADJUST-1"))
