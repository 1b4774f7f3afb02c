"""The payments' read models, folded from the payments events a batch at a time (one transaction per batch).

Every `Payment.*` event becomes one audit entry, whatever its kind, so an event added to the aggregate
later is in the trail without a change here; the payment and refund rows follow the events that move them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from ocg.payments.domain import payment as states
from ocg.payments.models import PaymentAuditEntry, PaymentView, RefundView
from ocg.spine.domain.money import Money
from ocg.spine.projections import Projection

PAYMENT_FIELDS = [f.name for f in PaymentView._meta.concrete_fields if not f.primary_key]
REFUND_FIELDS = [f.name for f in RefundView._meta.concrete_fields if not f.primary_key]
# Event attributes every event has, or that the audit entry keeps in columns of their own.
NOT_DETAILS = frozenset(
    {
        "originator_id",
        "originator_version",
        "timestamp",
        "originator_topic",
        "actor_id",
        "amount",
        "captured",
        "refund_id",
        "provider_payment_id",
        "provider_refund_id",
        "provider_event_id",
        "order_id",
        "customer_id",
        "provider",
    }
)
_CAMEL_BOUNDARY = re.compile(r"(?<!^)(?=[A-Z])")


def kind_of(event_name: str) -> str:
    """`Payment.RefundSlaAtRisk` -> `refund_sla_at_risk`: the audit trail's kind of entry."""
    return _CAMEL_BOUNDARY.sub("_", event_name).lower()


def plain(value: Any) -> Any:
    """An event attribute as JSON keeps it."""
    if isinstance(value, Money):
        return {"amount": str(value.amount), "currency": value.currency}
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(item) for item in value]
    return value


class PaymentsProjection(Projection):
    name = "payments"
    sources = ("payments",)
    read_models = (PaymentView, RefundView, PaymentAuditEntry)

    def handle(self, events: Sequence[Any]) -> None:
        payment_events = [e for e in events if type(e).__qualname__.startswith("Payment.")]
        if not payment_events:
            return
        payments = {row.id: row for row in PaymentView.objects.filter(id__in={e.originator_id for e in payment_events})}
        refund_ids = {e.refund_id for e in payment_events if isinstance(getattr(e, "refund_id", None), UUID)}
        refunds = {row.id: row for row in RefundView.objects.filter(id__in=refund_ids)} if refund_ids else {}
        entries: list[PaymentAuditEntry] = []
        for domain_event in payment_events:
            name = type(domain_event).__qualname__.removeprefix("Payment.")
            if name == "Created":
                payments[domain_event.originator_id] = created_row(domain_event)
            payment = payments.get(domain_event.originator_id)
            if payment is None:
                continue  # its creation was never recorded: nothing to hang it on
            refund = None
            if name.startswith("Refund"):
                if name == "RefundRequested":
                    refunds[domain_event.refund_id] = requested_row(payment, domain_event)
                refund = refunds.get(domain_event.refund_id)
                if refund is not None:
                    REFUND_STEPS.get(name, lambda row, e: None)(refund, domain_event)
                    refund.updated_at = domain_event.timestamp
            PAYMENT_STEPS.get(name, lambda row, e: None)(payment, domain_event)
            payment.version = domain_event.originator_version
            payment.updated_at = domain_event.timestamp
            entries.append(audit_entry(payment, refund, name, domain_event))
        PaymentView.objects.bulk_create(
            payments.values(), update_conflicts=True, unique_fields=["id"], update_fields=PAYMENT_FIELDS
        )
        if refunds:
            RefundView.objects.bulk_create(
                refunds.values(), update_conflicts=True, unique_fields=["id"], update_fields=REFUND_FIELDS
            )
        PaymentAuditEntry.objects.bulk_create(entries, ignore_conflicts=True)


def created_row(e: Any) -> PaymentView:
    return PaymentView(
        id=e.originator_id,
        order_id=e.order_id,
        customer_id=e.customer_id,
        provider=e.provider,
        status=states.CREATED,
        amount=e.amount.amount,
        currency=e.amount.currency,
        created_at=e.timestamp,
        updated_at=e.timestamp,
        version=e.originator_version,
    )


def requested_row(payment: PaymentView, e: Any) -> RefundView:
    return RefundView(
        id=e.refund_id,
        payment_id=payment.id,
        order_id=payment.order_id,
        customer_id=payment.customer_id,
        provider=payment.provider,
        state=states.REFUND_REQUESTED,
        currency=e.amount.currency,
        requested=e.amount.amount,
        reason=e.reason,
        skus=list(e.skus),
        made_to_order=e.made_to_order,
        requested_by=e.actor_id,
        requested_at=e.requested_at,
        due_at=e.due_at,
        updated_at=e.timestamp,
    )


def audit_entry(payment: PaymentView, refund: RefundView | None, name: str, e: Any) -> PaymentAuditEntry:
    attributes = vars(e)
    money = attributes.get("amount", attributes.get("captured"))
    return PaymentAuditEntry(
        payment_id=payment.id,
        version=e.originator_version,
        kind=kind_of(name),
        actor_id=attributes.get("actor_id"),
        order_id=payment.order_id,
        customer_id=payment.customer_id,
        provider=payment.provider,
        amount=money.amount if isinstance(money, Money) else None,
        currency=money.currency if isinstance(money, Money) else payment.currency,
        refund_id=attributes.get("refund_id"),
        provider_payment_id=payment.provider_payment_id,
        provider_refund_id=(refund.provider_refund_id if refund is not None else "") or "",
        provider_event_id=attributes.get("provider_event_id") or "",
        details={key: plain(value) for key, value in attributes.items() if key not in NOT_DETAILS},
        at=e.timestamp,
    )


# How each event moves the payment's row.


def _intent(row: PaymentView, e: Any) -> None:
    row.provider_payment_id = e.provider_payment_id
    if e.needs_action:
        row.status = states.REQUIRES_ACTION


def _succeeded(row: PaymentView, e: Any) -> None:
    row.captured = e.captured.amount
    row.status = states.SUCCEEDED
    row.failure = ""  # the provider took it after all: whatever made it fail here no longer stands


def _ended(status: str) -> Callable[[PaymentView, Any], None]:
    def apply(row: PaymentView, e: Any) -> None:
        row.status = status
        row.failure = (e.reason or "")[:500]

    return apply


def _refund_confirmed(row: PaymentView, e: Any) -> None:
    row.refunded = Decimal(row.refunded) + e.amount.amount
    wholly = row.captured is not None and row.refunded >= row.captured
    row.status = states.REFUNDED if wholly else states.PARTIALLY_REFUNDED


PAYMENT_STEPS: dict[str, Callable[[PaymentView, Any], None]] = {
    "IntentCreated": _intent,
    "Succeeded": _succeeded,
    "Failed": _ended(states.FAILED),
    "Cancelled": _ended(states.CANCELLED),
    "RefundConfirmed": _refund_confirmed,
}


# How each event moves the refund's row.


def _approved(row: RefundView, e: Any) -> None:
    row.state = states.REFUND_APPROVED
    row.approved = e.amount.amount
    row.note = e.note
    row.decided_by = e.actor_id
    row.decided_at = e.timestamp


def _rejected(row: RefundView, e: Any) -> None:
    row.state = states.REFUND_REJECTED
    row.note = e.note
    row.decided_by = e.actor_id
    row.decided_at = e.timestamp
    row.closed_at = e.timestamp


def _sent(row: RefundView, e: Any) -> None:
    row.state = states.REFUND_SENT
    row.provider_refund_id = e.provider_refund_id


def _confirmed(row: RefundView, e: Any) -> None:
    row.state = states.REFUND_CONFIRMED
    row.closed_at = e.timestamp


def _failed(row: RefundView, e: Any) -> None:
    row.state = states.REFUND_FAILED
    row.failure = (e.reason or "")[:500]
    row.closed_at = e.timestamp


def _at_risk(row: RefundView, e: Any) -> None:
    if row.sla_state == RefundView.SlaState.ON_TIME:
        row.sla_state = RefundView.SlaState.AT_RISK


def _breached(row: RefundView, e: Any) -> None:
    row.sla_state = RefundView.SlaState.BREACHED


REFUND_STEPS: dict[str, Callable[[RefundView, Any], None]] = {
    "RefundApproved": _approved,
    "RefundRejected": _rejected,
    "RefundSent": _sent,
    "RefundConfirmed": _confirmed,
    "RefundFailed": _failed,
    "RefundSlaAtRisk": _at_risk,
    "RefundSlaBreached": _breached,
}
