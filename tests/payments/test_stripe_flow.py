"""The money path against localstripe: OrderPay, the customer confirming at Stripe, the webhook, the saga.

A succeeded payment makes the order `paid` exactly once and its reservation sold; a payment the order can no
longer take (cancelled while the customer paid) goes back whole, through the automatic refund.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.db import connection

from ocg.catalog.models import VariantView
from ocg.payments.models import PaymentAuditEntry, PaymentView, RefundView
from ocg.payments.policies import automatic_refund_id
from ocg.spine.eventstore import applications, events_table
from tests.orders import api_support
from tests.orders.shop import settle
from tests.payments import stripe_support
from tests.payments.stripe_support import (
    WEBHOOK_SECRET,
    awaiting_payment,
    confirm_at_stripe,
    intent_of,
    paid_payload,
    pay,
    post_webhook,
    status_of,
    stripe_client,
    stripe_event,
    wait_until,
)

shop = api_support.shop
stripe_on = stripe_support.stripe_on


def stock(sku: str) -> tuple[int, int, int]:
    row = VariantView.objects.get(sku=sku)
    return row.on_hand, row.reserved, row.available


def order_events(order_id: uuid.UUID, kind: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {events_table(applications.get('orders'))} "
            "WHERE originator_id = %s AND topic LIKE %s",
            [order_id, f"%Order.{kind}"],
        )
        return cursor.fetchone()[0]


@pytest.fixture
def delivered_by_localstripe(stripe_on, live_server) -> Iterator[str]:
    """localstripe posts its events to this test's server; afterwards, to nowhere."""
    url = f"{live_server.url.replace('localhost', '127.0.0.1')}/api/payments/webhooks/stripe"
    stripe_on.register_webhook(url, WEBHOOK_SECRET, name="flow")
    yield url
    stripe_on.register_webhook("http://127.0.0.1:9/nowhere", WEBHOOK_SECRET, name="flow")


def test_a_customer_pays_at_stripe_and_the_order_is_paid_once_with_its_stock_sold(
    client, shop, stripe_on, delivered_by_localstripe
):
    order_id = awaiting_payment(shop.cleo, **{"COAT-M": 2})
    assert stock("COAT-M") == (5, 2, 3)

    payload = paid_payload(pay(client, shop.cleo, order_id, key=str(uuid.uuid4())))
    assert payload["errors"] == []
    result = payload["result"]
    assert (result["status"], result["provider"], result["demo"]) == ("REQUIRES_ACTION", "STRIPE", False)
    assert result["amount"] == {"amount": "2400.00", "currency": "EUR"}
    intent_id = intent_of(result["paymentId"])
    assert result["clientSecret"].startswith(f"{intent_id}_secret_")
    intent = stripe_client(stripe_on).v1.payment_intents.retrieve(intent_id)
    assert (intent.amount, intent.currency, intent.metadata["payment_id"]) == (240000, "eur", result["paymentId"])

    assert confirm_at_stripe(stripe_on, intent_id).status == "succeeded"
    payments = applications.get("payments")
    wait_until(lambda: payments.payment(uuid.UUID(result["paymentId"])).status == "succeeded", "the webhook")
    settle()

    assert status_of(order_id) == "paid"
    assert order_events(order_id, "Paid") == 1
    assert applications.get("orders").order(order_id).paid_by == uuid.UUID(result["paymentId"])
    assert stock("COAT-M") == (3, 0, 3), "the reservation is committed: sold, no longer held"
    row = PaymentView.objects.get(id=result["paymentId"])
    assert (row.status, row.captured, row.provider_payment_id) == ("succeeded", Decimal("2400.00"), intent_id)
    kinds = list(PaymentAuditEntry.objects.filter(payment_id=row.id).order_by("version").values_list("kind", flat=True))
    assert kinds == ["created", "intent_created", "provider_event_received", "succeeded"]


def test_a_payment_the_order_can_no_longer_take_goes_back_whole(client, shop, stripe_on):
    order_id = awaiting_payment(shop.cleo, **{"SHIRT-M": 1})
    result = paid_payload(pay(client, shop.cleo, order_id, key=str(uuid.uuid4())))["result"]
    payment_id = uuid.UUID(result["paymentId"])
    intent_id = intent_of(payment_id)
    applications.get("orders").cancel(order_id, reason="Changed my mind", actor_id=None, acting_customer_id=None)
    settle()
    assert status_of(order_id) == "cancelled"

    confirm_at_stripe(stripe_on, intent_id)  # the customer paid anyway, in another tab
    answer = post_webhook(client, stripe_event(stripe_on, "payment_intent.succeeded", intent_id))
    assert answer.status_code == 200 and answer.json()["outcome"] == "succeeded", answer.content
    settle()

    assert status_of(order_id) == "cancelled", "the order does not move"
    assert order_events(order_id, "PaymentRefused") == 1 and order_events(order_id, "Paid") == 0
    refund = RefundView.objects.get(payment_id=payment_id)
    assert refund.id == automatic_refund_id(payment_id)
    assert (refund.state, refund.requested, refund.approved) == ("approved", Decimal("150.00"), Decimal("150.00"))
    assert refund.reason.startswith("Automatic: The order is cancelled")

    payments = applications.get("payments")
    assert payments.send_approved_refunds() == 1
    assert payments.send_approved_refunds() == 0, "sent once"
    settle()
    row = PaymentView.objects.get(id=payment_id)
    assert (row.status, row.refunded) == ("refunded", Decimal("150.00"))
    at_stripe = stripe_client(stripe_on).v1.refunds.list(params={"payment_intent": intent_id}).data
    assert [(r.amount, r.status) for r in at_stripe] == [(15000, "succeeded")]
    assert status_of(order_id) == "cancelled"
