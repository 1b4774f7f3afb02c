"""The payments' answer to the orders: money an order could not take goes back, whole.

The orders' policy turns a succeeded payment into the order's `paid`; when the order can no longer take it
(cancelled or expired while the customer paid, in negotiation, paid by another attempt, or for another total
since), it records `Order.PaymentRefused` instead. This process application answers that event with a full
refund of the payment, requested and approved by the system (no actor), due as any refund is; the
`send_approved_refunds` job sends it to the provider, keyed by the refund id. The refund's id is a uuid5 of
the payment, so however often the refusal is seen, there is one refund. The payment also lets go of the
order's slot, so the order (if it still awaits payment) can be paid again.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from eventsourcing.application import AggregateNotFoundError, ProcessingEvent
from eventsourcing.dispatch import singledispatchmethod

from ocg.orders.domain import Order
from ocg.payments.domain import OrderPaymentSlot, Payment, slot_id
from ocg.payments.domain import payment as states
from ocg.spine.policies import ContextPolicy

AUTOMATIC_REFUND = uuid.UUID("9d1c6b0e-2f47-4a83-b5e1-7c0d4e2a9f36")


def automatic_refund_id(payment_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(AUTOMATIC_REFUND, str(payment_id))


class PaymentPolicy(ContextPolicy):
    name = "payments"
    follows = ("orders",)
    reacts_to = (Order.PaymentRefused,)

    def prefetch(self, domain_event: Any) -> list[Any]:
        if isinstance(domain_event, Order.PaymentRefused):
            return [domain_event.payment_id, slot_id(domain_event.originator_id)]
        return []

    @singledispatchmethod
    def policy(self, domain_event: Any, processing_event: ProcessingEvent) -> None:
        """Other orders events change no payment."""

    @policy.register
    def _(self, domain_event: Order.PaymentRefused, processing_event: ProcessingEvent) -> None:
        payment = self._get(domain_event.payment_id)
        if not isinstance(payment, Payment) or payment.status not in states.CAPTURED:
            return
        refund_id = automatic_refund_id(payment.id)
        refundable = payment.refundable
        if refund_id not in payment.refunds and refundable.amount > 0:
            reason = f"Automatic: {domain_event.reason}"
            payment.request_refund(
                refund_id=refund_id,
                amount=refundable,
                reason=reason,
                skus=[],
                made_to_order=False,
                actor_id=None,
                at=domain_event.timestamp,
                due_at=domain_event.timestamp + timedelta(days=settings.REFUND_SLA_DAYS),
            )
            payment.approve_refund(refund_id, refundable, "Approved automatically: the order did not take it.", None)
            processing_event.collect_events(payment)
        slot = self._get(slot_id(payment.order_id))
        if isinstance(slot, OrderPaymentSlot) and slot.release(payment.id):
            processing_event.collect_events(slot)

    def _get(self, aggregate_id: Any) -> Any:
        try:
            return self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
