"""The orders' answer to the inventory: a placed order is confirmed when its stock is held, rejected
(with the short SKUs) when it is not. And to the payments: a payment the provider took pays the order,
exactly once; its refunds move the order through refund_requested to refunded or refund_rejected.

A success the order cannot take (cancelled or expired meanwhile, in negotiation, already paid, or for a
total the order no longer has) never stalls this policy: the order records `PaymentRefused`, and the
payments' policy answers it with a full refund, approved and sent by the payments context. The money
always goes back; the order's state does not move.

And to the negotiation: `Negotiation.Opened` puts the order in `negotiating` (payment waits); `PriceAgreed` closes
it with the agreed total as the order's, `Closed(abandoned)` at the price it had. Either way the order then awaits
payment, with a fresh payment window. An order that can no longer take the step (cancelled, paid) is left alone:
the negotiation's own policy ends a negotiation whose order moved on.

The orders context's process application. It follows the catalog and the payments and writes only
orders events, each in the same transaction as the position of the upstream event it answers.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from eventsourcing.application import AggregateNotFoundError, ProcessingEvent
from eventsourcing.dispatch import singledispatchmethod

from ocg.catalog.domain import Reservation
from ocg.negotiation.domain import Negotiation
from ocg.orders.domain import Order
from ocg.orders.domain.order import REASON_MAX_LENGTH
from ocg.payments.domain import Payment
from ocg.spine.policies import ContextPolicy

PAYMENT_EVENTS = (Payment.Succeeded, Payment.RefundRequested, Payment.RefundConfirmed, Payment.RefundRejected)
NEGOTIATION_EVENTS = (Negotiation.Opened, Negotiation.PriceAgreed, Negotiation.Closed)


class OrderPolicy(ContextPolicy):
    name = "orders"
    follows = ("catalog", "payments", "negotiation")
    reacts_to = (Reservation.Made, Reservation.Refused, *PAYMENT_EVENTS, *NEGOTIATION_EVENTS)

    def prefetch(self, domain_event: Any) -> list[Any]:
        return [domain_event.order_id] if isinstance(domain_event, self.reacts_to) else []

    @singledispatchmethod
    def policy(self, domain_event: Any, processing_event: ProcessingEvent) -> None:
        """Other catalog events change no order."""

    @policy.register
    def _(self, domain_event: Reservation.Made, processing_event: ProcessingEvent) -> None:
        order = self._order(domain_event.order_id)
        self._step(processing_event, order, "confirm", pay_by=payment_due(domain_event))

    @policy.register
    def _(self, domain_event: Reservation.Refused, processing_event: ProcessingEvent) -> None:
        order = self._order(domain_event.order_id)
        self._step(processing_event, order, "reject", domain_event.shortages)

    @policy.register
    def _(self, domain_event: Payment.Succeeded, processing_event: ProcessingEvent) -> None:
        order = self._order(domain_event.order_id)
        if order is None:
            return
        payment_id, captured = domain_event.originator_id, domain_event.captured
        if order.can_take(payment_id, captured):
            order.pay(payment_id, captured)
        elif order.paid_by == payment_id:
            return
        else:
            order.refuse_payment(payment_id, captured, refusal_reason(order, captured))
        processing_event.collect_events(order)

    @policy.register
    def _(self, domain_event: Payment.RefundRequested, processing_event: ProcessingEvent) -> None:
        order = self._paid_by(domain_event)
        reason = domain_event.reason[:REASON_MAX_LENGTH]
        self._step(processing_event, order, "request_refund", reason, domain_event.actor_id, None)

    @policy.register
    def _(self, domain_event: Payment.RefundConfirmed, processing_event: ProcessingEvent) -> None:
        order = self._paid_by(domain_event)
        if order is not None and order.can("refund") and domain_event.amount.currency == order.total.currency:
            order.refund(min(domain_event.amount, order.total), None)
            processing_event.collect_events(order)

    @policy.register
    def _(self, domain_event: Payment.RefundRejected, processing_event: ProcessingEvent) -> None:
        order = self._paid_by(domain_event)
        note = domain_event.note[:REASON_MAX_LENGTH]
        self._step(processing_event, order, "reject_refund", note, domain_event.actor_id)

    @policy.register
    def _(self, domain_event: Negotiation.Opened, processing_event: ProcessingEvent) -> None:
        order = self._order(domain_event.order_id)
        self._step(processing_event, order, "open_negotiation", domain_event.actor_id)

    @policy.register
    def _(self, domain_event: Negotiation.PriceAgreed, processing_event: ProcessingEvent) -> None:
        order = self._order(domain_event.order_id)
        if order is None or not order.can("close_negotiation"):
            return
        agreed = domain_event.amount
        usable = agreed.currency == order.total.currency and agreed.amount > 0
        order.close_negotiation(domain_event.actor_id, agreed if usable else None, pay_by=payment_due(domain_event))
        processing_event.collect_events(order)

    @policy.register
    def _(self, domain_event: Negotiation.Closed, processing_event: ProcessingEvent) -> None:
        """An agreed close was answered at its PriceAgreed; an abandoned one keeps the order's price."""
        if domain_event.outcome == "agreed":
            return
        order = self._order(domain_event.order_id)
        self._step(
            processing_event, order, "close_negotiation", domain_event.actor_id, None, pay_by=payment_due(domain_event)
        )

    @staticmethod
    def _step(
        processing_event: ProcessingEvent, order: Order | None, step: str, *arguments: Any, **keywords: Any
    ) -> None:
        """The order takes `step` if it still can; one that has moved on (cancelled, paid...) is left alone."""
        if order is not None and order.can(step):
            getattr(order, step)(*arguments, **keywords)
            processing_event.collect_events(order)

    def _paid_by(self, domain_event: Any) -> Order | None:
        """The order, when the payment whose refund this is paid it (an automatic refund of a payment the
        order refused leaves the order alone)."""
        order = self._order(domain_event.order_id)
        return order if order is not None and order.paid_by == domain_event.originator_id else None

    def _order(self, order_id: Any) -> Order | None:
        try:
            return self.repository.get(order_id)
        except AggregateNotFoundError:
            return None


def payment_due(domain_event: Any) -> Any:
    return domain_event.timestamp + timedelta(seconds=settings.ORDER_PAYMENT_WINDOW_SECONDS)


def refusal_reason(order: Order, captured: Any) -> str:
    if order.paid_by is not None:
        return "The order was already paid by another payment."
    if order.status == "awaiting_payment":
        return f"The order's total is now {order.total.amount} {order.total.currency}, not the amount captured."
    return f"The order is {order.status}: it can no longer be paid."
