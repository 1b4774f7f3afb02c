"""The payments' reads and the refund mutations, in the storefront GraphQL schema (merged in ocg/schema.py).

`Order.payments` (and the root field `orderPayments(orderId)`) is the order's payments. The field is added
to the orders' `Order` type at the composition root (ocg/schema.py, through `ORDER_FIELDS`), so neither
context imports the other. `myRefunds` is the signed-in customer's
refunds, `refunds` every refund for staff, filtered by state and SLA state; both are Relay connections, newest
first, and the SQL per request does not grow with the page or the number of payments.

RefundRequest requires an idempotency key (argument or `Idempotency-Key` header): a retried click never asks
twice. Each mutation answers `{result, pending, errors}` with the refund once the `payments` projection shows
it (read-your-writes), or `pending` with its id if that lags.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from uuid import UUID

import graphene

from ocg.payments import queries
from ocg.payments.api.refunds import commands, pages
from ocg.payments.api.refunds.access import may_see_order_payments
from ocg.payments.api.refunds.types import (
    Payment,
    Refund,
    RefundConnection,
    RefundSlaState,
    RefundState,
    forget,
    loader,
)
from ocg.payments.models import PaymentView
from ocg.payments.permissions import MANAGE_REFUNDS, REQUEST_REFUNDS, SEE_PAYMENTS
from ocg.spine.graphql import AggregateMutation
from ocg.spine.graphql_common import client_errors, requires

_SNAKE_PART = re.compile(r"_([a-z0-9])")


def client_field(field: str | None) -> str | None:
    """The domain names fields as REST's body does (order_id); GraphQL's arguments are camelCase."""
    if field is None:
        return None
    return _SNAKE_PART.sub(lambda match: match.group(1).upper(), field)


def values_of(members: Iterable[Any] | None) -> list[str]:
    """graphene hands enum arguments over as members; the listing takes plain values."""
    return [getattr(member, "value", member) for member in members or ()]


def page_arguments() -> dict[str, Any]:
    return {
        "first": graphene.Int(description=f"1 to {pages.PAGE_MAX}; default {pages.DEFAULT_PAGE}."),
        "after": graphene.String(description="The `endCursor` of the page before."),
    }


def payments_of_order(order: Any, info: graphene.ResolveInfo) -> list[PaymentView]:
    """The order's payment attempts, oldest first, with their refunds; empty to anyone who may not see them."""
    found = queries.payments_of_order(order.id)
    if not may_see_order_payments(info.context.user, order.id, found):
        return []
    loader(info).register(found)
    return found


ORDER_FIELDS = {
    "payments": graphene.Field(
        graphene.NonNull(graphene.List(graphene.NonNull(Payment))),
        resolver=client_errors(payments_of_order),
        description="The order's payment attempts, oldest first, with their refunds (its customer, designer and "
        "staff).",
    ),
}


class Query(graphene.ObjectType):
    order_payments = graphene.List(
        graphene.NonNull(Payment),
        required=True,
        order_id=graphene.UUID(required=True),
        description="The order's payment attempts, oldest first, with their refunds: for the order's customer, its "
        "designer and staff; empty for anyone else and for an order never paid.",
    )
    my_refunds = graphene.Field(
        RefundConnection,
        required=True,
        **page_arguments(),
        description="The signed-in customer's refunds, newest first.",
    )
    refunds = graphene.Field(
        RefundConnection,
        required=True,
        status=graphene.List(graphene.NonNull(RefundState), description="Any of these states."),
        sla_state=graphene.List(graphene.NonNull(RefundSlaState), description="Any of these SLA states."),
        **page_arguments(),
        description="Staff: every refund, filtered, newest first.",
    )

    @staticmethod
    @client_errors
    @requires(SEE_PAYMENTS)
    def resolve_order_payments(root: Any, info: graphene.ResolveInfo, order_id: UUID) -> list[PaymentView]:
        found = queries.payments_of_order(order_id)
        if not may_see_order_payments(info.context.user, order_id, found):
            return []
        loader(info).register(found)
        return found

    @staticmethod
    @client_errors
    @requires(REQUEST_REFUNDS)
    def resolve_my_refunds(
        root: Any, info: graphene.ResolveInfo, first: int | None = None, after: str | None = None
    ) -> pages.Page:
        user_id = info.context.user.id
        return pages.page(pages.refund_filter(f"customer:{user_id}", customer_id=user_id), first, after)

    @staticmethod
    @client_errors
    @requires(MANAGE_REFUNDS)
    def resolve_refunds(
        root: Any,
        info: graphene.ResolveInfo,
        status: list | None = None,
        sla_state: list | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> pages.Page:
        listing = pages.refund_filter("all", states=values_of(status), sla_states=values_of(sla_state))
        return pages.page(listing, first, after)


class RefundMutation(AggregateMutation):
    """Answers the refund as the read model shows it; `id` is the refund's, set even while pending."""

    result = graphene.Field(Refund)

    class Meta:
        abstract = True

    @classmethod
    def mutate(cls, root: Any, info: graphene.ResolveInfo, **arguments: Any) -> Any:
        forget(info)
        payload = super().mutate(root, info, **arguments)
        payload.errors = [{**error, "field": client_field(error.get("field"))} for error in payload.errors]
        return payload


class RefundRequest(RefundMutation):
    """The order's customer asks for money back on a paid order: all of what is left, or `amount`, for the whole
    order or the lines `skus` name, with a reason. Due within REFUND_SLA_DAYS; staff approve or reject it."""

    permission = REQUEST_REFUNDS
    idempotency_required = True

    class Arguments:
        order_id = graphene.UUID(required=True)
        reason = graphene.String(required=True, description="Up to 1,000 characters.")
        amount = graphene.String(
            description="In the order's currency (e.g. 120.00); default: the lines' total, or all that is left."
        )
        skus = graphene.List(graphene.NonNull(graphene.String), description="The lines to refund; default: all.")

    @classmethod
    def perform(
        cls,
        info: graphene.ResolveInfo,
        order_id: UUID,
        reason: str,
        amount: str | None = None,
        skus: list[str] | None = None,
    ) -> Any:
        return commands.request(info.context.user, order_id, amount=amount, skus=skus, reason=reason)


class RefundApprove(RefundMutation):
    """Staff approve a requested refund, all of it or less (`amount`), with a note; the refund then goes to the
    provider, and its confirmation marks it confirmed."""

    permission = MANAGE_REFUNDS
    idempotent = True

    class Arguments:
        refund_id = graphene.UUID(required=True)
        amount = graphene.String(description="At most what was asked (the default).")
        note = graphene.String(description="Up to 1,000 characters; kept on the refund and the audit trail.")

    @classmethod
    def perform(
        cls, info: graphene.ResolveInfo, refund_id: UUID, amount: str | None = None, note: str | None = None
    ) -> Any:
        return commands.approve(info.context.user, refund_id, amount=amount, note=note or "")


class RefundReject(RefundMutation):
    """Staff refuse a requested refund, saying why."""

    permission = MANAGE_REFUNDS
    idempotent = True

    class Arguments:
        refund_id = graphene.UUID(required=True)
        note = graphene.String(required=True, description="Why; up to 1,000 characters, shown to the customer.")

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, refund_id: UUID, note: str) -> Any:
        return commands.reject(info.context.user, refund_id, note=note)


class Mutation(graphene.ObjectType):
    refund_request = RefundRequest.Field()
    refund_approve = RefundApprove.Field()
    refund_reject = RefundReject.Field()


__all__ = ["Mutation", "Query"]
