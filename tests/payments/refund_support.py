"""What the refund tests share: orders paid for real through the payments application, at a PayPal faked at
the HTTP layer (tests/payments/paypal_fake.py), with the followers running as threads; GraphQL and REST calls."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest
import responses

from ocg.identity import tokens
from ocg.payments import breaker
from ocg.payments.models import PaymentView, RefundView
from ocg.payments.providers import get_provider
from ocg.payments.providers import paypal as paypal_module
from ocg.spine.eventstore import applications
from tests.orders import api_support
from tests.orders.api_support import eventually, place, wait_for_status
from tests.payments import paypal_fake
from tests.payments.paypal_fake import FakePayPal

shop = api_support.shop
followers = api_support.followers


@pytest.fixture
def paypal(settings) -> Iterator[FakePayPal]:
    settings.PAYPAL_CLIENT_ID = paypal_fake.CLIENT_ID
    settings.PAYPAL_CLIENT_SECRET = paypal_fake.CLIENT_SECRET
    settings.PAYPAL_API_BASE = paypal_fake.API
    settings.PAYPAL_WEBHOOK_ID = paypal_fake.WEBHOOK_ID
    paypal_module._tokens.clear()
    breaker.forget_circuits()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakePayPal(mock)
    breaker.forget_circuits()


def payments() -> Any:
    return applications.get("payments")


def paid_order(paypal: FakePayPal, customer: Any, *, given_up: int = 0, **lines: int) -> UUID:
    """An order the customer placed, confirmed by the stock saga, and paid at PayPal: approved by the customer,
    captured, and the capture told to the payments application as PayPal's verified notification. `given_up`
    attempts come first, each started and cancelled by the customer."""
    [order_id] = place(customer, **lines)
    wait_for_status(order_id, "confirmed")
    applications.get("orders").request_payment(order_id, actor_id=customer.id, acting_customer_id=customer.id)
    wait_for_status(order_id, "awaiting_payment")
    for _ in range(given_up):
        attempt = payments().pay_order(order_id, "paypal", customer.id, customer.id, idempotency_key=str(uuid.uuid4()))
        payments().cancel_payment(
            attempt.payment_id, reason="changed my mind", actor_id=customer.id, acting_customer_id=customer.id
        )
    started = payments().pay_order(order_id, "paypal", customer.id, customer.id, idempotency_key=str(uuid.uuid4()))
    row = eventually(
        lambda: PaymentView.objects.filter(id=started.payment_id).exclude(provider_payment_id="").first(),
        "the payment's PayPal order",
    )
    paypal.approve(row.provider_payment_id)
    body, headers = paypal.order_approved(row.provider_payment_id)
    event = get_provider("paypal").verify_webhook(body=body, headers=headers)
    assert payments().handle_provider_event("paypal", event) == "succeeded"
    eventually(lambda: PaymentView.objects.filter(id=started.payment_id, status="succeeded").exists(), "the capture")
    return order_id


def wait_for_refund(refund_id: Any, state: str) -> RefundView:
    eventually(lambda: RefundView.objects.filter(id=refund_id, state=state).exists(), f"refund {refund_id} {state}")
    return RefundView.objects.get(id=refund_id)


def bearer(user: Any) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {tokens.issue_token_pair(user, 'password')['access']}"}


def graphql(client: Any, user: Any, query: str, *, headers: dict[str, str] | None = None, **variables: Any) -> dict:
    response = client.post(
        "/graphql",
        {"query": query, "variables": variables},
        content_type="application/json",
        **(bearer(user) if user is not None else {}),
        **(headers or {}),
    )
    assert response.status_code == 200, response.content
    return response.json()
