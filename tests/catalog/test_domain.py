"""Given events, when a command, then these events (or this error). No database."""

from decimal import Decimal
from uuid import uuid4

import pytest

from ocg.catalog.domain import InvalidProduct, NotProductOwner, Product


def new_product(**overrides) -> Product:
    fields = {"name": "Silk Gown", "price": Decimal("2400.00"), "currency": "EUR", "designer_id": uuid4()}
    fields.update(overrides)
    return Product.create(**fields)


def test_create_emits_created_with_the_given_fields():
    designer = uuid4()
    product = new_product(name="  Silk Gown ", designer_id=designer)
    [created] = product.collect_events()
    assert isinstance(created, Product.Created)
    assert (created.name, created.price, created.currency, created.designer_id) == (
        "Silk Gown",
        Decimal("2400.00"),
        "EUR",
        designer,
    )
    assert created.originator_version == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"price": Decimal("0")}, "price"),
        ({"price": Decimal("-5")}, "price"),
        ({"price": Decimal("1.005")}, "price"),
        ({"price": Decimal("NaN")}, "price"),
        ({"price": 12.5}, "price"),
        ({"currency": "XXX"}, "currency"),
    ],
)
def test_create_refuses_bad_input_with_the_field_at_fault(overrides, field):
    with pytest.raises(InvalidProduct) as raised:
        new_product(**overrides)
    assert raised.value.field == field
    assert raised.value.code == "invalid"


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
