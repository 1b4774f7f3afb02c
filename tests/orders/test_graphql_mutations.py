"""The order's steps over GraphQL on PostgreSQL, with the saga running: each party takes its own steps and
reads the result back; a wrong party, an illegal step or bad input is a field error with a code, and the
order is unchanged."""

from __future__ import annotations

import uuid

import pytest

from ocg.catalog.models import VariantView
from ocg.orders.models import OrderStatusChange, OrderView
from tests.orders import api_support
from tests.orders.api_support import field_errors, graphql, paid, place, wait_for_status

shop = api_support.shop
followers = api_support.followers

RESULT = "errors { field code message } pending id result { id status allowedSteps tracking { carrier trackingNumber } timeline { step actorId details } }"  # noqa: E501
CANCEL = f"mutation($id: UUID!, $reason: String) {{ orderCancel(id: $id, reason: $reason) {{ {RESULT} }} }}"
REQUEST_PAYMENT = f"mutation($id: UUID!) {{ orderRequestPayment(id: $id) {{ {RESULT} }} }}"
IN_PRODUCTION = f"mutation($id: UUID!) {{ orderMarkInProduction(id: $id) {{ {RESULT} }} }}"
SHIPPED = (
    "mutation($id: UUID!, $carrier: String!, $tracking: String!) "
    f"{{ orderMarkShipped(id: $id, carrier: $carrier, trackingNumber: $tracking) {{ {RESULT} }} }}"
)
DELIVERED = f"mutation($id: UUID!) {{ orderMarkDelivered(id: $id) {{ {RESULT} }} }}"
COMPLETE = f"mutation($id: UUID!) {{ orderComplete(id: $id) {{ {RESULT} }} }}"


def run(client, user, mutation: str, **variables) -> dict:
    body = graphql(client, user, mutation, **variables)
    assert "errors" not in body, body
    return next(iter(body["data"].values()))


def unchanged(order_id) -> tuple:
    row = OrderView.objects.get(id=order_id)
    return row.status, row.version, OrderStatusChange.objects.filter(order_id=order_id).count()


@pytest.fixture
def confirmed(shop, followers):
    """A confirmed order of Cleo's for Ada's coat (2 units held)."""
    [order_id] = place(shop.cleo, **{"COAT-M": 2})
    wait_for_status(order_id, "confirmed")
    return str(order_id)


def test_the_customer_cancels_with_a_reason_and_the_stock_goes_back(client, shop, confirmed):
    assert VariantView.objects.get(sku="COAT-M").reserved == 2
    payload = run(client, shop.cleo, CANCEL, id=confirmed, reason="Found another coat")
    assert payload["errors"] == [] and payload["pending"] is False and payload["id"] == confirmed
    assert payload["result"]["status"] == "CANCELLED" and payload["result"]["allowedSteps"] == []
    last = payload["result"]["timeline"][-1]
    assert last == {"step": "cancel", "actorId": str(shop.cleo.id), "details": '{"reason": "Found another coat"}'}
    api_support.eventually(lambda: VariantView.objects.get(sku="COAT-M").reserved == 0, "the stock to be released")


def test_only_the_orders_customer_or_staff_cancel_it(client, shop, confirmed):
    before = unchanged(confirmed)
    for user in (shop.dan, shop.ada):
        payload = run(client, user, CANCEL, id=confirmed)
        assert field_errors(payload) == {("id", "permission_denied")} and payload["result"] is None
    assert unchanged(confirmed) == before
    payload = run(client, shop.staff, CANCEL, id=confirmed, reason="Fraud check")
    assert payload["result"]["status"] == "CANCELLED"
    assert payload["result"]["timeline"][-1]["actorId"] == str(shop.staff.id)


def test_a_made_to_order_piece_goes_through_production_shipping_delivery_and_completion(client, shop, followers):
    [order_id] = place(shop.cleo, **{"GOWN-M": 1})
    wait_for_status(order_id, "confirmed")
    order_id = str(order_id)
    assert run(client, shop.cleo, REQUEST_PAYMENT, id=order_id)["result"]["status"] == "AWAITING_PAYMENT"
    paid(uuid.UUID(order_id))
    wait_for_status(order_id, "paid")
    assert run(client, shop.ada, IN_PRODUCTION, id=order_id)["result"]["status"] == "IN_PRODUCTION"
    shipped = run(client, shop.ada, SHIPPED, id=order_id, carrier="DHL Express", tracking="JD0146 0000 1234")
    assert shipped["result"]["status"] == "SHIPPED"
    assert shipped["result"]["tracking"] == {"carrier": "DHL Express", "trackingNumber": "JD0146 0000 1234"}
    assert run(client, shop.staff, DELIVERED, id=order_id)["result"]["status"] == "DELIVERED"
    assert field_errors(run(client, shop.ada, COMPLETE, id=order_id)) == {(None, "permission_denied")}
    completed = run(client, shop.staff, COMPLETE, id=order_id)["result"]
    assert completed["status"] == "COMPLETED"
    assert [entry["step"] for entry in completed["timeline"]] == [
        "place",
        "confirm",
        "request_payment",
        "pay",
        "start_production",
        "ship",
        "deliver",
        "complete",
    ]


def test_a_shipped_order_cannot_be_cancelled(client, shop, confirmed):
    paid(uuid.UUID(confirmed))
    run(client, shop.ada, SHIPPED, id=confirmed, carrier="UPS", tracking="1Z999")
    before = unchanged(confirmed)
    for user in (shop.cleo, shop.staff):
        payload = run(client, user, CANCEL, id=confirmed, reason="Too late")
        assert field_errors(payload) == {("status", "illegal_transition")}
        assert "shipped" in payload["errors"][0]["message"] and "cancel" in payload["errors"][0]["message"]
    assert unchanged(confirmed) == before


def test_nobody_marks_someone_elses_order_shipped(client, shop, confirmed):
    paid(uuid.UUID(confirmed))
    wait_for_status(confirmed, "paid")
    before = unchanged(confirmed)
    variables = {"id": confirmed, "carrier": "UPS", "tracking": "1Z999"}
    assert field_errors(run(client, shop.ben, SHIPPED, **variables)) == {("id", "permission_denied")}
    assert field_errors(run(client, shop.cleo, SHIPPED, **variables)) == {(None, "permission_denied")}
    anonymous = run(client, None, SHIPPED, **variables)
    assert field_errors(anonymous) == {(None, "unauthenticated")}
    assert unchanged(confirmed) == before


BAD_STEPS = [
    ("an unknown order", CANCEL, {"id": "00000000-0000-4000-8000-000000000000"}, ("id", "not_found")),
    ("a reason too long", CANCEL, {"reason": "x" * 501}, ("reason", "invalid")),
    ("a NUL in the reason", CANCEL, {"reason": "a\x00b"}, ("reason", "invalid")),
    ("payment asked twice", REQUEST_PAYMENT, {}, None),
    ("production before payment", IN_PRODUCTION, {}, ("status", "illegal_transition")),
    ("shipped before payment", SHIPPED, {"carrier": "UPS", "tracking": "1Z"}, ("status", "illegal_transition")),
    ("delivered before shipping", DELIVERED, {}, ("status", "illegal_transition")),
    ("completed before delivery", COMPLETE, {}, ("status", "illegal_transition")),
]


@pytest.mark.parametrize(("label", "mutation", "variables", "expected"), BAD_STEPS, ids=[c[0] for c in BAD_STEPS])
def test_refused_steps_name_the_field_and_change_nothing(client, shop, confirmed, label, mutation, variables, expected):
    user = shop.staff
    if expected is None:  # the second request_payment
        run(client, shop.cleo, REQUEST_PAYMENT, id=confirmed)
        expected = ("status", "illegal_transition")
    before = unchanged(confirmed)
    payload = run(client, user, mutation, **{"id": confirmed, **variables})
    assert field_errors(payload) == {expected} and payload["result"] is None
    assert unchanged(confirmed) == before


def test_shipping_details_are_checked(client, shop, confirmed):
    paid(uuid.UUID(confirmed))
    wait_for_status(confirmed, "paid")
    before = unchanged(confirmed)
    cases = [
        ({"carrier": " ", "tracking": "1Z"}, "carrier"),
        ({"carrier": "UPS", "tracking": "x" * 81}, "trackingNumber"),
    ]
    for variables, field in cases:
        assert field_errors(run(client, shop.ada, SHIPPED, id=confirmed, **variables)) == {(field, "invalid")}
    assert unchanged(confirmed) == before
    wrong_product = run(client, shop.ada, IN_PRODUCTION, id=confirmed)
    assert field_errors(wrong_product) == {("status", "invalid")}, "a coat off the rack is not made to order"


def test_a_step_sent_again_with_its_key_is_answered_once(client, shop, confirmed):
    headers = {"HTTP_IDEMPOTENCY_KEY": "cancel-once"}
    first = graphql(client, shop.cleo, CANCEL, headers=headers, id=confirmed)
    steps = OrderStatusChange.objects.filter(order_id=confirmed).count()
    again = graphql(client, shop.cleo, CANCEL, headers=headers, id=confirmed)
    assert again == first and first["data"]["orderCancel"]["result"]["status"] == "CANCELLED"
    assert OrderStatusChange.objects.filter(order_id=confirmed).count() == steps
