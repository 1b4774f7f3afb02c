"""The payments context's read side, for its APIs, its jobs and other contexts (orders' notifications, health).

Everything here reads the projection's tables; commands never decide on them, they re-check on the aggregate.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.db.models import Count, Min, Q

from ocg.payments.domain import payment as states
from ocg.payments.models import PaymentView, RefundView

OPEN_STATUSES = (states.CREATED, states.REQUIRES_ACTION)


def payment(payment_id: UUID) -> PaymentView | None:
    return PaymentView.objects.filter(id=payment_id).first()


def payments_of_order(order_id: UUID) -> list[PaymentView]:
    """Every attempt to pay the order, oldest first (failed and cancelled ones included)."""
    return list(PaymentView.objects.filter(order_id=order_id).order_by("created_at", "id"))


def captured_payment_of_order(order_id: UUID) -> PaymentView | None:
    """The attempt that took the money, if one did: an order is paid at most once."""
    captured = (states.SUCCEEDED, states.PARTIALLY_REFUNDED, states.REFUNDED)
    return PaymentView.objects.filter(order_id=order_id, status__in=captured).first()


def refund(refund_id: UUID) -> RefundView | None:
    return RefundView.objects.filter(id=refund_id).first()


def refunds_of_payments(payment_ids: Iterable[UUID]) -> dict[UUID, list[RefundView]]:
    """The refunds of many payments in one query, oldest first."""
    found: dict[UUID, list[RefundView]] = {}
    wanted = list(payment_ids)
    if not wanted:
        return found
    for row in RefundView.objects.filter(payment_id__in=wanted).order_by("requested_at", "id"):
        found.setdefault(row.payment_id, []).append(row)
    return found


def stale_open_payments(created_before: datetime, limit: int) -> list[PaymentView]:
    """Payments still waiting on the provider since before `created_before`: reconciliation asks about them."""
    rows = PaymentView.objects.filter(status__in=OPEN_STATUSES, created_at__lt=created_before).order_by("created_at")
    return list(rows[:limit])


def approved_refunds(limit: int) -> list[RefundView]:
    """Refunds approved but not yet with the provider, oldest first: the sending job's work."""
    rows = RefundView.objects.filter(state=states.REFUND_APPROVED).order_by("requested_at", "id")
    return list(rows[:limit])


def refunds_due_for_sla(now: datetime, at_risk_fraction: float, limit: int) -> list[RefundView]:
    """Pending refunds whose at-risk moment or deadline has come and has not been signalled yet, earliest due
    first. The aggregate decides again; this only proposes."""
    candidates = RefundView.objects.filter(closed_at__isnull=True).exclude(sla_state=RefundView.SlaState.BREACHED)
    due: list[RefundView] = []
    for row in candidates.order_by("due_at", "id").iterator(chunk_size=500):
        at_risk_at = row.requested_at + (row.due_at - row.requested_at) * at_risk_fraction
        if row.due_at <= now or (row.sla_state == RefundView.SlaState.ON_TIME and at_risk_at <= now):
            due.append(row)
            if len(due) >= limit:
                break
    return due


@dataclass(frozen=True)
class SlaSummary:
    """Refunds still pending past their deadline or near it, for /readyz and the admin."""

    breached: int
    at_risk: int
    oldest_breached_due_at: datetime | None

    def as_dict(self) -> dict[str, object]:
        return {
            "breached": self.breached,
            "at_risk": self.at_risk,
            "oldest_breached_due_at": self.oldest_breached_due_at.isoformat() if self.oldest_breached_due_at else None,
        }


def refund_sla_summary() -> SlaSummary:
    """One query: pending refunds by SLA state (a refund settled late no longer counts)."""
    breached = Q(sla_state=RefundView.SlaState.BREACHED)
    found = RefundView.objects.filter(closed_at__isnull=True).aggregate(
        breached=Count("id", filter=breached),
        at_risk=Count("id", filter=Q(sla_state=RefundView.SlaState.AT_RISK)),
        oldest=Min("due_at", filter=breached),
    )
    return SlaSummary(breached=found["breached"], at_risk=found["at_risk"], oldest_breached_due_at=found["oldest"])
