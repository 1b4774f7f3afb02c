"""Refunds and an order's payments over REST under /api/payments/: the customer asks (an Idempotency-Key
required), staff decide; other people's orders and refunds do not exist for a caller; bad input is a 4xx
naming the field and changes nothing."""

from __future__ import annotations

from uuid import uuid4

from ocg.payments.models import PaymentAuditEntry, RefundView
from tests.payments import refund_support
from tests.payments.refund_support import bearer, paid_order, wait_for_refund

shop = refund_support.shop
followers = refund_support.followers
paypal = refund_support.paypal


def post(client, user, url, body, key=None):
    headers = bearer(user)
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(url, body, content_type="application/json", **headers)


def test_a_refund_asked_approved_and_confirmed_over_rest(client, shop, followers, paypal):
    order = paid_order(paypal, shop.cleo, **{"COAT-M": 1})
    url = f"/api/payments/orders/{order}/refunds"

    missing = post(client, shop.cleo, url, {"reason": "Too big"})
    assert missing.status_code == 400 and RefundView.objects.count() == 0

    key = str(uuid4())
    created = post(client, shop.cleo, url, {"reason": "Too big", "amount": "300.00"}, key=key)
    assert created.status_code == 201, created.content
    refund = created.json()
    assert (refund["state"], refund["requested"], refund["currency"], refund["approved"]) == (
        "requested",
        "300.00",
        "EUR",
        None,
    )
    replayed = post(client, shop.cleo, url, {"reason": "Too big", "amount": "300.00"}, key=key)
    assert replayed.status_code == 201 and replayed.json()["id"] == refund["id"]
    assert replayed["Idempotent-Replayed"] == "true"
    other_body = post(client, shop.cleo, url, {"reason": "Too big", "amount": "1.00"}, key=key)
    assert other_body.status_code == 422 and RefundView.objects.count() == 1

    as_customer = post(client, shop.cleo, f"/api/payments/refunds/{refund['id']}/approve", {"note": "Mine"})
    assert as_customer.status_code == 403 and as_customer.json()["code"] == "permission_denied"
    approved = post(client, shop.staff, f"/api/payments/refunds/{refund['id']}/approve", {"amount": "250.00"})
    assert approved.status_code == 200, approved.content
    assert approved.json()["approved"] == "250.00"
    wait_for_refund(refund["id"], "confirmed")

    seen = client.get(f"/api/payments/refunds/{refund['id']}", **bearer(shop.cleo))
    assert seen.status_code == 200 and seen.json()["state"] == "confirmed"
    assert client.get(f"/api/payments/refunds/{refund['id']}", **bearer(shop.dan)).status_code == 404
    payments = client.get(f"/api/payments/orders/{order}/payments", **bearer(shop.cleo)).json()
    assert [(p["status"], p["captured"], p["refunded"], p["refundable"]) for p in payments] == [
        ("partially_refunded", "1200.00", "250.00", "950.00")
    ]
    assert payments[0]["refunds"][0]["id"] == refund["id"]
    assert client.get(f"/api/payments/orders/{order}/payments", **bearer(shop.dan)).status_code == 404
    assert client.get(f"/api/payments/orders/{order}/payments", **bearer(shop.ada)).status_code == 200


def test_bad_input_is_a_4xx_naming_the_field_and_changes_nothing(client, shop, followers, paypal):
    order = paid_order(paypal, shop.cleo, **{"COAT-M": 1})
    url = f"/api/payments/orders/{order}/refunds"
    before = PaymentAuditEntry.objects.count()
    cases = [
        (shop.cleo, {"reason": "x", "amount": "1200.01"}, 400, "amount"),
        (shop.cleo, {"reason": "x", "amount": "ten"}, 400, "amount"),
        (shop.cleo, {"reason": "x", "skus": ["NOPE"]}, 400, "skus.0"),
        (shop.cleo, {"reason": ""}, 400, "reason"),
        (shop.cleo, {"amount": "1.00"}, 422, "reason"),
        (shop.cleo, {"reason": "x" * 1001}, 422, "reason"),
        (shop.dan, {"reason": "Not mine"}, 403, "order_id"),
    ]
    for user, body, status, field in cases:
        response = post(client, user, url, body, key=str(uuid4()))
        assert response.status_code == status, (body, response.content)
        assert [error["field"] for error in response.json()["errors"]] == [field], (body, response.json())
    unpaid = refund_support.place(shop.dan, **{"SHIRT-M": 1})[0]
    refused = post(client, shop.dan, f"/api/payments/orders/{unpaid}/refunds", {"reason": "x"}, key=str(uuid4()))
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_refund"
    assert PaymentAuditEntry.objects.count() == before and RefundView.objects.count() == 0

    refund = post(client, shop.cleo, url, {"reason": "Too big"}, key=str(uuid4())).json()
    rejected = post(client, shop.staff, f"/api/payments/refunds/{refund['id']}/reject", {"note": "Worn"})
    assert rejected.status_code == 200 and rejected.json()["state"] == "rejected"
    again = post(client, shop.staff, f"/api/payments/refunds/{refund['id']}/approve", {})
    assert again.status_code == 400 and again.json()["code"] == "invalid_refund"
    unknown = post(client, shop.staff, f"/api/payments/refunds/{uuid4()}/reject", {"note": "x"})
    assert unknown.status_code == 404


def test_staff_list_every_refund_filtered_and_customers_their_own(client, shop, followers, paypal):
    cleo = paid_order(paypal, shop.cleo, **{"COAT-M": 1})
    dan = paid_order(paypal, shop.dan, **{"SHIRT-M": 1})
    mine = post(client, shop.cleo, f"/api/payments/orders/{cleo}/refunds", {"reason": "a"}, key=str(uuid4())).json()
    theirs = post(client, shop.dan, f"/api/payments/orders/{dan}/refunds", {"reason": "b"}, key=str(uuid4())).json()
    post(client, shop.staff, f"/api/payments/refunds/{theirs['id']}/reject", {"note": "No"})

    own = client.get("/api/payments/refunds", **bearer(shop.cleo)).json()
    assert [item["id"] for item in own["items"]] == [mine["id"]] and own["count"] == 1
    everything = client.get("/api/payments/refunds?limit=1", **bearer(shop.staff)).json()
    assert everything["count"] == 2 and everything["next_cursor"]
    following = client.get(f"/api/payments/refunds?limit=1&cursor={everything['next_cursor']}", **bearer(shop.staff))
    assert {everything["items"][0]["id"], following.json()["items"][0]["id"]} == {mine["id"], theirs["id"]}
    rejected = client.get("/api/payments/refunds?status=rejected&sla_state=on_time", **bearer(shop.staff)).json()
    assert [item["id"] for item in rejected["items"]] == [theirs["id"]]
    wrong = client.get("/api/payments/refunds?status=lost", **bearer(shop.staff))
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "status.0"
