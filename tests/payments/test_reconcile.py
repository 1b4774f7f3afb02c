"""Reconciliation on a controlled clock: the provider's webhook is dropped on purpose (a localstripe of the test's
own with no webhook registered; a PayPal notification never sent), and the beat job asks the provider and
finishes the payment through the webhooks' command, so the order still ends paid, once. A payment the provider
never answered for, or whose order gave up waiting, is cancelled; a provider whose circuit is open is left for
the next run."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
import responses
from django.conf import settings as django_settings
from django.utils import timezone

from ocg.catalog.models import VariantView
from ocg.payments import breaker, tasks
from ocg.payments.localstripe import LocalStripe
from ocg.payments.models import PaymentView
from ocg.payments.providers import paypal as paypal_module
from ocg.payments.providers.base import WebhookEvent
from ocg.spine.eventstore import applications
from tests.catalog.rest_support import bearer
from tests.orders import api_support
from tests.orders.shop import settle
from tests.payments import paypal_fake
from tests.payments.paypal_fake import FakePayPal
from tests.payments.stripe_support import WEBHOOK_SECRET, awaiting_payment, confirm_at_stripe, status_of, stripe_client

shop = api_support.shop


@pytest.fixture
def own_stripe(settings):
    """A localstripe no webhook is registered with: whatever happens there, nobody tells us."""
    server = LocalStripe().start()
    settings.STRIPE_SECRET_KEY = server.secret_key
    settings.STRIPE_API_BASE = server.url
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_TIMEOUT_SECONDS = 5.0
    settings.STRIPE_DEMO = False
    settings.PAYMENTS_RECONCILE_AFTER_SECONDS = 600
    breaker.forget_circuits()
    yield server
    server.stop()
    breaker.forget_circuits()


@pytest.fixture
def fake_paypal(settings):
    settings.PAYPAL_CLIENT_ID = paypal_fake.CLIENT_ID
    settings.PAYPAL_CLIENT_SECRET = paypal_fake.CLIENT_SECRET
    settings.PAYPAL_API_BASE = paypal_fake.API
    settings.PAYPAL_WEBHOOK_ID = paypal_fake.WEBHOOK_ID
    settings.PAYMENTS_RECONCILE_AFTER_SECONDS = 600
    paypal_module._tokens.clear()
    breaker.forget_circuits()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakePayPal(mock)
    breaker.forget_circuits()


def pay(client, user, order_id, provider: str = "stripe"):
    return client.post(
        f"/api/payments/orders/{order_id}/pay",
        json.dumps({"provider": provider}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        **bearer(user),
    )


def later(seconds: int = 601):
    return timezone.now() + timedelta(seconds=seconds)


def on_hand_reserved(sku: str) -> tuple[int, int]:
    row = VariantView.objects.get(sku=sku)
    return row.on_hand, row.reserved


def test_a_stripe_payment_whose_webhook_was_dropped_still_pays_the_order_once(client, shop, own_stripe):
    order_id = awaiting_payment(shop.cleo, **{"COAT-M": 1})
    started = pay(client, shop.cleo, order_id).json()
    payments = applications.get("payments")
    payment_id = uuid.UUID(started["payment_id"])
    intent_id = payments.payment(payment_id).provider_payment_id
    confirm_at_stripe(own_stripe, intent_id)  # the customer pays; no webhook comes
    settle()
    assert payments.payment(payment_id).status == "requires_action"
    assert tasks.reconcile(timezone.now()) == {}, "too young to be asked about"

    first = tasks.reconcile(later())
    settle()
    again = tasks.reconcile(later())

    assert first == {"succeeded": 1}
    assert again == {}  # settled: no longer open
    payment = payments.payment(payment_id)
    assert payment.status == "succeeded" and payment.captured.amount == 1200
    assert payment.provider_events == {f"reconciliation:{intent_id}:succeeded"}
    assert status_of(order_id) == "paid"
    assert on_hand_reserved("COAT-M") == (4, 0)


def test_an_answer_already_applied_is_not_applied_twice(client, shop, own_stripe):
    order_id = awaiting_payment(shop.cleo, **{"COAT-M": 1})
    payment_id = uuid.UUID(pay(client, shop.cleo, order_id).json()["payment_id"])
    payments = applications.get("payments")
    payment = payments.payment(payment_id)
    confirm_at_stripe(own_stripe, payment.provider_payment_id)

    assert tasks.reconcile_one(payments, payment_id) == "succeeded"
    version = payments.payment(payment_id).version
    # Another run whose read model still showed it open decides on the aggregate, and leaves it.
    assert tasks.reconcile_one(payments, payment_id) == "settled"
    # Two runs that both asked the provider before either applied the answer: the second is a duplicate.
    replay = WebhookEvent(
        provider_event_id=f"reconciliation:{payment.provider_payment_id}:succeeded",
        kind="reconciliation",
        provider_payment_id=payment.provider_payment_id,
        status="succeeded",
    )
    assert payments.handle_provider_event("stripe", replay) == "duplicate"
    assert payments.payment(payment_id).version == version


def test_a_paypal_approval_whose_notification_never_came_is_captured_and_pays_the_order(client, shop, fake_paypal):
    order_id = awaiting_payment(shop.cleo, **{"SHIRT-M": 1})
    answer = pay(client, shop.cleo, order_id, provider="paypal")
    assert answer.status_code == 200, answer.content
    paypal_order = next(iter(fake_paypal.orders))
    settle()
    assert tasks.reconcile(later()) == {"pending": 1}, "not approved yet: left alone"

    fake_paypal.approve(paypal_order)
    outcome = tasks.reconcile(later())
    settle()

    assert outcome == {"succeeded": 1}
    assert fake_paypal.orders[paypal_order]["status"] == "COMPLETED" and len(fake_paypal.captures) == 1
    assert status_of(order_id) == "paid"


def test_a_payment_the_provider_never_answered_for_is_cancelled_and_frees_the_order(client, shop, own_stripe):
    order_id = awaiting_payment(shop.cleo, **{"COAT-M": 1})
    own_stripe.stop()
    assert pay(client, shop.cleo, order_id).status_code == 503
    own_stripe.start()
    settle()
    (row,) = PaymentView.objects.filter(order_id=order_id)
    assert row.status == "created" and row.provider_payment_id == ""

    assert tasks.reconcile(later()) == {"cancelled": 1}

    assert applications.get("payments").payment(row.id).status == "cancelled"
    again = pay(client, shop.cleo, order_id)
    assert again.status_code == 200 and again.json()["payment_id"] != str(row.id)
    assert status_of(order_id) == "awaiting_payment"


def test_a_payment_whose_order_expired_unpaid_is_cancelled_at_stripe_too(client, shop, own_stripe):
    order_id = awaiting_payment(shop.cleo, **{"COAT-M": 1})
    payment_id = uuid.UUID(pay(client, shop.cleo, order_id).json()["payment_id"])
    intent_id = applications.get("payments").payment(payment_id).provider_payment_id
    applications.get("orders").cancel(order_id, reason="changed my mind", actor_id=None, acting_customer_id=None)
    settle()

    assert tasks.reconcile(later()) == {"abandoned": 1}

    assert applications.get("payments").payment(payment_id).status == "cancelled"
    assert stripe_client(own_stripe).v1.payment_intents.retrieve(intent_id).status == "canceled"


def test_a_provider_whose_circuit_is_open_waits_for_the_next_run(client, shop, own_stripe, settings):
    settings.PAYMENTS_BREAKER_FAILURES = 1
    first, second = (awaiting_payment(shop.cleo, **{sku: 1}) for sku in ("COAT-M", "SHIRT-M"))
    ids = [uuid.UUID(pay(client, shop.cleo, order).json()["payment_id"]) for order in (first, second)]
    settle()
    own_stripe.stop()

    outcome = tasks.reconcile(later())

    assert outcome == {"unavailable": 2}  # the first did not answer (and opened the circuit); the second waits
    assert breaker.circuit_report("stripe")["state"] == "open"
    assert tasks.reconcile(later()) == {"unavailable": 2}  # the open circuit answers for Stripe at once
    assert {applications.get("payments").payment(i).status for i in ids} == {"requires_action"}


def test_the_beat_runs_reconciliation_through_celery(client, shop, own_stripe):
    assert django_settings.CELERY_BEAT_SCHEDULE["payments.reconcile"]["task"] == "ocg.payments.tasks.reconcile_payments"
    assert "expire-unpaid-orders" in django_settings.CELERY_BEAT_SCHEDULE
    order_id = awaiting_payment(shop.cleo, **{"COAT-M": 1})
    payment_id = uuid.UUID(pay(client, shop.cleo, order_id).json()["payment_id"])
    confirm_at_stripe(own_stripe, applications.get("payments").payment(payment_id).provider_payment_id)
    settle()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(django_settings, "PAYMENTS_RECONCILE_AFTER_SECONDS", 0)
        result = tasks.reconcile_payments.delay().get()

    assert result == {"succeeded": 1}
    assert applications.get("payments").payment(payment_id).status == "succeeded"
