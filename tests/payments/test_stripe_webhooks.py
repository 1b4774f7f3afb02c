"""Stripe's webhooks at /api/payments/webhooks/stripe: the signature, the timestamp tolerance and replays.

A forged, stale or unreadable notification answers 400 and changes nothing; a verified one is applied once
per Stripe event id, whatever number of times it arrives.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
from django.db import connection

from ocg.payments.models import PaymentView
from ocg.spine.eventstore import applications, events_table
from tests.orders import api_support
from tests.orders.shop import settle
from tests.payments import stripe_support
from tests.payments.stripe_support import (
    awaiting_payment,
    confirm_at_stripe,
    intent_of,
    paid_payload,
    pay,
    post_webhook,
    status_of,
    stripe_event,
)

shop = api_support.shop
stripe_on = stripe_support.stripe_on


@pytest.fixture
def succeeded(client, shop, stripe_on) -> dict[str, Any]:
    """An order paid at localstripe whose `payment_intent.succeeded` has not reached us yet."""
    order_id = awaiting_payment(shop.cleo, **{"SHIRT-M": 1})
    result = paid_payload(pay(client, shop.cleo, order_id, str(uuid.uuid4())))["result"]
    intent_id = intent_of(result["paymentId"])
    confirm_at_stripe(stripe_on, intent_id)
    event = stripe_event(stripe_on, "payment_intent.succeeded", intent_id)
    return {"order_id": order_id, "payment_id": uuid.UUID(result["paymentId"]), "intent": intent_id, "event": event}


def payment_events(payment_id: uuid.UUID) -> list[str]:
    return [type(e).__qualname__ for e in applications.get("payments").repository.event_store.get(payment_id)]


def order_paid_events(order_id: uuid.UUID) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {events_table(applications.get('orders'))} "
            "WHERE originator_id = %s AND topic LIKE %s",
            [order_id, "%Order.Paid"],
        )
        return cursor.fetchone()[0]


def refused(response: Any) -> str:
    assert response.status_code == 400, response.content
    return response.json()["code"]


def test_a_forged_signature_changes_nothing(client, succeeded):
    before = payment_events(succeeded["payment_id"])
    assert refused(post_webhook(client, succeeded["event"], secret="whsec_someone_else")) == "webhook_invalid"
    tampered = {**succeeded["event"], "id": "evt_forged"}
    body = stripe_support.signed(succeeded["event"])
    answer = client.post(
        "/api/payments/webhooks/stripe",
        data=json.dumps(tampered).encode(),
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=body["HTTP_STRIPE_SIGNATURE"],
    )
    assert refused(answer) == "webhook_invalid", "the signature covers the body as sent"
    unsigned = client.post("/api/payments/webhooks/stripe", data=b"{}", content_type="application/json")
    assert refused(unsigned) == "webhook_invalid"
    assert refused(post_webhook(client, b"this is not json")) == "webhook_invalid"
    assert payment_events(succeeded["payment_id"]) == before
    settle()
    assert status_of(succeeded["order_id"]) == "awaiting_payment"


def test_an_old_signature_is_refused_and_one_within_the_tolerance_taken(client, succeeded, settings):
    tolerance = settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS
    stale = post_webhook(client, succeeded["event"], at=int(time.time()) - tolerance - 30)
    assert refused(stale) == "webhook_invalid"
    assert "Succeeded" not in payment_events(succeeded["payment_id"])
    late = post_webhook(client, succeeded["event"], at=int(time.time()) - tolerance + 30)
    assert late.status_code == 200 and late.json()["outcome"] == "succeeded", late.content


def test_a_webhook_delivered_twice_is_applied_once(client, succeeded):
    first = post_webhook(client, succeeded["event"])
    again = post_webhook(client, succeeded["event"])
    assert (first.status_code, first.json()["outcome"]) == (200, "succeeded")
    assert (again.status_code, again.json()["outcome"]) == (200, "duplicate")
    settle()
    assert post_webhook(client, succeeded["event"]).json()["outcome"] == "duplicate"
    settle()
    events = payment_events(succeeded["payment_id"])
    assert events.count("Payment.Succeeded") == 1 and events.count("Payment.ProviderEventReceived") == 1
    assert order_paid_events(succeeded["order_id"]) == 1
    assert status_of(succeeded["order_id"]) == "paid"


def test_an_event_about_another_payment_or_of_another_kind_is_acknowledged_and_ignored(client, succeeded):
    stranger = {
        **succeeded["event"],
        "id": "evt_stranger",
        "data": {"object": {**succeeded["event"]["data"]["object"], "id": "pi_notours"}},
    }
    assert post_webhook(client, stranger).json()["outcome"] == "unknown_payment"
    other_kind = {"id": "evt_customer", "type": "customer.created", "data": {"object": {"id": "cus_1"}}}
    assert post_webhook(client, other_kind).json()["outcome"] == "ignored"
    assert "Succeeded" not in " ".join(payment_events(succeeded["payment_id"]))


def test_a_success_for_another_amount_changes_nothing(client, succeeded):
    intent = succeeded["event"]["data"]["object"]
    wrong = {
        **succeeded["event"],
        "id": "evt_wrong_amount",
        "data": {"object": {**intent, "amount": intent["amount"] - 1, "amount_received": intent["amount"] - 1}},
    }
    answer = post_webhook(client, wrong)
    assert answer.status_code == 409 and answer.json()["code"] == "illegal_payment_step", answer.content
    assert "Payment.Succeeded" not in payment_events(succeeded["payment_id"])
    settle()
    assert PaymentView.objects.get(id=succeeded["payment_id"]).status == "requires_action"
    assert status_of(succeeded["order_id"]) == "awaiting_payment"
    assert post_webhook(client, succeeded["event"]).json()["outcome"] == "succeeded", "the true one still counts"


def test_a_decline_frees_the_order_and_a_later_success_on_the_same_intent_still_pays_it(client, shop, stripe_on):
    order_id = awaiting_payment(shop.cleo, **{"SHIRT-M": 1})
    result = paid_payload(pay(client, shop.cleo, order_id, str(uuid.uuid4())))["result"]
    payment_id, intent_id = uuid.UUID(result["paymentId"]), intent_of(result["paymentId"])
    intent = stripe_support.stripe_client(stripe_on).v1.payment_intents.retrieve(intent_id).to_dict()
    declined = {
        "id": f"evt_declined_{intent_id}",
        "type": "payment_intent.payment_failed",
        "data": {"object": {**intent, "last_payment_error": {"message": "Your card was declined."}}},
    }
    assert post_webhook(client, declined).json()["outcome"] == "failed"
    settle()
    row = PaymentView.objects.get(id=payment_id)
    assert (row.status, row.failure) == ("failed", "Your card was declined.")

    confirm_at_stripe(stripe_on, intent_id)  # the customer tries another card on the same intent
    assert post_webhook(client, stripe_event(stripe_on, "payment_intent.succeeded", intent_id)).json()["outcome"] == (
        "succeeded"
    )
    settle()
    assert status_of(order_id) == "paid"
    assert applications.get("orders").order(order_id).paid_by == payment_id
