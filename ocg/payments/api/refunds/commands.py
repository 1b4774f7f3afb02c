"""The refund steps every surface (GraphQL, REST, the admin) runs the same way: the payments application's
commands with the caller as actor, then the refund as the read model shows it (read-your-writes)."""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from ocg.payments import queries
from ocg.payments.api.refunds.access import acting_customer, is_staff, payments_app
from ocg.payments.domain import InvalidRefund, PaymentNotFound, PaymentsUnavailable
from ocg.payments.models import RefundView
from ocg.payments.projections import PaymentsProjection
from ocg.spine.domain.money import Money
from ocg.spine.errors import PermissionDenied
from ocg.spine.eventstore import tracking_written_positions
from ocg.spine.graphql import Written, read_your_write

logger = logging.getLogger(__name__)


def read_refund(refund_id: UUID) -> Written:
    return read_your_write(PaymentsProjection.name, refund_id, queries.refund)


def money_in(amount: str | None, currency: str, field: str) -> Money | None:
    if amount is None:
        return None
    return Money.parse(amount, currency, amount_field=field, error=InvalidRefund)


def visible_refund(user: Any, refund_id: UUID) -> RefundView:
    """The refund, if the caller may act on it; to anyone else it does not exist."""
    row = queries.refund(refund_id)
    if row is None or not (is_staff(user) or row.customer_id == user.id):
        raise PaymentNotFound(f"No refund {refund_id}.", field="refund_id", refund_id=refund_id)
    return row


def request(user: Any, order_id: UUID, *, amount: str | None, skus: list[str] | None, reason: str) -> Written:
    """An amount is in the order's currency: the captured payment's, as the read model knows it."""
    money = None
    if amount is not None:
        paid = queries.captured_payment_of_order(order_id)
        if paid is None:
            raise InvalidRefund("This order has not been paid: there is nothing to refund.", field="order_id")
        money = money_in(amount, paid.currency, "amount")
    with tracking_written_positions():
        requested = payments_app().request_refund(
            order_id=order_id,
            amount=money,
            skus=list(skus or []),
            reason=reason,
            actor_id=user.id,
            acting_customer_id=acting_customer(user),
        )
        return read_refund(requested.refund_id)


def approve(user: Any, refund_id: UUID, *, amount: str | None, note: str) -> Written:
    """Approve, then send to the provider. An approval stands if the provider cannot be reached now: the refund
    stays `approved` and a beat job sends it again. A provider's refusal marks it failed, and is the answer."""
    if not is_staff(user):
        raise PermissionDenied("Only staff decide on refunds.")
    row = visible_refund(user, refund_id)
    with tracking_written_positions():
        payments = payments_app()
        payments.approve_refund(
            row.payment_id,
            refund_id,
            amount=money_in(amount, row.currency, "amount"),
            note=note,
            actor_id=user.id,
        )
        try:
            payments.send_refund(row.payment_id, refund_id)
        except PaymentsUnavailable as error:
            logger.warning("refund %s approved; the provider is away, it goes later: %s", refund_id, error)
        return read_refund(refund_id)


def reject(user: Any, refund_id: UUID, *, note: str) -> Written:
    if not is_staff(user):
        raise PermissionDenied("Only staff decide on refunds.")
    row = visible_refund(user, refund_id)
    with tracking_written_positions():
        payments_app().reject_refund(row.payment_id, refund_id, note=note, actor_id=user.id)
        return read_refund(refund_id)
