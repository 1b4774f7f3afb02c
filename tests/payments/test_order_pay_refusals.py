"""OrderPay refused: an order in the wrong state, someone else's, one already paid, a provider that hangs or
answers garbage. Each refusal is a clear error, and nothing is charged or changed: no intent at localstripe,
the order as it was."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from eventsourcing.application import AggregateNotFoundError

from ocg.payments.domain import slot_id
from ocg.payments.models import PaymentView
from ocg.spine.eventstore import applications
from ocg.spine.projections import ProjectionRunner, get_projection
from tests.orders import api_support
from tests.orders.api_support import bearer, place
from tests.orders.shop import settle
from tests.payments import stripe_support
from tests.payments.stripe_support import (
    awaiting_payment,
    confirm_at_stripe,
    intent_of,
    intents_for_order,
    paid_payload,
    pay,
    post_webhook,
    status_of,
    stripe_event,
)

shop = api_support.shop
stripe_on = stripe_support.stripe_on
local_server = stripe_support.local_server


def refusal(response: Any) -> tuple[str | None, str]:
    payload = paid_payload(response)
    assert payload["result"] is None
    [error] = payload["errors"]
    return error["field"], error["code"]


def nothing_charged(stripe_on: Any, order_id: uuid.UUID) -> bool:
    """No intent at localstripe, and no payment ever held the order's slot (read from the event store)."""
    try:
        applications.get("payments").repository.get(slot_id(order_id))
    except AggregateNotFoundError:
        return intents_for_order(stripe_on, order_id) == []
    return False


def confirmed(shop: Any) -> uuid.UUID:
    """Confirmed by the stock saga, not asked to be paid."""
    [order_id] = place(shop.cleo, **{"COAT-M": 1})
    settle()
    return order_id


def negotiating(shop: Any) -> uuid.UUID:
    order_id = awaiting_payment(shop.cleo, **{"COAT-M": 1})
    orders = applications.get("orders")
    order = orders.order(order_id)
    order.open_negotiation(shop.ada.id)
    orders.save(order)
    settle()
    return order_id


def cancelled(shop: Any) -> uuid.UUID:
    order_id = awaiting_payment(shop.cleo, **{"COAT-M": 1})
    applications.get("orders").cancel(order_id, reason="", actor_id=shop.cleo.id, acting_customer_id=shop.cleo.id)
    settle()
    return order_id


def unconfirmed(shop: Any) -> uuid.UUID:
    """Placed, its stock not reserved yet: only the orders' projection has run."""
    [order_id] = place(shop.cleo, **{"COAT-M": 1})
    ProjectionRunner(get_projection("orders")).catch_up()
    return order_id


@pytest.mark.parametrize(
    ("make", "status", "hint"),
    [
        (unconfirmed, "placed", "not confirmed yet"),
        (confirmed, "confirmed", "orderRequestPayment"),
        (negotiating, "negotiating", "negotiation"),
        (cancelled, "cancelled", "cancelled"),
    ],
)
def test_an_order_that_does_not_await_payment_is_not_paid(client, shop, stripe_on, make, status, hint):
    order_id = make(shop)
    assert status_of(order_id) == status
    response = pay(client, shop.cleo, order_id, str(uuid.uuid4()))
    assert refusal(response) == ("orderId", "order_not_payable")
    assert hint in paid_payload(response)["errors"][0]["message"]
    assert nothing_charged(stripe_on, order_id)
    assert status_of(order_id) == status


def test_an_order_is_paid_once(client, shop, stripe_on):
    order_id = awaiting_payment(shop.cleo, **{"SHIRT-M": 1})
    result = paid_payload(pay(client, shop.cleo, order_id, str(uuid.uuid4())))["result"]
    intent_id = intent_of(result["paymentId"])
    again = pay(client, shop.cleo, order_id, str(uuid.uuid4()))
    assert refusal(again) == ("orderId", "payment_in_progress"), "another key while the first is with Stripe"

    confirm_at_stripe(stripe_on, intent_id)
    assert post_webhook(client, stripe_event(stripe_on, "payment_intent.succeeded", intent_id)).status_code == 200
    settle()
    assert status_of(order_id) == "paid"
    paid_again = pay(client, shop.cleo, order_id, str(uuid.uuid4()))
    assert refusal(paid_again) == ("orderId", "order_not_payable")
    assert "already paid" in paid_payload(paid_again)["errors"][0]["message"]
    assert len(intents_for_order(stripe_on, order_id)) == 1
    assert PaymentView.objects.filter(order_id=order_id).count() == 1


def test_only_the_orders_customer_pays_it_and_an_unknown_order_is_not_found(client, shop, stripe_on):
    order_id = awaiting_payment(shop.cleo, **{"SHIRT-M": 1})
    for someone in (shop.dan, shop.ada, shop.staff):
        assert refusal(pay(client, someone, order_id, str(uuid.uuid4()))) == ("orderId", "permission_denied")
    assert refusal(pay(client, shop.cleo, uuid.uuid4(), str(uuid.uuid4()))) == ("orderId", "not_found")
    assert nothing_charged(stripe_on, order_id)
    assert status_of(order_id) == "awaiting_payment"


def test_stripe_not_configured_is_not_offered(client, shop, settings):
    settings.STRIPE_SECRET_KEY = None
    order_id = awaiting_payment(shop.cleo, **{"SHIRT-M": 1})
    assert refusal(pay(client, shop.cleo, order_id, str(uuid.uuid4()))) == ("provider", "invalid")


def test_a_stripe_that_hangs_is_a_503_to_retry_with_the_same_key_which_resumes_the_payment(
    client, shop, stripe_on, local_server, settings
):
    def hang(handler: Any) -> None:
        time.sleep(2)

    settings.STRIPE_TIMEOUT_SECONDS = 0.3
    settings.STRIPE_API_BASE = local_server(hang).url
    order_id = awaiting_payment(shop.cleo, **{"SHIRT-M": 1})
    key = str(uuid.uuid4())
    response = client.post(
        f"/api/payments/orders/{order_id}/pay",
        {"provider": "stripe"},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
        **bearer(shop.cleo),
    )
    assert response.status_code == 503, response.content
    assert response.json()["code"] == "payments_unavailable" and int(response["Retry-After"]) > 0
    settle()
    assert status_of(order_id) == "awaiting_payment"
    [row] = PaymentView.objects.filter(order_id=order_id)
    assert (row.status, row.provider_payment_id) == ("created", ""), "recorded before the call: never lost"

    settings.STRIPE_API_BASE = stripe_on.url  # Stripe is back
    retried = client.post(
        f"/api/payments/orders/{order_id}/pay",
        {"provider": "stripe"},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
        **bearer(shop.cleo),
    )
    assert retried.status_code == 200, retried.content
    assert retried.json()["payment_id"] == str(row.id), "the same payment, resumed"
    assert len(intents_for_order(stripe_on, order_id)) == 1


@pytest.mark.parametrize(
    "garbage",
    [b"<html>502 Bad Gateway</html>", b'{"id": "nonsense", "object": "payment_intent"}', b"[1, 2, 3]"],
    ids=["html", "wrong-shape", "not-an-object"],
)
def test_a_stripe_that_answers_garbage_is_a_provider_error_and_frees_the_order(
    client, shop, stripe_on, local_server, settings, garbage
):
    def answer(handler: Any) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(garbage)))
        handler.end_headers()
        handler.wfile.write(garbage)

    settings.STRIPE_API_BASE = local_server(answer).url
    order_id = awaiting_payment(shop.cleo, **{"SHIRT-M": 1})
    response = pay(client, shop.cleo, order_id, str(uuid.uuid4()))
    assert refusal(response) == (None, "provider_error")
    settle()
    assert status_of(order_id) == "awaiting_payment"
    assert list(PaymentView.objects.filter(order_id=order_id).values_list("status", flat=True)) == ["failed"]

    settings.STRIPE_API_BASE = stripe_on.url
    again = paid_payload(pay(client, shop.cleo, order_id, str(uuid.uuid4())))
    assert again["errors"] == [] and again["result"]["status"] == "REQUIRES_ACTION"
