"""OrderPay: the order's customer starts paying it, and learns what to do next.

It requires an idempotency key (the `idempotencyKey` argument or the `Idempotency-Key` header): a retry with
the same key answers what the first call answered (the same client secret) and creates nothing new at the
provider. The order must await payment: a `confirmed` order is moved there first with `orderRequestPayment`.
The answer carries the payment and the client's next step: Stripe's `clientSecret` (for Stripe.js's
confirmCardPayment) or PayPal's `approvalUrl` (where the customer approves); `demo` is true when the payment
goes to the local fake Stripe `make run` starts. Refusals are payload errors: `order_not_payable` (the order's
state forbids it, or it is paid), `payment_in_progress`, `permission_denied` (not the order's customer),
`payments_unavailable` (the provider is down: try again), `provider_error` (it refused).
"""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

import graphene

from ocg.payments.api.refunds.types import PaymentStatus
from ocg.payments.permissions import PAY_ORDERS
from ocg.spine.eventstore import applications
from ocg.spine.graphql import DomainMutation
from ocg.spine.graphql_common import Money
from ocg.spine.idempotency.store import IdempotencyRefusal, header_key

_SNAKE_PART = re.compile(r"_([a-z0-9])")

PaymentProvider = graphene.Enum(
    "PaymentProvider", [("STRIPE", "stripe"), ("PAYPAL", "paypal")], description="Who takes the payment."
)


class PaymentStart(graphene.ObjectType):
    """A payment started at its provider, and what the client does next."""

    payment_id = graphene.UUID(required=True)
    order_id = graphene.UUID(required=True)
    provider = graphene.Field(PaymentProvider, required=True)
    status = graphene.Field(PaymentStatus, required=True)
    amount = graphene.Field(Money, required=True, description="The order's total (the agreed price, if negotiated).")
    client_secret = graphene.String(description="Stripe: the PaymentIntent's client secret, for Stripe.js.")
    approval_url = graphene.String(description="PayPal: where the customer approves the payment.")
    demo = graphene.Boolean(
        required=True, description="True when the payment goes to the local fake Stripe of a demo install."
    )

    @staticmethod
    def resolve_amount(started: Any, info: graphene.ResolveInfo) -> Money:
        return Money.of(started.amount)


class OrderPay(DomainMutation):
    """The order's customer pays it (it must be `awaiting_payment`), at Stripe or PayPal."""

    permission = PAY_ORDERS
    idempotency_required = True

    result = graphene.Field(PaymentStart)

    class Arguments:
        order_id = graphene.UUID(required=True)
        provider = PaymentProvider(required=True)

    @classmethod
    def mutate(cls, root: Any, info: graphene.ResolveInfo, **arguments: Any) -> Any:
        key = arguments.get("idempotency_key")
        if key is None:
            try:
                key = header_key(info.context)
            except IdempotencyRefusal:
                key = None  # the gateway has refused such a request before it runs
        payload = super().mutate(root, info, key=key, **arguments)
        payload.errors = [{**error, "field": client_field(error.get("field"))} for error in payload.errors]
        return payload

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, key: str | None, order_id: UUID, provider: Any) -> Any:
        user = info.context.user
        return applications.get("payments").pay_order(
            order_id, getattr(provider, "value", provider), customer_id=user.id, actor_id=user.id, idempotency_key=key
        )


def client_field(field: str | None) -> str | None:
    if field is None:
        return None
    return _SNAKE_PART.sub(lambda match: match.group(1).upper(), field)


class Mutation(graphene.ObjectType):
    order_pay = OrderPay.Field()
