"""The Payment aggregate: its states, and refunds that never exceed what was captured. No database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from ocg.payments.domain import (
    IllegalPaymentStep,
    InvalidRefund,
    OrderPaymentSlot,
    Payment,
    ProviderPaymentIndex,
    provider_payment_index_id,
    slot_id,
)
from ocg.payments.domain import payment as p
from ocg.spine.domain.money import Money

T0 = datetime(2030, 1, 1, tzinfo=UTC)


def eur(amount: str) -> Money:
    return Money(Decimal(amount), "EUR")


def paid(amount: str = "100.00") -> Payment:
    payment = Payment.start(
        payment_id=uuid4(), order_id=uuid4(), customer_id=uuid4(), amount=eur(amount), provider="stripe", actor_id=None
    )
    payment.record_intent("pi_1", needs_action=True)
    payment.succeed(eur(amount))
    payment.collect_events()
    return payment


def requested(payment: Payment, amount: str, days: int = 14) -> object:
    refund_id = uuid4()
    payment.request_refund(
        refund_id=refund_id,
        amount=eur(amount),
        reason="Too small",
        skus=[],
        made_to_order=False,
        actor_id=None,
        at=T0,
        due_at=T0 + timedelta(days=days),
    )
    return refund_id


def test_a_payment_moves_from_created_to_requires_action_to_succeeded_once():
    payment = Payment.start(
        payment_id=uuid4(), order_id=uuid4(), customer_id=uuid4(), amount=eur("10.00"), provider="stripe", actor_id=None
    )
    payment.record_intent("pi_1", needs_action=True)
    assert payment.status == p.REQUIRES_ACTION
    assert payment.succeed(eur("10.00")) is True
    assert payment.succeed(eur("10.00")) is False, "a repeated success changes nothing"
    with pytest.raises(IllegalPaymentStep):
        payment.fail("too late")
    kinds = [type(e).__name__ for e in payment.collect_events()]
    assert kinds == ["Created", "IntentCreated", "Succeeded"]


def test_a_capture_of_another_amount_is_refused():
    payment = Payment.start(
        payment_id=uuid4(), order_id=uuid4(), customer_id=uuid4(), amount=eur("10.00"), provider="paypal", actor_id=None
    )
    with pytest.raises(IllegalPaymentStep):
        payment.succeed(eur("9.99"))


def test_refunds_add_up_and_never_pass_what_was_captured():
    payment = paid("100.00")
    first = requested(payment, "60.00")
    with pytest.raises(InvalidRefund):
        requested(payment, "40.01")
    second = requested(payment, "40.00")
    with pytest.raises(InvalidRefund):
        requested(payment, "0.01")
    payment.reject_refund(second, "Worn", None)
    assert payment.refundable == eur("40.00"), "a rejected refund gives its share back"
    payment.approve_refund(first, eur("50.00"), "Half the shipping kept", None)
    assert payment.refundable == eur("50.00")
    payment.record_refund_sent(first, "re_1")
    payment.confirm_refund(first)
    assert payment.status == p.PARTIALLY_REFUNDED
    rest = requested(payment, "50.00")
    payment.approve_refund(rest, eur("50.00"), "", None)
    payment.record_refund_sent(rest, "re_2")
    payment.confirm_refund(rest)
    assert payment.status == p.REFUNDED
    with pytest.raises(InvalidRefund):
        requested(payment, "1.00")


def test_an_approval_may_only_shrink_the_request():
    payment = paid("100.00")
    refund_id = requested(payment, "30.00")
    with pytest.raises(InvalidRefund):
        payment.approve_refund(refund_id, eur("30.01"), "", None)


def test_an_unpaid_payment_cannot_be_refunded():
    payment = Payment.start(
        payment_id=uuid4(), order_id=uuid4(), customer_id=uuid4(), amount=eur("10.00"), provider="stripe", actor_id=None
    )
    with pytest.raises(InvalidRefund):
        requested(payment, "1.00")


def test_the_refund_deadline_is_signalled_at_risk_then_breached_each_once():
    payment = paid()
    refund_id = requested(payment, "10.00", days=10)
    assert payment.signal_sla(refund_id, T0 + timedelta(days=7), 0.8) == []
    assert payment.signal_sla(refund_id, T0 + timedelta(days=8), 0.8) == ["at_risk"]
    assert payment.signal_sla(refund_id, T0 + timedelta(days=9), 0.8) == []
    assert payment.signal_sla(refund_id, T0 + timedelta(days=10), 0.8) == ["breached"]
    assert payment.signal_sla(refund_id, T0 + timedelta(days=30), 0.8) == []
    kinds = [type(e).__name__ for e in payment.collect_events()]
    assert kinds.count("RefundSlaAtRisk") == 1 and kinds.count("RefundSlaBreached") == 1


def test_a_provider_event_is_recorded_once():
    payment = paid()
    assert payment.record_provider_event("evt_1", "payment_intent.succeeded") is True
    assert payment.record_provider_event("evt_1", "payment_intent.succeeded") is False


def test_an_order_has_one_live_payment_at_a_time():
    order, first, second = uuid4(), uuid4(), uuid4()
    slot = OrderPaymentSlot.claim_new(order, first)
    assert slot.id == slot_id(order)
    assert slot.release(second) is False
    assert slot.release(first) is True
    slot.claim(second)
    assert slot.payment_id == second


def test_the_provider_has_the_last_word_a_payment_given_up_here_that_it_took_is_captured():
    payment = Payment.start(
        payment_id=uuid4(), order_id=uuid4(), customer_id=uuid4(), amount=eur("10.00"), provider="stripe", actor_id=None
    )
    payment.record_intent("pi_1", needs_action=True)
    payment.fail("card declined")
    assert payment.succeed(eur("10.00")) is True, "the customer retried on the same intent, and it went through"
    assert payment.status == p.SUCCEEDED and payment.refundable == eur("10.00")
    succeeded = payment.collect_events()[-1]
    assert isinstance(succeeded, Payment.Succeeded) and succeeded.order_id == payment.order_id


def test_the_events_the_orders_policy_follows_name_the_order():
    payment = paid()
    refund_id = requested(payment, "40.00")
    payment.reject_refund(refund_id, "Worn", None)
    kept = requested(payment, "30.00")
    payment.approve_refund(kept, eur("30.00"), "", None)
    payment.record_refund_sent(kept, "re_1")
    payment.confirm_refund(kept)
    events = payment.collect_events()
    followed = Payment.RefundRequested | Payment.RefundRejected | Payment.RefundConfirmed
    named = [e for e in events if isinstance(e, followed)]
    assert len(named) == 4 and {e.order_id for e in named} == {payment.order_id}


def test_a_provider_payment_id_names_its_payment_through_a_uuid5_index():
    payment_id = uuid4()
    index = ProviderPaymentIndex.record("stripe", "pi_1", payment_id)
    assert index.id == provider_payment_index_id("stripe", "pi_1") != provider_payment_index_id("paypal", "pi_1")
    assert index.payment_id == payment_id
