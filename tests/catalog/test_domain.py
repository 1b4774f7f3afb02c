"""Given events, when a command, then these events (or this error). No database."""

from decimal import Decimal
from uuid import uuid4

import pytest

from ocg.catalog.domain import InvalidProduct, NotProductOwner, Product
from ocg.spine.domain.money import Money


def new_product(**overrides) -> Product:
    fields = {"name": "Silk Gown", "price": Decimal("2400.00"), "currency": "EUR", "designer_id": uuid4()}
    fields.update(overrides)
    return Product.create(**fields)


def test_create_emits_created_with_the_given_fields():
    designer = uuid4()
    product = new_product(name="  Silk Gown ", designer_id=designer)
    [created] = product.collect_events()
    assert isinstance(created, Product.Created)
    assert (created.name, created.price, created.designer_id) == (
        "Silk Gown",
        Money(Decimal("2400.00"), "EUR"),
        designer,
    )
    assert created.originator_version == 1


@pytest.mark.parametrize(
    ("price", "currency", "expected"),
    [
        (Decimal("2400"), "EUR", Money(Decimal("2400.00"), "EUR")),
        ("2400.5", "EUR", Money(Decimal("2400.50"), "EUR")),
        ("125000", "JPY", Money(Decimal("125000"), "JPY")),
        ("12.125", "BHD", Money(Decimal("12.125"), "BHD")),
        (Money(Decimal("10.00"), "GBP"), None, Money(Decimal("10.00"), "GBP")),
        (Money(Decimal("10.00"), "GBP"), "GBP", Money(Decimal("10.00"), "GBP")),
    ],
)
def test_the_price_is_one_money_value_from_an_amount_and_currency_or_a_money(price, currency, expected):
    [created] = new_product(price=price, currency=currency).collect_events()
    assert created.price == expected
    assert str(created.price.amount) == str(expected.amount)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": None}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "\ufb2c" * 67}, "name"),  # 67 code points, 201 once NFC decomposes each in three
        ({"name": "Silk\x00Gown"}, "name"),
        ({"name": "Silk\x1bGown"}, "name"),
        ({"name": "Silk\nGown"}, "name"),
        ({"name": "Silk\u202eGown"}, "name"),
        ({"name": "Silk\ud800Gown"}, "name"),
        ({"price": Decimal("0")}, "price"),
        ({"price": Decimal("-5")}, "price"),
        ({"price": Decimal("10000000.01")}, "price"),
        ({"price": Decimal("1.005")}, "price"),
        ({"price": Decimal("NaN")}, "price"),
        ({"price": 12.5}, "price"),
        ({"price": "1e3"}, "price"),
        ({"price": Decimal("10.50"), "currency": "JPY"}, "price"),
        ({"currency": "XXX"}, "currency"),
        ({"currency": "ABC"}, "currency"),
        ({"currency": None}, "currency"),
        ({"price": Money(Decimal("10.00"), "USD"), "currency": "EUR"}, "currency"),
    ],
)
def test_create_refuses_bad_input_with_the_field_at_fault(overrides, field):
    with pytest.raises(InvalidProduct) as raised:
        new_product(**overrides)
    assert raised.value.field == field
    assert raised.value.code == "invalid"


def test_the_name_length_counts_after_nfc():
    [created] = new_product(name="e\u0301" * 200).collect_events()  # 400 code points, 200 once composed
    assert created.name == "\u00e9" * 200


@pytest.mark.parametrize("name", ["", "Coat\x00", "x" * 201, "Coat\u2066"])
def test_rename_refuses_what_create_refuses_and_emits_nothing(name):
    product = new_product()
    product.collect_events()
    with pytest.raises(InvalidProduct) as raised:
        product.rename(name)
    assert raised.value.field == "name"
    assert product.collect_events() == []


def test_rename_emits_renamed_and_replays_to_the_same_state():
    product = new_product()
    product.rename("Silk Evening Gown")
    events = product.collect_events()
    assert [type(e) for e in events] == [Product.Created, Product.Renamed]
    assert events[1].name == "Silk Evening Gown"

    replayed = None
    for event in events:
        replayed = event.mutate(replayed)
    assert replayed.name == "Silk Evening Gown"
    assert replayed.version == 2


def test_rename_to_the_same_name_emits_nothing():
    product = new_product()
    product.collect_events()
    product.rename("Silk Gown")
    assert product.collect_events() == []


def test_rename_refuses_another_designer_and_emits_nothing():
    product = new_product()
    product.collect_events()
    with pytest.raises(NotProductOwner) as raised:
        product.rename("Stolen", acting_designer_id=uuid4())
    assert raised.value.code == "permission_denied"
    assert product.collect_events() == []


def test_staff_may_rename_any_product():
    product = new_product()
    product.collect_events()
    product.rename("Renamed by staff", acting_designer_id=None)
    assert [type(e) for e in product.collect_events()] == [Product.Renamed]
