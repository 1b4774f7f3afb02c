"""OrderPlace over GraphQL on PostgreSQL: a checkout becomes one order per designer, confirmed by the saga; every
bad input is a field error with a code and places nothing; the idempotency key is required and honoured."""

from __future__ import annotations

import uuid

import pytest

from ocg.catalog.models import VariantView
from ocg.spine.eventstore import applications
from tests.orders import api_support
from tests.orders.api_support import field_errors, graphql, placed_count, wait_for_status
from tests.orders.shop import ADDRESS, CONTACT, project_catalog

PLACE = """
mutation($input: OrderPlaceInput!, $key: String) {
  orderPlace(input: $input, idempotencyKey: $key) {
    errors { field code message }
    pending checkoutId orderIds
    result { id orders { id number status designerId customerId itemCount total { amount currency }
             lines { sku productName size quantity unitPrice { amount currency } lineTotal { amount } madeToOrder } } }
  }
}
"""
ORDER = """
query($id: UUID, $number: String) {
  order(id: $id, number: $number) {
    id number status allowedSteps payByDeadline total { amount currency } madeToOrder
    contact { email name phone } shippingAddress { name line1 line2 city postalCode region country }
    tracking { carrier trackingNumber } shortages { sku missing }
    timeline { version step status actorId at details }
  }
}
"""
shop = api_support.shop
followers = api_support.followers
GRAPHQL_ADDRESS = {
    "name": ADDRESS["name"],
    "line1": ADDRESS["line1"],
    "city": ADDRESS["city"],
    "postalCode": ADDRESS["postal_code"],
    "country": ADDRESS["country"],
}


def checkout(**lines: int) -> dict:
    return {
        "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in lines.items()],
        "contact": dict(CONTACT),
        "shippingAddress": dict(GRAPHQL_ADDRESS),
    }


def place(client, user, order_input: dict, key: str | None = None, **extra):
    body = graphql(client, user, PLACE, input=order_input, key=key or str(uuid.uuid4()), **extra)
    return body["data"]["orderPlace"]


def order_count() -> int:
    return placed_count()


def test_a_checkout_is_placed_one_order_per_designer_then_confirmed(client, shop, followers):
    payload = place(client, shop.cleo, checkout(**{"COAT-M": 2, "SHIRT-M": 1, "GOWN-M": 1}))
    assert payload["errors"] == [] and payload["pending"] is False
    orders = payload["result"]["orders"]
    assert payload["result"]["id"] == payload["checkoutId"]
    assert sorted(payload["orderIds"]) == sorted(order["id"] for order in orders)
    by_designer = {order["designerId"]: order for order in orders}
    assert set(by_designer) == {str(shop.ada.id), str(shop.ben.id)}
    ada = by_designer[str(shop.ada.id)]
    assert ada["status"] in ("PLACED", "CONFIRMED"), "placed, unless the saga was that quick"
    assert (ada["customerId"], ada["itemCount"]) == (str(shop.cleo.id), 3)
    assert ada["total"] == {"amount": "4800.00", "currency": "EUR"}
    assert ada["lines"][0] == {
        "sku": "COAT-M",
        "productName": "Piece COAT-M",
        "size": "M",
        "quantity": 2,
        "unitPrice": {"amount": "1200.00", "currency": "EUR"},
        "lineTotal": {"amount": "2400.00"},
        "madeToOrder": False,
    }
    assert ada["lines"][1]["madeToOrder"] is True
    assert ada["number"].startswith("OCG-")

    wait_for_status(ada["id"], "confirmed")
    shown = graphql(client, shop.cleo, ORDER, id=ada["id"])["data"]["order"]
    assert shown["status"] == "CONFIRMED" and shown["payByDeadline"] is not None
    assert "cancel" in shown["allowedSteps"] and "request_payment" in shown["allowedSteps"]
    assert shown["madeToOrder"] is True and shown["tracking"] is None and shown["shortages"] == []
    assert shown["contact"] == {"email": "ada@example.com", "name": "Ada", "phone": ""}
    assert shown["shippingAddress"]["postalCode"] == "75002" and shown["shippingAddress"]["line2"] == ""
    assert [(entry["step"], entry["status"]) for entry in shown["timeline"]] == [
        ("place", "PLACED"),
        ("confirm", "CONFIRMED"),
    ]
    assert shown["timeline"][0]["actorId"] == str(shop.cleo.id)
    assert shown["timeline"][1]["actorId"] is None
    assert VariantView.objects.get(sku="COAT-M").reserved == 2
    by_number = graphql(client, shop.cleo, ORDER, number=ada["number"].lower())["data"]["order"]
    assert by_number["id"] == ada["id"]


def test_an_order_short_of_stock_is_rejected_with_its_shortages(client, shop, followers):
    payload = place(client, shop.cleo, checkout(**{"SHOE-M": 3}))
    [order_id] = payload["orderIds"]
    wait_for_status(order_id, "rejected")
    shown = graphql(client, shop.cleo, ORDER, id=order_id)["data"]["order"]
    assert shown["status"] == "REJECTED" and shown["allowedSteps"] == []
    assert shown["shortages"] == [{"sku": "SHOE-M", "missing": 2}]
    assert shown["timeline"][-1]["details"] == '{"shortages": {"SHOE-M": 2}}'


def line(sku: str = "COAT-M", quantity: int = 1) -> dict:
    return {"sku": sku, "quantity": quantity}


def unpublish() -> dict:
    catalog = applications.get("catalog")
    product_id = VariantView.objects.get(sku="SHIRT-M").product_id
    catalog.unpublish(product_id, actor_id=None, acting_designer_id=None)
    project_catalog()
    return {"lines": [line("SHIRT-M")]}


BAD_INPUTS = [
    ("an unknown SKU", {"lines": [line("NOPE-1")]}, "lines.0.sku"),
    ("a SKU with a NUL", {"lines": [line("COAT\x00M")]}, "lines.0.sku"),
    ("a SKU with a lone surrogate", {"lines": [line("COAT\ud800")]}, "lines.0.sku"),
    ("a zero quantity", {"lines": [line(quantity=0)]}, "lines.0.quantity"),
    ("a negative quantity", {"lines": [line("SHIRT-M"), line(quantity=-2)]}, "lines.1.quantity"),
    ("too many of one SKU", {"lines": [line(quantity=60), line(quantity=60)]}, "lines.1.quantity"),
    ("no lines", {"lines": []}, "lines"),
    ("too many lines", {"lines": [line(f"SKU-{n}") for n in range(51)]}, "lines"),
    ("mixed currencies", {"lines": [line("COAT-M"), line("SCARF-GBP")]}, "lines"),
    ("no contact", {"contact": None}, "contact"),
    ("a contact without email", {"contact": {"name": "Cleo"}}, "contact.email"),
    ("a bad email", {"contact": {"email": "not-an-email"}}, "contact.email"),
    ("no address", {"shippingAddress": None}, "shippingAddress"),
    ("an address without a city", {"shippingAddress": {**GRAPHQL_ADDRESS, "city": None}}, "shippingAddress.city"),
    ("a blank postal code", {"shippingAddress": {**GRAPHQL_ADDRESS, "postalCode": " "}}, "shippingAddress.postalCode"),
    ("an unknown country", {"shippingAddress": {**GRAPHQL_ADDRESS, "country": "XX"}}, "shippingAddress.country"),
    ("a NUL in the name", {"shippingAddress": {**GRAPHQL_ADDRESS, "name": "A\x00"}}, "shippingAddress.name"),
]


@pytest.mark.parametrize(("label", "change", "field"), BAD_INPUTS, ids=[case[0] for case in BAD_INPUTS])
def test_bad_input_is_a_field_error_and_places_nothing(client, shop, label, change, field):
    before = order_count()
    payload = place(client, shop.cleo, {**checkout(**{"COAT-M": 1}), **change})
    assert field_errors(payload) == {(field, "invalid")}, payload
    assert payload["result"] is None and payload["orderIds"] is None
    assert order_count() == before


def test_an_unpublished_piece_cannot_be_ordered(client, shop):
    payload = place(client, shop.cleo, {**checkout(), **unpublish()})
    assert field_errors(payload) == {("lines.0.sku", "invalid")}
    assert "not for sale" in payload["errors"][0]["message"]
    assert order_count() == 0


def test_placing_needs_a_key_and_a_signed_in_caller(client, shop):
    query = "mutation($input: OrderPlaceInput!) { orderPlace(input: $input) { errors { code } } }"
    missing = graphql(client, shop.cleo, query, expect=400, input=checkout(**{"COAT-M": 1}))
    assert missing["errors"][0]["extensions"]["code"] == "idempotency_key_required"
    anonymous = graphql(client, None, PLACE, expect=401, input=checkout(**{"COAT-M": 1}), key="k-1")
    assert anonymous["errors"][0]["extensions"]["code"] == "unauthenticated"
    assert order_count() == 0


def test_a_retried_place_replays_its_answer_and_another_body_is_refused(client, shop, followers):
    key = str(uuid.uuid4())
    first = place(client, shop.cleo, checkout(**{"COAT-M": 1}), key=key)
    again = place(client, shop.cleo, checkout(**{"COAT-M": 1}), key=key)
    assert again == first
    assert order_count() == 1
    other = graphql(client, shop.cleo, PLACE, expect=422, input=checkout(**{"COAT-M": 2}), key=key)
    assert other["errors"][0]["extensions"]["code"] == "idempotency_key_reused"
    assert order_count() == 1
    refused = place(client, shop.cleo, checkout(**{"NOPE-1": 1}), key="fixed-later")
    assert field_errors(refused) == {("lines.0.sku", "invalid")}
    fixed = place(client, shop.cleo, checkout(**{"SHIRT-M": 1}), key="fixed-later")
    assert fixed["errors"] == [] and len(fixed["orderIds"]) == 1, "a refused input releases its key"
