"""The Payment aggregate: one attempt to pay one order, at one provider, and every refund of it.

States: created -> requires_action -> succeeded / failed / cancelled; after success, partially_refunded /
refunded as refunds are confirmed by the provider. Every step is an event carrying who or what caused it
(`actor_id`, or the provider's ids), so the stream is the payment's audit trail. Secrets the provider hands
out (a client secret) never enter it.

Refunds live inside the payment, because the rule that binds them is the payment's: the sum refunded never
exceeds what was captured. A refund is requested (with its due time), approved (perhaps for less) or
rejected, sent to the provider, and confirmed by it; its SLA may be signalled at risk and breached, each once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ocg.payments.domain.errors import IllegalPaymentStep, InvalidRefund
from ocg.spine.domain.money import Money
from ocg.spine.domain.text import clean_text

CREATED = "created"
REQUIRES_ACTION = "requires_action"
SUCCEEDED = "succeeded"
FAILED = "failed"
CANCELLED = "cancelled"
PARTIALLY_REFUNDED = "partially_refunded"
REFUNDED = "refunded"
OPEN = frozenset({CREATED, REQUIRES_ACTION})
CAPTURED = frozenset({SUCCEEDED, PARTIALLY_REFUNDED, REFUNDED})

# A refund's own states.
REFUND_REQUESTED = "requested"
REFUND_APPROVED = "approved"
REFUND_REJECTED = "rejected"
REFUND_SENT = "sent"
REFUND_CONFIRMED = "confirmed"
REFUND_FAILED = "failed"
REFUND_PENDING = frozenset({REFUND_REQUESTED, REFUND_APPROVED, REFUND_SENT})

PROVIDERS = ("stripe", "paypal")
NOTE_MAX_LENGTH = 1000


@dataclass
class Refund:
    refund_id: UUID
    requested: Money
    reason: str
    requested_by: UUID | None
    requested_at: datetime
    due_at: datetime
    made_to_order: bool
    skus: list[str]
    state: str = REFUND_REQUESTED
    approved: Money | None = None
    provider_refund_id: str | None = None
    at_risk_signalled: bool = False
    breached_signalled: bool = False

    @property
    def committed(self) -> Money | None:
        """What this refund takes out of the payment: nothing once rejected or failed."""
        if self.state in (REFUND_REJECTED, REFUND_FAILED):
            return None
        return self.approved if self.approved is not None else self.requested


class Payment(Aggregate):
    class Created(Aggregate.Created):
        order_id: UUID
        customer_id: UUID
        amount: Money
        provider: str
        actor_id: UUID | None

    @event(Created)
    def __init__(self, order_id: UUID, customer_id: UUID, amount: Money, provider: str, actor_id: UUID | None) -> None:
        self.order_id = order_id
        self.customer_id = customer_id
        self.amount = amount
        self.provider = provider
        self.status = CREATED
        self.provider_payment_id: str | None = None
        self.captured: Money | None = None
        self.failure: str | None = None
        self.refunds: dict[UUID, Refund] = {}
        self.provider_events: set[str] = set()

    @classmethod
    def start(
        cls, *, payment_id: UUID, order_id: UUID, customer_id: UUID, amount: Money, provider: str, actor_id: UUID | None
    ) -> Payment:
        if provider not in PROVIDERS:
            raise IllegalPaymentStep(f"The provider must be one of {', '.join(PROVIDERS)}.", field="provider")
        if amount.amount <= 0:
            raise IllegalPaymentStep("A payment is for more than zero.", field="amount")
        return cls._create(
            cls.Created,
            id=payment_id,
            order_id=order_id,
            customer_id=customer_id,
            amount=amount,
            provider=provider,
            actor_id=actor_id,
        )

    def _require(self, allowed: frozenset[str] | set[str], step: str) -> None:
        if self.status not in allowed:
            raise IllegalPaymentStep(
                f"This payment is {self.status}: it cannot {step}.", field="status", payment_id=self.id
            )

    # The provider's side.

    def record_intent(self, provider_payment_id: str, needs_action: bool) -> None:
        """The provider accepted the payment to take; `needs_action`: the customer must act (3-D Secure, approval)."""
        self._require({CREATED}, "record a provider payment")
        self._intent_created(provider_payment_id=provider_payment_id, needs_action=needs_action)

    class IntentCreated(Aggregate.Event):
        provider_payment_id: str
        needs_action: bool

    @event(IntentCreated)
    def _intent_created(self, provider_payment_id: str, needs_action: bool) -> None:
        self.provider_payment_id = provider_payment_id
        if needs_action:
            self.status = REQUIRES_ACTION

    def record_provider_event(self, provider_event_id: str, kind: str) -> bool:
        """A webhook or a reconciliation answer, once per provider event id; False for one already seen."""
        if provider_event_id in self.provider_events:
            return False
        self._provider_event_received(provider_event_id=provider_event_id, kind=kind[:100])
        return True

    class ProviderEventReceived(Aggregate.Event):
        provider_event_id: str
        kind: str

    @event(ProviderEventReceived)
    def _provider_event_received(self, provider_event_id: str, kind: str) -> None:
        self.provider_events.add(provider_event_id)

    def succeed(self, captured: Money) -> bool:
        """The provider took the money. False when this is already known (a repeat).

        The provider has the last word: a payment given up here (failed, cancelled) that it took anyway (a
        customer retrying on the same Stripe intent after a decline) is captured, so its money can go back.
        """
        if self.status in CAPTURED:
            return False
        self._require(OPEN | {FAILED, CANCELLED}, "succeed")
        if captured != self.amount:
            raise IllegalPaymentStep(
                f"The provider captured {captured.amount} {captured.currency}, not the payment's amount.",
                field="amount",
                payment_id=self.id,
            )
        self._succeeded(captured=captured, order_id=self.order_id)
        return True

    class Succeeded(Aggregate.Event):
        """Carries the order's id, as the refund events the orders' policy follows do, so it needs no lookup."""

        captured: Money
        order_id: UUID

    @event(Succeeded)
    def _succeeded(self, captured: Money, order_id: UUID) -> None:
        self.captured = captured
        self.status = SUCCEEDED

    def fail(self, reason: str) -> bool:
        if self.status in (FAILED, CANCELLED):
            return False
        self._require(OPEN, "fail")
        self._failed(reason=reason[:500])
        return True

    class Failed(Aggregate.Event):
        reason: str

    @event(Failed)
    def _failed(self, reason: str) -> None:
        self.failure = reason
        self.status = FAILED

    def cancel(self, reason: str, actor_id: UUID | None) -> bool:
        if self.status == CANCELLED:
            return False
        self._require(OPEN, "be cancelled")
        self._cancelled(reason=reason[:500], actor_id=actor_id)
        return True

    class Cancelled(Aggregate.Event):
        reason: str
        actor_id: UUID | None

    @event(Cancelled)
    def _cancelled(self, reason: str, actor_id: UUID | None) -> None:
        self.status = CANCELLED

    # Refunds.

    @property
    def refundable(self) -> Money:
        """Captured minus every refund not rejected or failed: what may still be asked for."""
        if self.captured is None:
            return Money.zero(self.amount.currency)
        left = self.captured
        for refund in self.refunds.values():
            if refund.committed is not None:
                left = left - refund.committed
        return left

    def refund(self, refund_id: UUID) -> Refund:
        found = self.refunds.get(refund_id)
        if found is None:
            raise InvalidRefund("This payment has no such refund.", field="refund_id", payment_id=self.id)
        return found

    @staticmethod
    def _require_refund(refund: Refund, allowed: set[str], step: str) -> None:
        if refund.state not in allowed:
            raise InvalidRefund(f"This refund is {refund.state}: it cannot {step}.", field="refund_id")

    def request_refund(
        self,
        *,
        refund_id: UUID,
        amount: Money,
        reason: str,
        skus: list[str],
        made_to_order: bool,
        actor_id: UUID | None,
        at: datetime,
        due_at: datetime,
    ) -> None:
        if self.status not in CAPTURED or self.status == REFUNDED:
            raise InvalidRefund("Only a paid, not wholly refunded, payment can be refunded.", field="order_id")
        self._check_amount(amount, self.refundable)
        reason = clean_text(reason, field="reason", max_length=NOTE_MAX_LENGTH, multiline=True, error=InvalidRefund)
        self._refund_requested(
            refund_id=refund_id,
            amount=amount,
            reason=reason,
            skus=list(skus),
            made_to_order=made_to_order,
            actor_id=actor_id,
            requested_at=at,
            due_at=due_at,
            order_id=self.order_id,
        )

    class RefundRequested(Aggregate.Event):
        refund_id: UUID
        order_id: UUID
        amount: Money
        reason: str
        skus: list[str]
        made_to_order: bool
        actor_id: UUID | None
        requested_at: datetime
        due_at: datetime

    @event(RefundRequested)
    def _refund_requested(
        self,
        refund_id: UUID,
        amount: Money,
        reason: str,
        skus: list[str],
        made_to_order: bool,
        actor_id: UUID | None,
        requested_at: datetime,
        due_at: datetime,
        order_id: UUID,
    ) -> None:
        self.refunds[refund_id] = Refund(
            refund_id=refund_id,
            requested=amount,
            reason=reason,
            requested_by=actor_id,
            requested_at=requested_at,
            due_at=due_at,
            made_to_order=made_to_order,
            skus=list(skus),
        )

    def approve_refund(self, refund_id: UUID, amount: Money, note: str, actor_id: UUID | None) -> None:
        """Staff approve all or part of what was asked."""
        refund = self.refund(refund_id)
        self._require_refund(refund, {REFUND_REQUESTED}, "be approved")
        self._check_amount(amount, refund.requested)
        # What other refunds hold does not change; this one may only shrink.
        note = clean_text(
            note, field="note", max_length=NOTE_MAX_LENGTH, multiline=True, required=False, error=InvalidRefund
        )
        self._refund_approved(refund_id=refund_id, amount=amount, note=note, actor_id=actor_id)

    class RefundApproved(Aggregate.Event):
        refund_id: UUID
        amount: Money
        note: str
        actor_id: UUID | None

    @event(RefundApproved)
    def _refund_approved(self, refund_id: UUID, amount: Money, note: str, actor_id: UUID | None) -> None:
        refund = self.refunds[refund_id]
        refund.approved = amount
        refund.state = REFUND_APPROVED

    def reject_refund(self, refund_id: UUID, note: str, actor_id: UUID | None) -> None:
        refund = self.refund(refund_id)
        self._require_refund(refund, {REFUND_REQUESTED}, "be rejected")
        note = clean_text(note, field="note", max_length=NOTE_MAX_LENGTH, multiline=True, error=InvalidRefund)
        self._refund_rejected(refund_id=refund_id, note=note, actor_id=actor_id, order_id=self.order_id)

    class RefundRejected(Aggregate.Event):
        refund_id: UUID
        note: str
        actor_id: UUID | None
        order_id: UUID

    @event(RefundRejected)
    def _refund_rejected(self, refund_id: UUID, note: str, actor_id: UUID | None, order_id: UUID) -> None:
        self.refunds[refund_id].state = REFUND_REJECTED

    def record_refund_sent(self, refund_id: UUID, provider_refund_id: str) -> bool:
        refund = self.refund(refund_id)
        if refund.state == REFUND_SENT and refund.provider_refund_id == provider_refund_id:
            return False
        self._require_refund(refund, {REFUND_APPROVED}, "be sent")
        self._refund_sent(refund_id=refund_id, provider_refund_id=provider_refund_id)
        return True

    class RefundSent(Aggregate.Event):
        refund_id: UUID
        provider_refund_id: str

    @event(RefundSent)
    def _refund_sent(self, refund_id: UUID, provider_refund_id: str) -> None:
        refund = self.refunds[refund_id]
        refund.provider_refund_id = provider_refund_id
        refund.state = REFUND_SENT

    def confirm_refund(self, refund_id: UUID) -> bool:
        """The provider says the money went back. False when already known."""
        refund = self.refund(refund_id)
        if refund.state == REFUND_CONFIRMED:
            return False
        self._require_refund(refund, {REFUND_SENT}, "be confirmed")
        self._refund_confirmed(refund_id=refund_id, amount=refund.approved, order_id=self.order_id)
        return True

    class RefundConfirmed(Aggregate.Event):
        refund_id: UUID
        amount: Money
        order_id: UUID

    @event(RefundConfirmed)
    def _refund_confirmed(self, refund_id: UUID, amount: Money, order_id: UUID) -> None:
        self.refunds[refund_id].state = REFUND_CONFIRMED
        confirmed = sum(
            (r.approved.amount for r in self.refunds.values() if r.state == REFUND_CONFIRMED and r.approved),
            start=0,
        )
        wholly = self.captured is not None and confirmed >= self.captured.amount
        self.status = REFUNDED if wholly else PARTIALLY_REFUNDED

    def fail_refund(self, refund_id: UUID, reason: str) -> bool:
        refund = self.refund(refund_id)
        if refund.state == REFUND_FAILED:
            return False
        self._require_refund(refund, {REFUND_APPROVED, REFUND_SENT}, "fail")
        self._refund_failed(refund_id=refund_id, reason=reason[:500])
        return True

    class RefundFailed(Aggregate.Event):
        refund_id: UUID
        reason: str

    @event(RefundFailed)
    def _refund_failed(self, refund_id: UUID, reason: str) -> None:
        self.refunds[refund_id].state = REFUND_FAILED

    # The refund's deadline (EU 2011/83/EU Art. 13: 14 days by default).

    def signal_sla(self, refund_id: UUID, now: datetime, at_risk_fraction: float) -> list[str]:
        """Emit at-risk and breached for a pending refund, each once; returns what was emitted."""
        refund = self.refund(refund_id)
        if refund.state not in REFUND_PENDING:
            return []
        emitted = []
        window = (refund.due_at - refund.requested_at).total_seconds()
        elapsed = (now - refund.requested_at).total_seconds()
        if not refund.at_risk_signalled and window > 0 and elapsed >= window * at_risk_fraction:
            self._refund_sla_at_risk(refund_id=refund_id, due_at=refund.due_at)
            emitted.append("at_risk")
        if not refund.breached_signalled and now >= refund.due_at:
            self._refund_sla_breached(refund_id=refund_id, due_at=refund.due_at)
            emitted.append("breached")
        return emitted

    class RefundSlaAtRisk(Aggregate.Event):
        refund_id: UUID
        due_at: datetime

    @event(RefundSlaAtRisk)
    def _refund_sla_at_risk(self, refund_id: UUID, due_at: datetime) -> None:
        self.refunds[refund_id].at_risk_signalled = True

    class RefundSlaBreached(Aggregate.Event):
        refund_id: UUID
        due_at: datetime

    @event(RefundSlaBreached)
    def _refund_sla_breached(self, refund_id: UUID, due_at: datetime) -> None:
        self.refunds[refund_id].breached_signalled = True

    def _check_amount(self, amount: Money, at_most: Money) -> None:
        if amount.currency != self.amount.currency:
            raise InvalidRefund("A refund is in the payment's currency.", field="amount", payment_id=self.id)
        if amount.amount <= 0:
            raise InvalidRefund("A refund is for more than zero.", field="amount", payment_id=self.id)
        if amount.amount > at_most.amount:
            raise InvalidRefund(
                f"At most {at_most.amount} {at_most.currency} can be refunded here.", field="amount", payment_id=self.id
            )


def refund_summary(refund: Refund) -> dict[str, Any]:
    return {
        "refund_id": refund.refund_id,
        "state": refund.state,
        "requested": refund.requested,
        "approved": refund.approved,
        "due_at": refund.due_at,
        "made_to_order": refund.made_to_order,
    }
