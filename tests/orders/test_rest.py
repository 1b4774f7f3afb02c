"""The orders' REST API on PostgreSQL, with the saga running; every answer is checked against the OpenAPI document
(status and schema). Placing needs an Idempotency-Key; parties see and act on their own orders, staff on all;
each refusal names its field and changes nothing."""

from __future__ import annotations

import uuid

import pytest

from ocg.orders.models import OrderStatusChange, OrderView
from tests.catalog.rest_support import Api, field_errors
from tests.orders import api_support
from tests.orders.api_support import paid, place, placed_count, wait_for_status
from tests.orders.shop import ADDRESS, CONTACT

shop = api_support.shop
followers = api_support.followers
API = "/api/orders"


def checkout(**lines: int) -> dict:
    return {
        "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in lines.items()],
        "contact": dict(CONTACT),
        "shipping_address": dict(ADDRESS),
    }


def key() -> dict:
    return {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}


def unchanged(order_id) -> tuple:
    row = OrderView.objects.get(id=order_id)
    return row.status, row.version, OrderStatusChange.objects.filter(order_id=order_id).count()


def test_placing_answers_every_order_of_the_checkout_then_they_are_confirmed(client, shop, followers):
    response = Api(client, shop.cleo).post(API, checkout(**{"COAT-M": 1, "SHIRT-M": 2}), **key())
    assert response.status_code == 201, response.content
    body = response.json()
    assert {order["status"] for order in body["orders"]} <= {"placed", "confirmed"}, "the saga may be that quick"
    assert {order["designer_id"] for order in body["orders"]} == {str(shop.ada.id), str(shop.ben.id)}
    assert {order["checkout_id"] for order in body["orders"]} == {body["checkout_id"]}
    shirt = next(order for order in body["orders"] if order["designer_id"] == str(shop.ben.id))
    assert (shirt["total"], shirt["currency"], shirt["item_count"]) == ("300.00", "EUR", 2)
    assert shirt["lines"][0]["unit_price"] == "150.00" and shirt["lines"][0]["line_total"] == "300.00"
    assert shirt["timeline"][0]["step"] == "place" and shirt["timeline"][0]["actor_id"] == str(shop.cleo.id)
    wait_for_status(shirt["id"], "confirmed")
    detail = Api(client, shop.cleo).get(f"{API}/{shirt['id']}").json()
    assert detail["status"] == "confirmed" and detail["pay_by"] is not None
    assert [entry["step"] for entry in detail["timeline"]] == ["place", "confirm"]
    assert detail["shipping_address"]["line2"] == "" and detail["contact"]["phone"] == ""


def test_placing_needs_a_key_and_replays_it(client, shop, followers):
    api = Api(client, shop.cleo)
    missing = api.post(API, checkout(**{"COAT-M": 1}))
    assert missing.status_code == 400 and missing.json()["code"] == "idempotency_key_required"
    assert placed_count() == 0
    same = {"HTTP_IDEMPOTENCY_KEY": "rest-place-1"}
    first = api.post(API, checkout(**{"COAT-M": 1}), **same)
    again = api.post(API, checkout(**{"COAT-M": 1}), **same)
    assert again.status_code == first.status_code and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert placed_count() == 1
    other = api.post(API, checkout(**{"COAT-M": 2}), **same)
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert placed_count() == 1


def test_staff_place_for_a_customer_and_nobody_else_does(client, shop, followers):
    for_cleo = {**checkout(**{"COAT-M": 1}), "customer_id": str(shop.cleo.id)}
    response = Api(client, shop.staff).post(API, for_cleo, **key())
    assert response.status_code == 201, response.content
    [order] = response.json()["orders"]
    assert order["customer_id"] == str(shop.cleo.id)
    assert order["timeline"][0]["actor_id"] == str(shop.staff.id)
    foreign = Api(client, shop.dan).post(API, for_cleo, **key())
    assert foreign.status_code == 403 and field_errors(foreign) == {("customer_id", "permission_denied")}
    for_nobody = {**for_cleo, "customer_id": str(uuid.uuid4())}
    nobody = Api(client, shop.staff).post(API, for_nobody, **key())
    assert nobody.status_code == 400 and field_errors(nobody) == {("customer_id", "invalid")}
    assert placed_count() == 1


BAD_BODIES = [
    ("an unknown SKU", {"lines": [{"sku": "NOPE-1", "quantity": 1}]}, 400, ("lines.0.sku", "invalid")),
    ("a zero quantity", {"lines": [{"sku": "COAT-M", "quantity": 0}]}, 400, ("lines.0.quantity", "invalid")),
    ("a negative quantity", {"lines": [{"sku": "COAT-M", "quantity": -1}]}, 400, ("lines.0.quantity", "invalid")),
    ("too many lines", {"lines": [{"sku": f"S-{n}", "quantity": 1} for n in range(51)]}, 400, ("lines", "invalid")),
    (
        "mixed currencies",
        {"lines": [{"sku": "COAT-M", "quantity": 1}, {"sku": "SCARF-GBP", "quantity": 1}]},
        400,
        ("lines", "invalid"),
    ),
    (
        "an address without a city",
        {"shipping_address": {"name": "A", "line1": "1", "postal_code": "1", "country": "FR"}},
        422,
        ("shipping_address.city", "required"),
    ),
    ("a blank city", {"shipping_address": {**ADDRESS, "city": "  "}}, 400, ("shipping_address.city", "invalid")),
    ("a bad country", {"shipping_address": {**ADDRESS, "country": "XX"}}, 400, ("shipping_address.country", "invalid")),
    (
        "a country name",
        {"shipping_address": {**ADDRESS, "country": "France"}},
        422,
        ("shipping_address.country", "too_long"),
    ),
    ("a lone surrogate in a SKU", {"lines": [{"sku": "COAT\ud800", "quantity": 1}]}, 422, ("lines.0.sku", "invalid")),
    ("a bad email", {"contact": {"email": "nope"}}, 400, ("contact.email", "invalid")),
    ("a quantity as text", {"lines": [{"sku": "COAT-M", "quantity": "many"}]}, 422, ("lines.0.quantity", "invalid")),
]


@pytest.mark.parametrize(("label", "change", "status", "error"), BAD_BODIES, ids=[case[0] for case in BAD_BODIES])
def test_a_bad_checkout_is_refused_naming_its_field_and_places_nothing(client, shop, label, change, status, error):
    response = Api(client, shop.cleo).post(API, {**checkout(**{"COAT-M": 1}), **change}, **key())
    assert response.status_code == status, response.content
    assert field_errors(response) == {error}
    assert placed_count() == 0


@pytest.fixture
def orders(shop, followers) -> dict:
    cleo = place(shop.cleo, **{"COAT-M": 1})[0]
    cleo_shirt = place(shop.cleo, **{"SHIRT-M": 1})[0]
    dan = place(shop.dan, **{"GOWN-M": 1})[0]
    ada_buys = place(shop.ada, **{"SHIRT-M": 1})[0]
    for order_id in (cleo, cleo_shirt, dan, ada_buys):
        wait_for_status(order_id, "confirmed")
    return {"cleo": str(cleo), "cleo_shirt": str(cleo_shirt), "dan": str(dan), "ada_buys": str(ada_buys)}


def listed(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_lists_show_each_caller_their_own_orders_and_staff_everything(client, shop, orders):
    assert listed(Api(client, shop.cleo).get(API)) == [orders["cleo_shirt"], orders["cleo"]]
    assert listed(Api(client, shop.ada).get(API)) == [orders["ada_buys"], orders["dan"], orders["cleo"]]
    staff = Api(client, shop.staff)
    assert len(listed(staff.get(API))) == 4
    assert listed(staff.get(f"{API}?designer_id={shop.ben.id}")) == [orders["ada_buys"], orders["cleo_shirt"]]
    assert listed(staff.get(f"{API}?customer_id={shop.dan.id}&status=confirmed&status=placed")) == [orders["dan"]]
    assert listed(staff.get(f"{API}?status=cancelled")) == []
    number = OrderView.objects.get(id=orders["dan"]).number
    assert listed(staff.get(f"{API}?number={number.lower()}")) == [orders["dan"]]
    assert listed(Api(client, shop.cleo).get(f"{API}?number={number}")) == [], "not another customer's"

    first = staff.get(f"{API}?limit=3").json()
    assert len(first["items"]) == 3 and first["count"] == 4 and first["next_cursor"]
    rest = staff.get(f"{API}?limit=3&cursor={first['next_cursor']}").json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    assert not {item["id"] for item in first["items"]} & {item["id"] for item in rest["items"]}

    other_filter = staff.get(f"{API}?limit=3&status=confirmed&cursor={first['next_cursor']}")
    assert other_filter.status_code == 400 and field_errors(other_filter) == {("cursor", "invalid")}
    for bad in ("limit=0", "limit=101", "status=lost", f"customer_id={'x' * 5}"):
        assert staff.get(f"{API}?{bad}").status_code == 422, bad
    misspelt = staff.get(f"{API}?stauts=cancelled")
    assert misspelt.status_code == 400 and field_errors(misspelt) == {("stauts", "invalid")}
    nul = staff.get(f"{API}?number=%00")
    assert nul.status_code == 400 and field_errors(nul) == {("number", "invalid")}
    assert Api(client, None).get(API).status_code == 401


def test_an_order_is_shown_to_its_parties_only(client, shop, orders):
    for user in (shop.cleo, shop.ada, shop.staff):
        assert Api(client, user).get(f"{API}/{orders['cleo']}").status_code == 200
    for user in (shop.dan, shop.ben):
        response = Api(client, user).get(f"{API}/{orders['cleo']}")
        assert response.status_code == 404 and field_errors(response) == {("order_id", "not_found")}
        assert "Rue de la Paix" not in response.content.decode()


def step(client, user, order_id: str, path: str, body: dict | None = None):
    return Api(client, user).post(f"{API}/{order_id}/{path}", body)


def test_each_party_takes_its_own_steps(client, shop, orders):
    dan = orders["dan"]  # a made-to-order gown of Ada's
    assert step(client, shop.dan, dan, "request-payment").json()["status"] == "awaiting_payment"
    paid(uuid.UUID(dan))
    assert step(client, shop.ada, dan, "mark-in-production").json()["status"] == "in_production"
    shipped = step(client, shop.ada, dan, "ship", {"carrier": "DHL", "tracking_number": "JD014600"}).json()
    assert shipped["status"] == "shipped" and shipped["tracking"] == {"carrier": "DHL", "tracking_number": "JD014600"}
    assert step(client, shop.ada, dan, "deliver").json()["status"] == "delivered"
    refused = step(client, shop.ada, dan, "complete")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    completed = step(client, shop.staff, dan, "complete").json()
    assert completed["status"] == "completed" and completed["timeline"][-1]["actor_id"] == str(shop.staff.id)

    cancelled = step(client, shop.cleo, orders["cleo"], "cancel", {"reason": "Changed my mind"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["timeline"][-1]["details"] == {"reason": "Changed my mind"}


def test_refused_steps_name_their_field_and_change_nothing(client, shop, orders):
    cleo = orders["cleo"]
    paid(uuid.UUID(cleo))
    step(client, shop.ada, cleo, "ship", {"carrier": "UPS", "tracking_number": "1Z"})
    wait_for_status(cleo, "shipped")
    before = unchanged(cleo)
    cases = [
        (shop.cleo, "cancel", {"reason": "Too late"}, 409, ("status", "illegal_transition")),
        (shop.staff, "cancel", {"reason": ""}, 409, ("status", "illegal_transition")),
        (shop.ben, "deliver", None, 403, ("order_id", "permission_denied")),
        (shop.dan, "cancel", {"reason": ""}, 403, ("order_id", "permission_denied")),
        (shop.cleo, "deliver", None, 403, None),  # no permission to ship: refused before the order is read
        (shop.ada, "ship", {"carrier": "UPS", "tracking_number": "2Z"}, 409, ("status", "illegal_transition")),
        (shop.ada, "mark-in-production", None, 409, ("status", "illegal_transition")),
        (shop.staff, "cancel", {"reason": "x" * 501}, 422, ("reason", "too_long")),
        (shop.staff, "cancel", {}, 422, ("reason", "required")),
    ]
    for user, path, body, status, error in cases:
        response = step(client, user, cleo, path, body)
        expected = {error} if error else set()
        assert (response.status_code, field_errors(response)) == (status, expected), (user, path)
        assert response.json()["code"] == {422: "invalid"}.get(status, error[1] if error else "permission_denied")
    assert unchanged(cleo) == before

    shirt = orders["cleo_shirt"]
    paid(uuid.UUID(shirt))
    wait_for_status(shirt, "paid")
    before = unchanged(shirt)
    for body, field in (
        ({"carrier": "", "tracking_number": "1Z"}, "carrier"),
        ({"carrier": "UPS", "tracking_number": "\x00"}, "tracking_number"),
    ):
        response = step(client, shop.ben, shirt, "ship", body)
        assert (response.status_code, field_errors(response)) == (400, {(field, "invalid")})
    missing = step(client, shop.ben, shirt, "ship", {"carrier": "UPS"})
    assert (missing.status_code, field_errors(missing)) == (422, {("tracking_number", "required")})
    unknown = step(client, shop.staff, str(uuid.uuid4()), "deliver")
    assert (unknown.status_code, field_errors(unknown)) == (404, {("order_id", "not_found")})
    assert unchanged(shirt) == before
