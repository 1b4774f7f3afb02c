"""The payments' REST bodies for reads and refunds: what comes in (`XIn`) and what goes out (`XOut`).

Amounts are decimal strings at the currency's digits, with the payment's one currency beside them. The domain
checks every value a schema lets through (the amount against what is left, the SKUs against the order's
lines, the reason's text) and names the body field at fault; the schemas bound lengths. Bodies are plain
pydantic models: ninja's `Schema` reads attributes off any object, so it would take a JSON array or a string
for a body whose fields are all optional.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from ninja import Field, Schema
from pydantic import BaseModel

from ocg.payments.api.refunds.pages import PAGE_MAX, REFUND_STATES, SLA_STATES
from ocg.payments.api.refunds.types import refundable
from ocg.payments.domain.payment import NOTE_MAX_LENGTH
from ocg.payments.models import PaymentView, RefundView

RefundState = Literal[REFUND_STATES]  # type: ignore[valid-type]
SlaState = Literal[SLA_STATES]  # type: ignore[valid-type]
AMOUNT_MAX_LENGTH = 40


class RefundRequestIn(BaseModel):
    reason: str = Field(max_length=NOTE_MAX_LENGTH, description="Why the money should come back.")
    amount: str | None = Field(
        None,
        max_length=AMOUNT_MAX_LENGTH,
        description="In the order's currency, e.g. 120.00; default: the lines' total, or all that is left.",
    )
    skus: list[str] = Field([], max_length=100, description="The lines to refund; default: the whole order.")


class RefundApproveIn(BaseModel):
    amount: str | None = Field(None, max_length=AMOUNT_MAX_LENGTH, description="At most what was asked (default).")
    note: str = Field("", max_length=NOTE_MAX_LENGTH, description="Kept on the refund; the customer sees it.")


class RefundRejectIn(BaseModel):
    note: str = Field(max_length=NOTE_MAX_LENGTH, description="Why; the customer sees it.")


class RefundOut(Schema):
    id: UUID
    payment_id: UUID
    order_id: UUID
    provider: str
    state: RefundState
    currency: str
    requested: str = Field(description="What the customer asked for.")
    approved: str | None = Field(description="What staff approved (at most what was asked); null until then.")
    reason: str
    note: str = Field(description="Staff's note on approving or rejecting; empty until then.")
    failure: str = Field(description="Why the provider failed to send it back; empty otherwise.")
    skus: list[str] = Field(description="The lines refunded; empty: the whole order.")
    made_to_order: bool = Field(
        description="Some piece is made to order or customised: exempt from the statutory withdrawal right "
        "(2011/83/EU Art. 16); staff decide."
    )
    sla_state: SlaState
    requested_at: datetime
    due_at: datetime = Field(description="When the money must be back by (REFUND_SLA_DAYS after the request).")
    decided_at: datetime | None
    closed_at: datetime | None = Field(description="When it was confirmed, rejected or failed; null while pending.")


class PaymentOut(Schema):
    id: UUID
    order_id: UUID
    provider: str
    status: str = Field(
        description="created, requires_action, succeeded, failed, cancelled, partially_refunded, refunded."
    )
    currency: str
    amount: str
    captured: str | None = Field(description="What the provider took; null until it succeeded.")
    refunded: str = Field(description="What the provider confirmed it sent back.")
    refundable: str = Field(description="What may still be asked back.")
    failure: str
    refunds: list[RefundOut] = Field(description="Oldest first.")
    created_at: datetime
    updated_at: datetime


class RefundPageOut(Schema):
    items: list[RefundOut]
    next_cursor: str | None = Field(description="Send as `cursor` for the next page; null on the last one.")
    count: int = Field(description="Refunds in the whole list, every page together.")


class RefundFilters(Schema):
    status: list[RefundState] = Field([], description="Repeat to ask for several (staff).")
    sla_state: list[SlaState] = Field([], description="Repeat to ask for several (staff).")
    limit: int = Field(20, ge=1, le=PAGE_MAX, description=f"Refunds per page, 1 to {PAGE_MAX}.")
    cursor: str | None = Field(None, max_length=400, description="The `next_cursor` of the page before.")


def refund_out(row: RefundView) -> dict[str, Any]:
    approved = row.approved_money
    return {
        "id": row.id,
        "payment_id": row.payment_id,
        "order_id": row.order_id,
        "provider": row.provider,
        "state": row.state,
        "currency": row.currency,
        "requested": str(row.requested_money.amount),
        "approved": str(approved.amount) if approved is not None else None,
        "reason": row.reason,
        "note": row.note,
        "failure": row.failure,
        "skus": row.skus,
        "made_to_order": row.made_to_order,
        "sla_state": row.sla_state,
        "requested_at": row.requested_at,
        "due_at": row.due_at,
        "decided_at": row.decided_at,
        "closed_at": row.closed_at,
    }


def payment_out(row: PaymentView, refunds: list[RefundView]) -> dict[str, Any]:
    captured = row.captured_money
    return {
        "id": row.id,
        "order_id": row.order_id,
        "provider": row.provider,
        "status": row.status,
        "currency": row.currency,
        "amount": str(row.amount_money.amount),
        "captured": str(captured.amount) if captured is not None else None,
        "refunded": str(row.refunded_money.amount),
        "refundable": str(refundable(row, refunds).amount),
        "failure": row.failure,
        "refunds": [refund_out(refund) for refund in refunds],
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }
