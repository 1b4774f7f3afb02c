"""The payments context's commands (the refund ones live in ocg/payments/refunding.py). Their signatures are
kept stable: the refund APIs, the SLA job, reconciliation and the PayPal flow build on them.

    pay_order(order_id, provider, customer_id, actor_id, idempotency_key=None) -> PaymentStarted
    handle_provider_event(provider, event: WebhookEvent) -> str      what it did (see HANDLED)
    cancel_payment(payment_id, *, reason="", actor_id, acting_customer_id=None) -> None
    request_refund(*, order_id=None, payment_id=None, amount=None, skus=None, reason, actor_id,
                   acting_customer_id=None, now=None, refund_id=None) -> RefundRequested
    approve_refund(payment_id, refund_id, *, amount=None, note="", actor_id) -> None
    reject_refund(payment_id, refund_id, *, note, actor_id) -> None
    send_refund(payment_id, refund_id) -> str                         the refund's state: sent / confirmed
    signal_refund_sla(payment_id, refund_id, now) -> list[str]        "at_risk" / "breached", each once
    signal_refund_slas(now, limit=500) -> int                         signals emitted (the beat job)
    send_approved_refunds(limit=100) -> int                           refunds sent (the beat job)

Paying, in order: the order is checked on the orders' read side (it exists, is the caller's, awaits payment;
a `confirmed` order is asked to await payment first with OrderRequestPayment, since only the orders context
writes orders events); the payment and the order's slot are saved in ONE save before the provider hears of
it, so a crash after the provider's answer is reconciled, never lost; the provider is called with a key
derived from the payment id (a retry of one payment makes one intent there); the intent is recorded with its
uuid5 index (provider id -> payment), which webhooks go through.

A client's idempotency key also names the payment (uuid5 of the customer, the order and the key): a request
retried after a 503, or re-run after a crash, resumes the same payment. A payment left `created` with no
intent (its provider call never answered) is superseded by the next attempt with another key; one the
provider knows (it has an intent) makes another attempt `payment_in_progress`.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.conf import settings
from eventsourcing.application import AggregateNotFoundError

from ocg.orders import queries as orders
from ocg.payments.domain import (
    IllegalPaymentStep,
    NotPaymentParty,
    OrderNotPayable,
    OrderPaymentSlot,
    Payment,
    PaymentInProgress,
    PaymentNotFound,
    ProviderError,
    ProviderPaymentIndex,
    provider_payment_index_id,
    slot_id,
)
from ocg.payments.domain import payment as states
from ocg.payments.providers import get_provider, unavailable, unguarded
from ocg.payments.providers.base import ProviderUnavailable, StartedPayment, WebhookEvent
from ocg.payments.refunding import RefundCommands
from ocg.spine.domain.money import Money
from ocg.spine.eventstore import ContextApplication, command

logger = logging.getLogger(__name__)

PAYMENT_NAMESPACE = uuid.UUID("0f6f2a4e-93c1-4b7a-8d52-6a1e9c3b7f10")
# A provider that did not answer: when to try again (the circuit breaker answers its own cool-down).
# What an order's read-model status means for paying it.
NOT_PAYABLE = {
    "placed": "Order {number} is not confirmed yet: its stock is still being reserved.",
    "confirmed": "Order {number} is confirmed: ask to pay it first (orderRequestPayment), then pay.",
    "negotiating": "Order {number} is in negotiation: it can be paid once the negotiation is closed.",
    "rejected": "Order {number} was rejected: its pieces were not in stock.",
    "cancelled": "Order {number} was cancelled.",
}
PAYABLE = "awaiting_payment"
# handle_provider_event's answers.
HANDLED = ("ignored", "unknown_payment", "duplicate", "recorded", "succeeded", "failed", "cancelled")


@dataclass(frozen=True)
class PaymentStarted:
    """What a client needs next; `client_secret` and `approval_url` are handed out, never stored in events."""

    payment_id: UUID
    order_id: UUID
    provider: str
    status: str
    amount: Money
    client_secret: str | None = None
    approval_url: str | None = None
    demo: bool = False


def payment_id_for(customer_id: UUID, order_id: UUID, idempotency_key: str) -> UUID:
    return uuid.uuid5(PAYMENT_NAMESPACE, f"{customer_id}:{order_id}:{idempotency_key}")


def provider_key(payment_id: UUID) -> str:
    """The provider's idempotency key of a payment: a retry of this payment is the same intent there."""
    return f"ocg-payment-{payment_id}"


def is_demo(provider: str) -> bool:
    """`make run` without Stripe keys pays against a local fake Stripe: those payments are labelled demo."""
    return provider == "stripe" and bool(getattr(settings, "STRIPE_DEMO", False))


class PaymentsApplication(RefundCommands, ContextApplication):
    name = "payments"

    # Paying.

    def pay_order(
        self,
        order_id: UUID,
        provider: str,
        customer_id: UUID,
        actor_id: UUID | None,
        idempotency_key: str | None = None,
    ) -> PaymentStarted:
        view = orders.order(order_id)
        if view is None:
            raise PaymentNotFound(f"No order {order_id}.", field="order_id", order_id=order_id)
        if view.customer_id != customer_id:
            raise NotPaymentParty("Only the order's customer may pay it.", field="order_id", order_id=order_id)
        if view.status != PAYABLE:
            message = NOT_PAYABLE.get(view.status, "Order {number} is already paid.")
            raise OrderNotPayable(message.format(number=view.number), field="order_id", order_id=order_id)
        adapter = get_provider(provider)
        amount = view.money
        wanted = payment_id_for(customer_id, order_id, idempotency_key) if idempotency_key else uuid.uuid4()
        payment_id = self._open_payment(order_id, customer_id, amount, provider, actor_id, wanted)
        try:
            started = adapter.start(
                amount=amount,
                order_number=view.number,
                idempotency_key=provider_key(payment_id),
                metadata={"payment_id": str(payment_id), "order_id": str(order_id)},
            )
        except ProviderUnavailable as error:
            raise unavailable(provider, error) from error
        except ProviderError as error:
            self._start_refused(payment_id, error.message)
            raise
        status = self._record_intent(payment_id, started)
        return PaymentStarted(
            payment_id=payment_id,
            order_id=order_id,
            provider=provider,
            status=status,
            amount=amount,
            client_secret=started.client_secret,
            approval_url=started.approval_url,
            demo=is_demo(provider),
        )

    @command
    def _open_payment(
        self, order_id: UUID, customer_id: UUID, amount: Money, provider: str, actor_id: UUID | None, wanted: UUID
    ) -> UUID:
        """The payment to send to the provider: a new one holding the order's slot, or the one to resume."""
        slot = self._get(slot_id(order_id), OrderPaymentSlot)
        superseded: list[Payment] = []
        if slot is not None and slot.payment_id is not None:
            held = self.payment(slot.payment_id)
            if held.status in states.CAPTURED:
                raise OrderNotPayable("This order is already paid.", field="order_id", order_id=order_id)
            if held.status in states.OPEN:
                if held.id == wanted:
                    return held.id
                if held.provider_payment_id is not None:
                    raise PaymentInProgress(
                        f"Payment {held.id} of this order is in progress: finish it, or retry that request with "
                        "its own idempotency key to see its answer again.",
                        field="order_id",
                        payment_id=held.id,
                    )
                held.cancel("superseded by a new attempt to pay", actor_id)
                slot.release(held.id)
                superseded.append(held)
        if self._get(wanted, Payment) is not None:
            wanted = uuid.uuid4()  # that key's payment ended long ago; this is a new attempt
        payment = Payment.start(
            payment_id=wanted,
            order_id=order_id,
            customer_id=customer_id,
            amount=amount,
            provider=provider,
            actor_id=actor_id,
        )
        if slot is None:
            slot = OrderPaymentSlot.claim_new(order_id, payment.id)
        else:
            slot.claim(payment.id)
        self.save(payment, slot, *superseded)
        return payment.id

    @command
    def _record_intent(self, payment_id: UUID, started: StartedPayment) -> str:
        payment = self.payment(payment_id)
        if payment.provider_payment_id is not None:
            if payment.provider_payment_id != started.provider_payment_id:
                logger.warning(
                    "payment %s: the provider answered %s again as %s",
                    payment_id,
                    payment.provider_payment_id,
                    started.provider_payment_id,
                )
            return payment.status
        if payment.status != states.CREATED:
            raise IllegalPaymentStep(
                f"This attempt to pay was {payment.status} meanwhile: pay again.",
                field="order_id",
                payment_id=payment_id,
            )
        payment.record_intent(started.provider_payment_id, started.needs_action)
        index_id = provider_payment_index_id(payment.provider, started.provider_payment_id)
        index = (
            None
            if self._get(index_id, ProviderPaymentIndex)
            else ProviderPaymentIndex.record(payment.provider, started.provider_payment_id, payment.id)
        )
        self.save(payment, *([index] if index else []))
        return payment.status

    @command
    def _start_refused(self, payment_id: UUID, reason: str) -> None:
        """The provider refused to start it: the attempt fails and frees the order for another."""
        payment = self.payment(payment_id)
        slot = self._get(slot_id(payment.order_id), OrderPaymentSlot)
        if payment.status == states.CREATED and payment.fail(f"refused by the provider: {reason}"):
            if slot is not None:
                slot.release(payment.id)
            self.save(payment, *([slot] if slot else []))

    # What the provider tells us (webhooks, reconciliation).

    def handle_provider_event(self, provider: str, event: WebhookEvent) -> str:
        """Once per provider event id: succeed, fail, cancel, confirm or fail a refund. Returns what it did."""
        if not event.provider_payment_id:
            return "ignored"
        index = self._get(provider_payment_index_id(provider, event.provider_payment_id), ProviderPaymentIndex)
        if index is None:
            return "unknown_payment"
        return self._apply_provider_event(index.payment_id, event)

    @command
    def _apply_provider_event(self, payment_id: UUID, event: WebhookEvent) -> str:
        payment = self.payment(payment_id)
        if not payment.record_provider_event(event.provider_event_id, event.kind):
            return "duplicate"
        outcome = "recorded"
        slot = self._get(slot_id(payment.order_id), OrderPaymentSlot)
        slot_changed = False
        if event.status == "succeeded":
            if payment.succeed(event.captured or payment.amount):
                outcome = "succeeded"
                if slot is not None and slot.payment_id is None:
                    slot.claim(payment.id)  # a late success takes the free slot back
                    slot_changed = True
        elif event.status in ("failed", "cancelled") and payment.status in states.OPEN:
            reason = event.reason or event.kind
            changed = payment.fail(reason) if event.status == "failed" else payment.cancel(reason, None)
            if changed:
                outcome = event.status
                slot_changed = slot is not None and slot.release(payment.id)
        if event.provider_refund_id and event.refund_status:
            self._refund_news(payment, event.provider_refund_id, event.refund_status, event.reason or event.kind)
        self.save(payment, *([slot] if slot_changed else []))
        return outcome

    @staticmethod
    def _refund_news(payment: Payment, provider_refund_id: str, status: str, reason: str) -> None:
        refund = next((r for r in payment.refunds.values() if r.provider_refund_id == provider_refund_id), None)
        if refund is None:
            return
        if status == "confirmed" and refund.state == states.REFUND_SENT:
            payment.confirm_refund(refund.refund_id)
        elif status == "failed" and refund.state in (states.REFUND_APPROVED, states.REFUND_SENT):
            payment.fail_refund(refund.refund_id, reason)

    def cancel_payment(
        self, payment_id: UUID, *, reason: str = "", actor_id: UUID | None, acting_customer_id: UUID | None = None
    ) -> None:
        """An open payment given up: cancelled at the provider first (where the adapter can), then here."""
        payment = self.payment(payment_id)
        if acting_customer_id is not None and acting_customer_id != payment.customer_id:
            raise NotPaymentParty("Only the payment's customer or staff may cancel it.", field="payment_id")
        if payment.status == states.CANCELLED:
            return
        if payment.status not in states.OPEN:
            raise IllegalPaymentStep(f"This payment is {payment.status}: it cannot be cancelled.", field="payment_id")
        cancel = getattr(unguarded(get_provider(payment.provider)), "cancel", None)
        if payment.provider_payment_id and cancel is not None:
            try:
                cancel(payment.provider_payment_id)
            except ProviderUnavailable as error:
                raise unavailable(payment.provider, error) from error
            except ProviderError as error:
                raise IllegalPaymentStep(
                    f"The provider would not cancel it ({error.message}): it may be paid already; its notification "
                    "settles it.",
                    field="payment_id",
                ) from error
        self._cancelled(payment_id, reason or "cancelled", actor_id)

    @command
    def _cancelled(self, payment_id: UUID, reason: str, actor_id: UUID | None) -> None:
        payment = self.payment(payment_id)
        if not payment.cancel(reason, actor_id):
            return
        slot = self._get(slot_id(payment.order_id), OrderPaymentSlot)
        released = slot is not None and slot.release(payment.id)
        self.save(payment, *([slot] if released else []))

    # Reading aggregates.

    def payment(self, payment_id: UUID) -> Payment:
        found = self._get(payment_id, Payment)
        if found is None:
            raise PaymentNotFound(f"No payment {payment_id}.", field="payment_id", payment_id=payment_id)
        return found

    def _get(self, aggregate_id: UUID, kind: type) -> Any:
        try:
            found = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, kind) else None
