"""The payments' refund commands: a customer's request (whole order or some lines), staff's approval or
rejection, the provider refund sent and confirmed, and the SLA signals. A mixin of PaymentsApplication, which
gives it `_get`, `payment` and `save`; kept apart so each module stays readable.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.conf import settings
from django.utils import timezone

from ocg.orders import queries as orders
from ocg.payments import queries
from ocg.payments.domain import (
    InvalidRefund,
    NotPaymentParty,
    OrderPaymentSlot,
    Payment,
    PaymentsUnavailable,
    ProviderError,
    slot_id,
)
from ocg.payments.domain import payment as states
from ocg.payments.providers import get_provider, unavailable
from ocg.payments.providers.base import ProviderRefund, ProviderUnavailable
from ocg.spine.domain.money import Money
from ocg.spine.eventstore import command

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RefundRequested:
    payment_id: UUID
    refund_id: UUID


def refund_key(refund_id: UUID) -> str:
    return f"ocg-refund-{refund_id}"


class RefundCommands:
    @command
    def request_refund(
        self,
        *,
        order_id: UUID | None = None,
        payment_id: UUID | None = None,
        amount: Money | None = None,
        skus: list[str] | None = None,
        reason: str,
        actor_id: UUID | None,
        acting_customer_id: UUID | None = None,
        now: datetime | None = None,
        refund_id: UUID | None = None,
    ) -> RefundRequested:
        """A refund of the order's captured payment: `amount`, or the named lines (`skus`), or all that is left.

        Due REFUND_SLA_DAYS after `now`; flagged made-to-order when a refunded piece is (Art. 16 exemption).
        """
        payment = self._payment_to_refund(order_id, payment_id)
        if acting_customer_id is not None and acting_customer_id != payment.customer_id:
            raise NotPaymentParty("Only the order's customer or staff may ask for its refund.", field="order_id")
        view = orders.order(payment.order_id)
        lines = {line["sku"]: line for line in (view.lines if view is not None else [])}
        chosen = self._refunded_skus(skus or [], lines)
        if amount is None:
            amount = payment.refundable
            if chosen:
                asked = sum((Decimal(lines[sku]["line_total"]) for sku in chosen), Decimal(0))
                amount = Money.restore(min(asked, payment.refundable.amount), payment.amount.currency)
        if chosen:
            made_to_order = any(lines[sku].get("customizable") for sku in chosen)
        else:
            made_to_order = bool(view is not None and view.made_to_order)
        now = now or timezone.now()
        refund_id = refund_id or uuid.uuid4()
        payment.request_refund(
            refund_id=refund_id,
            amount=amount,
            reason=reason,
            skus=chosen,
            made_to_order=made_to_order,
            actor_id=actor_id,
            at=now,
            due_at=now + timedelta(days=settings.REFUND_SLA_DAYS),
        )
        self.save(payment)
        return RefundRequested(payment_id=payment.id, refund_id=refund_id)

    def _payment_to_refund(self, order_id: UUID | None, payment_id: UUID | None) -> Payment:
        """The named payment, or the one holding the order's slot (the captured one, once the order is paid)."""
        if payment_id is None:
            if order_id is None:
                raise InvalidRefund("Name the order (or the payment) to refund.", field="order_id")
            slot = self._get(slot_id(order_id), OrderPaymentSlot)
            if slot is None or slot.payment_id is None:
                raise InvalidRefund("This order has not been paid: there is nothing to refund.", field="order_id")
            payment_id = slot.payment_id
        payment = self.payment(payment_id)
        if order_id is not None and payment.order_id != order_id:
            raise InvalidRefund("That payment is not this order's.", field="payment_id")
        return payment

    @staticmethod
    def _refunded_skus(skus: list[Any], lines: dict[str, Any]) -> list[str]:
        chosen: list[str] = []
        for index, sku in enumerate(skus):
            key = sku.strip().upper() if isinstance(sku, str) else ""
            if key not in lines:
                raise InvalidRefund("That SKU is not one of the order's lines.", field=f"skus.{index}")
            if key not in chosen:
                chosen.append(key)
        return chosen

    @command
    def approve_refund(
        self, payment_id: UUID, refund_id: UUID, *, amount: Money | None = None, note: str = "", actor_id: UUID | None
    ) -> None:
        """Staff approve what was asked, or less (`amount`)."""
        payment = self.payment(payment_id)
        payment.approve_refund(refund_id, amount or payment.refund(refund_id).requested, note, actor_id)
        self.save(payment)

    @command
    def reject_refund(self, payment_id: UUID, refund_id: UUID, *, note: str, actor_id: UUID | None) -> None:
        payment = self.payment(payment_id)
        payment.reject_refund(refund_id, note, actor_id)
        self.save(payment)

    def send_refund(self, payment_id: UUID, refund_id: UUID) -> str:
        """An approved refund to the provider, keyed by the refund id (sent twice, it is one refund there).
        A refusal marks it failed (and raises); an outage leaves it approved, to be sent again."""
        payment = self.payment(payment_id)
        refund = payment.refund(refund_id)
        if refund.state in (states.REFUND_SENT, states.REFUND_CONFIRMED):
            return refund.state
        if refund.state != states.REFUND_APPROVED or refund.approved is None:
            raise InvalidRefund(f"This refund is {refund.state}: only an approved one is sent.", field="refund_id")
        if not payment.provider_payment_id:
            raise InvalidRefund("The provider never took this payment.", field="refund_id")
        try:
            result = get_provider(payment.provider).refund(
                provider_payment_id=payment.provider_payment_id,
                amount=refund.approved,
                idempotency_key=refund_key(refund_id),
            )
        except ProviderUnavailable as error:
            raise unavailable(payment.provider, error) from error
        except ProviderError as error:
            self._refund_refused(payment_id, refund_id, error.message)
            raise
        return self._refund_sent(payment_id, refund_id, result)

    @command
    def _refund_sent(self, payment_id: UUID, refund_id: UUID, result: ProviderRefund) -> str:
        payment = self.payment(payment_id)
        changed = payment.record_refund_sent(refund_id, result.provider_refund_id)
        if result.confirmed:
            changed = payment.confirm_refund(refund_id) or changed
        if changed:
            self.save(payment)
        return payment.refund(refund_id).state

    @command
    def _refund_refused(self, payment_id: UUID, refund_id: UUID, reason: str) -> None:
        payment = self.payment(payment_id)
        if payment.fail_refund(refund_id, f"refused by the provider: {reason}"):
            self.save(payment)

    @command
    def signal_refund_sla(self, payment_id: UUID, refund_id: UUID, now: datetime) -> list[str]:
        payment = self.payment(payment_id)
        emitted = payment.signal_sla(refund_id, now, settings.REFUND_SLA_AT_RISK_FRACTION)
        if emitted:
            self.save(payment)
        return emitted

    def signal_refund_slas(self, now: datetime, limit: int = 500) -> int:
        """Each pending refund whose at-risk moment or deadline has come, signalled once; returns how many."""
        emitted = 0
        for row in queries.refunds_due_for_sla(now, settings.REFUND_SLA_AT_RISK_FRACTION, limit):
            try:
                emitted += len(self.signal_refund_sla(row.payment_id, row.id, now))
            except Exception:
                logger.exception("refund %s: its SLA could not be signalled; the next run tries again", row.id)
        return emitted

    def send_approved_refunds(self, limit: int = 100) -> int:
        """Approved refunds not yet with the provider (an outage held them, or they were approved by the
        system), sent; returns how many went."""
        sent = 0
        for row in queries.approved_refunds(limit):
            try:
                if self.payment(row.payment_id).refund(row.id).state != states.REFUND_APPROVED:
                    continue  # the read model has not caught up: it went already
                self.send_refund(row.payment_id, row.id)
                sent += 1
            except PaymentsUnavailable:
                logger.warning("refund %s: %s is unavailable; the next run tries again", row.id, row.provider)
            except Exception:
                logger.exception("refund %s could not be sent", row.id)
        return sent
