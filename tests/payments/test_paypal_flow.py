"""PayPal end to end over the REST API, PayPal faked at the HTTP layer, the saga running as threads: OrderPay gives
the approval link, the customer approves at PayPal, PayPal's notification is verified by PayPal and captures the
order, the payment succeeds and the order is paid with its reservation committed. A forged notification and a
replayed one change nothing."""

from __future__ import annotations

import uuid

import pytest
import responses

from ocg.catalog.models import VariantView
from ocg.payments import breaker
from ocg.payments.models import PaymentView
from ocg.payments.providers import paypal as paypal_module
from ocg.spine.eventstore import applications
from tests.catalog.rest_support import Api
from tests.orders import api_support
from tests.orders.api_support import place, wait_for_status
from tests.payments import paypal_fake
from tests.payments.paypal_fake import FakePayPal

shop = api_support.shop
followers = api_support.followers
WEBHOOK = "/api/payments/webhooks/paypal"


@pytest.fixture
def fake(settings):
    settings.PAYPAL_CLIENT_ID = paypal_fake.CLIENT_ID
    settings.PAYPAL_CLIENT_SECRET = paypal_fake.CLIENT_SECRET
    settings.PAYPAL_API_BASE = paypal_fake.API
    settings.PAYPAL_WEBHOOK_ID = paypal_fake.WEBHOOK_ID
    paypal_module._tokens.clear()
    breaker.forget_circuits()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakePayPal(mock)
    breaker.forget_circuits()


def awaiting_payment(shop, sku: str = "COAT-M") -> uuid.UUID:
    (order_id,) = place(shop.cleo, **{sku: 1})
    wait_for_status(order_id, "confirmed")
    applications.get("orders").request_payment(order_id, actor_id=shop.cleo.id, acting_customer_id=shop.cleo.id)
    wait_for_status(order_id, "awaiting_payment")
    return order_id


def pay(client, shop, order_id, key: str | None = None):
    return Api(client, shop.cleo).post(
        f"/api/payments/orders/{order_id}/pay", {"provider": "paypal"}, HTTP_IDEMPOTENCY_KEY=key or str(uuid.uuid4())
    )


def notify(client, body: bytes, headers: dict[str, str]):
    return client.post(WEBHOOK, body, content_type="application/json", headers=headers)


def stock(sku: str) -> tuple[int, int]:
    row = VariantView.objects.get(sku=sku)
    return row.on_hand, row.reserved


def payment_row(payment_id) -> PaymentView:
    return api_support.eventually(lambda: PaymentView.objects.filter(id=payment_id).first(), "the payment's row")


def test_a_paypal_payment_from_order_pay_to_a_paid_order(client, shop, followers, fake):
    order_id = awaiting_payment(shop)
    before = stock("COAT-M")

    answer = pay(client, shop, order_id)
    assert answer.status_code == 200, answer.content
    started = answer.json()
    paypal_order = next(iter(fake.orders))
    assert started["approval_url"] == f"https://www.sandbox.paypal.test/checkoutnow?token={paypal_order}"
    assert started["client_secret"] is None and started["status"] == "requires_action"
    assert fake.orders[paypal_order]["purchase_units"][0]["amount"] == {"currency_code": "EUR", "value": "1200.00"}

    fake.approve(paypal_order)  # the customer, at PayPal
    delivered = notify(client, *fake.order_approved(paypal_order))

    assert delivered.status_code == 200, delivered.content
    assert delivered.json()["outcome"] == "succeeded"
    assert fake.orders[paypal_order]["status"] == "COMPLETED"
    wait_for_status(order_id, "paid")
    api_support.eventually(lambda: stock("COAT-M") == (before[0] - 1, before[1] - 1), "the reservation committed")
    row = payment_row(started["payment_id"])
    api_support.eventually(lambda: PaymentView.objects.get(id=row.id).status == "succeeded", "the row to follow")
    assert PaymentView.objects.get(id=row.id).provider_payment_id == paypal_order

    # PayPal also tells of the capture itself: a new event, for a payment already succeeded.
    completed = notify(client, *fake.capture_completed(paypal_order))
    assert completed.status_code == 200 and completed.json()["outcome"] == "recorded"
    assert len(fake.captures) == 1


def test_a_forged_notification_is_refused_and_changes_nothing(client, shop, followers, fake):
    order_id = awaiting_payment(shop)
    pay(client, shop, order_id)
    paypal_order = next(iter(fake.orders))
    fake.approve(paypal_order)

    forged = notify(client, *fake.order_approved(paypal_order, signed=False))

    assert forged.status_code == 400
    assert forged.json()["code"] == "webhook_invalid"
    assert fake.calls_to("/verify-webhook-signature") == 1  # PayPal answered FAILURE
    assert fake.captures == {}, "nothing is captured on a forged word"
    payments = applications.get("payments")
    (payment,) = PaymentView.objects.filter(order_id=order_id)
    assert payments.payment(payment.id).status == "requires_action"
    assert payments.payment(payment.id).provider_events == set()
    assert api_support.status_of(order_id) == "awaiting_payment"


def test_a_stale_notification_is_refused_without_asking_paypal(client, shop, followers, fake, settings):
    order_id = awaiting_payment(shop)
    pay(client, shop, order_id)
    paypal_order = next(iter(fake.orders))
    fake.approve(paypal_order)
    settings.PAYPAL_WEBHOOK_TOLERANCE_SECONDS = 300

    stale = notify(client, *fake.order_approved(paypal_order, sent_at=paypal_fake.stale(600)))

    assert stale.status_code == 400 and stale.json()["errors"][0]["field"] == "timestamp"
    assert fake.calls_to("/verify-webhook-signature") == 0
    assert fake.captures == {}


def test_a_replayed_notification_changes_nothing(client, shop, followers, fake):
    order_id = awaiting_payment(shop)
    pay(client, shop, order_id)
    paypal_order = next(iter(fake.orders))
    fake.approve(paypal_order)
    body, headers = fake.order_approved(paypal_order)
    first = notify(client, body, headers)
    wait_for_status(order_id, "paid")
    (payment,) = PaymentView.objects.filter(order_id=order_id)
    version = applications.get("payments").payment(payment.id).version

    again = notify(client, body, headers)

    assert first.json()["outcome"] == "succeeded"
    assert again.status_code == 200 and again.json()["outcome"] == "duplicate"
    assert applications.get("payments").payment(payment.id).version == version
    assert len(fake.captures) == 1


def test_a_capture_paypal_declines_fails_the_attempt_and_the_order_can_be_paid_again(client, shop, followers, fake):
    order_id = awaiting_payment(shop)
    first = pay(client, shop, order_id).json()
    paypal_order = next(iter(fake.orders))
    fake.approve(paypal_order)
    fake.decline_captures = True

    declined = notify(client, *fake.order_approved(paypal_order))

    assert declined.status_code == 200 and declined.json()["outcome"] == "failed"
    assert applications.get("payments").payment(uuid.UUID(first["payment_id"])).status == "failed"
    assert api_support.status_of(order_id) == "awaiting_payment"
    fake.decline_captures = False
    again = pay(client, shop, order_id)
    assert again.status_code == 200 and again.json()["payment_id"] != first["payment_id"]


def test_paypal_unreachable_while_verifying_answers_503_and_its_redelivery_pays(client, shop, followers, fake):
    order_id = awaiting_payment(shop)
    pay(client, shop, order_id)
    paypal_order = next(iter(fake.orders))
    fake.approve(paypal_order)
    body, headers = fake.order_approved(paypal_order)
    fake.down = True

    refused = notify(client, body, headers)

    assert refused.status_code == 503, refused.content
    assert refused.json()["code"] == "payments_unavailable" and int(refused["Retry-After"]) >= 1
    assert fake.orders[paypal_order]["status"] == "APPROVED" and api_support.status_of(order_id) == "awaiting_payment"
    fake.down = False
    redelivered = notify(client, body, headers)  # PayPal delivers it again later
    assert redelivered.status_code == 200 and redelivered.json()["outcome"] == "succeeded"
    wait_for_status(order_id, "paid")
