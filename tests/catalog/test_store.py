"""Money through the real event store on PostgreSQL: stored exactly, read back equal, projected exactly."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from eventsourcing.domain import Aggregate, event

from ocg.catalog.models import ProductView
from ocg.spine.domain.money import Money
from tests.spine.workload import create_product


class Quote(Aggregate):
    """A test-only aggregate whose event nests Money inside a dict and a list, beside a bare Decimal."""

    class Made(Aggregate.Created):
        lines: dict
        rate: Decimal

    @event(Made)
    def __init__(self, lines: dict, rate: Decimal) -> None:
        self.lines = lines
        self.rate = rate


def stored_state(application, aggregate_id) -> dict:
    [stored] = application.recorder.select_events(aggregate_id)
    return json.loads(stored.state)


@pytest.mark.parametrize(
    ("amount", "currency"),
    [("2400.50", "EUR"), ("125000", "JPY"), ("12.125", "BHD"), ("0.10", "USD"), ("999999.99", "CHF")],
)
def test_a_products_price_is_stored_as_exact_text_and_read_back_equal(catalog, amount, currency):
    product_id = create_product(catalog, "Silk Gown", amount, currency)

    stored = stored_state(catalog, product_id)["price"]
    assert stored == {"_type_": "money", "_data_": {"amount": amount, "currency": currency}}
    price = catalog.repository.get(product_id).price
    assert isinstance(price, Money)
    assert (str(price.amount), price.currency) == (amount, currency)


def test_money_nested_in_containers_and_bare_decimals_round_trip(catalog):
    """Decimal needs nothing of ours: the library's default transcoder stores it as a string (DecimalAsStr)."""
    lines = {"coat": [Money(Decimal("10.50"), "EUR"), Money(Decimal("3"), "JPY")], "note": {"fee": Money(1, "BHD")}}
    quote = Quote(lines=lines, rate=Decimal("1.0800"))
    catalog.save(quote)

    state = stored_state(catalog, quote.id)
    assert state["rate"] == {"_type_": "decimal_str", "_data_": "1.0800"}
    assert state["lines"]["note"]["fee"] == {"_type_": "money", "_data_": {"amount": "1.000", "currency": "BHD"}}
    copy = catalog.repository.get(quote.id)
    assert copy.lines == lines
    assert [str(m.amount) for m in copy.lines["coat"]] == ["10.50", "3"]
    assert str(copy.rate) == "1.0800"


def test_the_projection_keeps_the_exact_amount_and_its_currency_and_rebuilds(catalog):
    ids = {
        create_product(catalog, "Coat", "2400.50", "EUR"): ("2400.50", "EUR"),
        create_product(catalog, "Kimono", "125000", "JPY"): ("125000", "JPY"),
        create_product(catalog, "Scarf", "12.125", "BHD"): ("12.125", "BHD"),
    }
    for _ in range(2):  # the second pass empties the read model and replays every event
        call_command("rebuild_projection", "catalog")
        rows = {row.id: row for row in ProductView.objects.all()}
        assert {product_id: (str(row.money.amount), row.currency) for product_id, row in rows.items()} == ids
        assert rows[next(iter(ids))].price == Decimal("2400.50")
