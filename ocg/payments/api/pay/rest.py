"""Paying over REST, and the providers' webhooks, under /api/payments/ (OpenAPI at /api/docs).

`POST /orders/{order_id}/pay` is OrderPay's twin: the order's customer only, an `Idempotency-Key` required
(a retry replays the first answer, client secret included, and creates nothing new at the provider).
`POST /webhooks/stripe` and `/webhooks/paypal` take the providers' notifications: no token, the signature is
the credential, the body is read raw (see ocg/payments/webhooks.py).
"""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Router, Schema

from ocg.payments import webhooks
from ocg.payments.permissions import PAY_ORDERS
from ocg.spine.eventstore import applications
from ocg.spine.idempotency import idempotency_required
from ocg.spine.idempotency.store import header_key
from ocg.spine.rest import ErrorOut, require_permission, signed_in

router = Router(tags=["payments"])


class OrderPayIn(Schema):
    provider: Literal["stripe", "paypal"] = Field(description="Who takes the payment.")


class PaymentStartOut(Schema):
    payment_id: UUID
    order_id: UUID
    provider: str
    status: str = Field(description="created or requires_action: the customer acts next.")
    amount: str = Field(description="The order's total (the agreed price, if negotiated), at the currency's digits.")
    currency: str
    client_secret: str | None = Field(description="Stripe: the PaymentIntent's client secret, for Stripe.js.")
    approval_url: str | None = Field(description="PayPal: where the customer approves the payment.")
    demo: bool = Field(description="True when the payment goes to the local fake Stripe of a demo install.")


class WebhookOut(Schema):
    received: bool
    event_id: str
    outcome: str = Field(description="What it did: succeeded, failed, cancelled, recorded, duplicate, ignored...")


@router.post(
    "/orders/{order_id}/pay",
    auth=signed_in,
    response={
        200: PaymentStartOut,
        400: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        502: ErrorOut,
        503: ErrorOut,
    },
    summary="Pay the order (its customer, while it awaits payment): the client's next step at the provider",
    description="409 `order_not_payable` when the order does not await payment (a confirmed order: request "
    "payment first) or is paid, 409 `payment_in_progress` while another attempt is under way, 503 "
    "`payments_unavailable` with Retry-After when the provider is down, 502 `provider_error` when it refused.",
)
@idempotency_required
def order_pay(request: HttpRequest, order_id: UUID, body: OrderPayIn) -> Any:
    user = require_permission(request.auth, PAY_ORDERS)
    started = applications.get("payments").pay_order(
        order_id, body.provider, customer_id=user.id, actor_id=user.id, idempotency_key=header_key(request)
    )
    return {
        "payment_id": started.payment_id,
        "order_id": started.order_id,
        "provider": started.provider,
        "status": started.status,
        "amount": str(started.amount.amount),
        "currency": started.amount.currency,
        "client_secret": started.client_secret,
        "approval_url": started.approval_url,
        "demo": started.demo,
    }


WEBHOOK_RESPONSES = {200: WebhookOut, 400: ErrorOut, 409: ErrorOut}


@router.post(
    "/webhooks/stripe",
    response=WEBHOOK_RESPONSES,
    summary="Stripe's notifications (signed with the webhook secret; the raw body is what is verified)",
)
def stripe_webhook(request: HttpRequest) -> Any:
    return webhooks.receive("stripe", request)


@router.post(
    "/webhooks/paypal",
    response=WEBHOOK_RESPONSES,
    summary="PayPal's notifications (verified by PayPal's verify-webhook-signature)",
)
def paypal_webhook(request: HttpRequest) -> Any:
    return webhooks.receive("paypal", request)
