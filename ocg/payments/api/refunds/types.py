"""The payments' GraphQL types, resolved from the read models (ocg/payments/models.py).

A refund's fields are columns of its `RefundView` row and cost no query. A payment's refunds go through the
request's loader: the first payment asked for its refunds loads those of EVERY payment the request shows, in
one query, so the SQL per request does not grow with the number of payments.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

import graphene

from ocg.payments import queries
from ocg.payments.domain import payment as states
from ocg.payments.models import PaymentView, RefundView
from ocg.spine.domain.money import Money as MoneyValue
from ocg.spine.graphql_common import Money, PageInfo

LOADER_ATTRIBUTE = "ocg_payments_loader"

PaymentStatus = graphene.Enum(
    "PaymentStatus",
    [
        (status.upper(), status)
        for status in (
            states.CREATED,
            states.REQUIRES_ACTION,
            states.SUCCEEDED,
            states.FAILED,
            states.CANCELLED,
            states.PARTIALLY_REFUNDED,
            states.REFUNDED,
        )
    ],
    description="Where a payment attempt is: created -> requires_action -> succeeded / failed / cancelled; "
    "after success, partially_refunded / refunded as the provider confirms refunds.",
)
RefundState = graphene.Enum(
    "RefundState",
    [
        (state.upper(), state)
        for state in (
            states.REFUND_REQUESTED,
            states.REFUND_APPROVED,
            states.REFUND_REJECTED,
            states.REFUND_SENT,
            states.REFUND_CONFIRMED,
            states.REFUND_FAILED,
        )
    ],
    description="requested -> approved (perhaps for less) or rejected; approved -> sent to the provider -> "
    "confirmed by it (the money is back) or failed.",
)
RefundSlaState = graphene.Enum(
    "RefundSlaState",
    [(state.upper(), state) for state in RefundView.SlaState.values],
    description="A refund's deadline: on_time, at_risk (most of the window gone), breached (past `dueAt`).",
)


class Loader:
    """Per request: the refunds of every payment it shows, loaded once."""

    def __init__(self) -> None:
        self.payments: set[UUID] = set()
        self._refunds: dict[UUID, list[RefundView]] = {}

    def register(self, rows: Iterable[PaymentView]) -> None:
        self.payments.update(row.id for row in rows)

    def refunds(self, row: PaymentView) -> list[RefundView]:
        if row.id not in self._refunds:
            self.payments.add(row.id)
            wanted = [payment_id for payment_id in self.payments if payment_id not in self._refunds]
            found = queries.refunds_of_payments(wanted)
            self._refunds.update({payment_id: found.get(payment_id, []) for payment_id in wanted})
        return self._refunds[row.id]


def loader(info: graphene.ResolveInfo) -> Loader:
    found = getattr(info.context, LOADER_ATTRIBUTE, None)
    if found is None:
        found = Loader()
        setattr(info.context, LOADER_ATTRIBUTE, found)
    return found


def forget(info: graphene.ResolveInfo) -> None:
    """A mutation changed a payment: what this request loaded before is out of date."""
    setattr(info.context, LOADER_ATTRIBUTE, Loader())


class Refund(graphene.ObjectType):
    class Meta:
        description = (
            "Money asked back on a paid order, due within REFUND_SLA_DAYS (14 by default, 2011/83/EU Art. 13) "
            "of the request. Seen by the order's customer and staff."
        )

    id = graphene.UUID(required=True)
    payment_id = graphene.UUID(required=True)
    order_id = graphene.UUID(required=True)
    provider = graphene.String(required=True)
    state = graphene.Field(RefundState, required=True)
    requested = graphene.Field(Money, required=True, description="What the customer asked for.")
    approved = graphene.Field(Money, description="What staff approved (at most what was asked); null until then.")
    reason = graphene.String(required=True, description="The customer's reason.")
    note = graphene.String(required=True, description="Staff's note on approving or rejecting; empty until then.")
    failure = graphene.String(required=True, description="Why the provider failed to send it back; empty otherwise.")
    skus = graphene.List(
        graphene.NonNull(graphene.String), required=True, description="The lines refunded; empty: the whole order."
    )
    made_to_order = graphene.Boolean(
        required=True,
        description="Some piece is made to order or customised: exempt from the statutory withdrawal right "
        "(2011/83/EU Art. 16); staff decide.",
    )
    sla_state = graphene.Field(RefundSlaState, required=True)
    requested_at = graphene.DateTime(required=True)
    due_at = graphene.DateTime(required=True, description="When the money must be back by.")
    decided_at = graphene.DateTime(description="When staff approved or rejected it.")
    closed_at = graphene.DateTime(description="When it was confirmed, rejected or failed; null while pending.")

    @staticmethod
    def resolve_requested(row: RefundView, info: graphene.ResolveInfo) -> Money:
        return Money.of(row.requested_money)

    @staticmethod
    def resolve_approved(row: RefundView, info: graphene.ResolveInfo) -> Money | None:
        return Money.of(row.approved_money)

    @classmethod
    def is_type_of(cls, root: Any, info: graphene.ResolveInfo) -> bool:
        return isinstance(root, cls | RefundView)


class Payment(graphene.ObjectType):
    """One attempt to pay an order at one provider, with its refunds."""

    id = graphene.UUID(required=True)
    order_id = graphene.UUID(required=True)
    provider = graphene.String(required=True, description="stripe or paypal.")
    status = graphene.Field(PaymentStatus, required=True)
    amount = graphene.Field(Money, required=True, description="The order's total, as asked of the provider.")
    captured = graphene.Field(Money, description="What the provider took; null until it succeeded.")
    refunded = graphene.Field(Money, required=True, description="What the provider confirmed it sent back.")
    refundable = graphene.Field(
        Money,
        required=True,
        description="What may still be asked back: captured less every refund not rejected or failed.",
    )
    failure = graphene.String(required=True, description="Why it failed or was cancelled; empty otherwise.")
    refunds = graphene.List(graphene.NonNull(Refund), required=True, description="Oldest first.")
    created_at = graphene.DateTime(required=True)
    updated_at = graphene.DateTime(required=True)

    @staticmethod
    def resolve_amount(row: PaymentView, info: graphene.ResolveInfo) -> Money:
        return Money.of(row.amount_money)

    @staticmethod
    def resolve_captured(row: PaymentView, info: graphene.ResolveInfo) -> Money | None:
        return Money.of(row.captured_money)

    @staticmethod
    def resolve_refunded(row: PaymentView, info: graphene.ResolveInfo) -> Money:
        return Money.of(row.refunded_money)

    @staticmethod
    def resolve_refundable(row: PaymentView, info: graphene.ResolveInfo) -> Money:
        return Money.of(refundable(row, loader(info).refunds(row)))

    @staticmethod
    def resolve_refunds(row: PaymentView, info: graphene.ResolveInfo) -> list[RefundView]:
        return loader(info).refunds(row)

    @classmethod
    def is_type_of(cls, root: Any, info: graphene.ResolveInfo) -> bool:
        return isinstance(root, cls | PaymentView)


def refundable(row: PaymentView, refunds: list[RefundView]) -> MoneyValue:
    """The aggregate's rule, on the read model: captured less what every refund still standing holds."""
    left = row.captured_money or MoneyValue.zero(row.currency)
    for refund in refunds:
        if refund.state in (states.REFUND_REJECTED, states.REFUND_FAILED):
            continue
        left = left - (refund.approved_money or refund.requested_money)
    return left


class RefundEdge(graphene.ObjectType):
    cursor = graphene.String(required=True)
    node = graphene.Field(Refund, required=True)


class RefundConnection(graphene.ObjectType):
    edges = graphene.List(graphene.NonNull(RefundEdge), required=True)
    page_info = graphene.Field(PageInfo, required=True)
    total_count = graphene.Int(required=True, description="Refunds in the whole list, every page together.")

    @staticmethod
    def resolve_edges(root: Any, info: graphene.ResolveInfo) -> list[RefundEdge]:
        return [RefundEdge(cursor=c, node=row) for c, row in zip(root.cursors, root.rows, strict=True)]

    @staticmethod
    def resolve_page_info(root: Any, info: graphene.ResolveInfo) -> PageInfo:
        return PageInfo(
            has_next_page=root.has_next,
            has_previous_page=root.has_previous,
            start_cursor=root.cursors[0] if root.cursors else None,
            end_cursor=root.cursors[-1] if root.cursors else None,
        )

    @staticmethod
    def resolve_total_count(root: Any, info: graphene.ResolveInfo) -> int:
        return root.count()
