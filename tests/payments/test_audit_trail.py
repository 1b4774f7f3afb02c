"""The audit trail is the payment's event stream: one row per event with its actor, amounts and provider ids,
and the payment and refund rows follow the same events. Rebuilt from the events, it comes back the same."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from uuid import uuid4

from django.utils import timezone

from ocg.payments.domain import Payment
from ocg.payments.models import PaymentAuditEntry, PaymentView, RefundView
from ocg.payments.projections import PaymentsProjection
from ocg.spine.domain.money import Money
from ocg.spine.projections import ProjectionRunner, rebuild


def eur(amount: str) -> Money:
    return Money(Decimal(amount), "EUR")


def project() -> None:
    ProjectionRunner(PaymentsProjection()).catch_up()


def test_every_payment_event_is_one_audit_row_with_actor_amounts_and_provider_ids(event_store):
    payments = event_store["payments"]
    customer, staff, order = uuid4(), uuid4(), uuid4()
    payment = Payment.start(
        payment_id=uuid4(),
        order_id=order,
        customer_id=customer,
        amount=eur("300.00"),
        provider="stripe",
        actor_id=customer,
    )
    payment.record_intent("pi_123", needs_action=True)
    payments.save(payment)
    project()
    assert PaymentView.objects.get(id=payment.id).status == "requires_action", "each batch folds in"

    payment.record_provider_event("evt_1", "payment_intent.succeeded")
    payment.succeed(eur("300.00"))
    now = timezone.now()
    kept, refused = uuid4(), uuid4()
    for refund_id, amount in ((kept, "120.00"), (refused, "50.00")):
        payment.request_refund(
            refund_id=refund_id,
            amount=eur(amount),
            reason="The sleeves are too long",
            skus=["COAT-M"],
            made_to_order=refund_id == refused,
            actor_id=customer,
            at=now,
            due_at=now + timedelta(days=14),
        )
    payment.approve_refund(kept, eur("100.00"), "Shipping kept", staff)
    payment.reject_refund(refused, "Made to measure: Art. 16", staff)
    payment.record_refund_sent(kept, "re_9")
    payment.confirm_refund(kept)
    payments.save(payment)
    project()

    trail = list(PaymentAuditEntry.objects.filter(payment_id=payment.id).order_by("version"))
    assert [entry.kind for entry in trail] == [
        "created",
        "intent_created",
        "provider_event_received",
        "succeeded",
        "refund_requested",
        "refund_requested",
        "refund_approved",
        "refund_rejected",
        "refund_sent",
        "refund_confirmed",
    ]
    assert [entry.version for entry in trail] == list(range(1, 11))
    assert {entry.order_id for entry in trail} == {order} and {entry.customer_id for entry in trail} == {customer}
    assert {entry.provider for entry in trail} == {"stripe"}
    by_kind = {entry.kind: entry for entry in trail}
    assert by_kind["created"].actor_id == customer and by_kind["created"].amount_money == eur("300.00")
    assert by_kind["created"].provider_payment_id == "", "the provider's id is not known yet"
    assert by_kind["succeeded"].provider_payment_id == "pi_123"
    assert by_kind["succeeded"].amount_money == eur("300.00")
    assert by_kind["provider_event_received"].provider_event_id == "evt_1"
    assert by_kind["provider_event_received"].details == {"kind": "payment_intent.succeeded"}
    approved = by_kind["refund_approved"]
    assert (approved.actor_id, approved.refund_id, approved.amount_money) == (staff, kept, eur("100.00"))
    assert approved.details == {"note": "Shipping kept"}
    assert by_kind["refund_rejected"].details == {"note": "Made to measure: Art. 16"}
    assert by_kind["refund_sent"].provider_refund_id == "re_9"
    assert by_kind["refund_confirmed"].provider_refund_id == "re_9"
    assert by_kind["refund_confirmed"].amount_money == eur("100.00")

    row = PaymentView.objects.get(id=payment.id)
    assert (row.status, row.captured_money, row.refunded_money) == ("partially_refunded", eur("300.00"), eur("100.00"))
    kept_row, refused_row = RefundView.objects.get(id=kept), RefundView.objects.get(id=refused)
    assert (kept_row.state, kept_row.requested_money, kept_row.approved_money) == (
        "confirmed",
        eur("120.00"),
        eur("100.00"),
    )
    assert kept_row.decided_by == staff and kept_row.closed_at is not None and kept_row.provider_refund_id == "re_9"
    assert (refused_row.state, refused_row.made_to_order, refused_row.note) == (
        "rejected",
        True,
        "Made to measure: Art. 16",
    )
    assert kept_row.sla_state == "on_time" and kept_row.skus == ["COAT-M"]


def test_the_read_models_rebuilt_from_the_events_are_the_same(event_store):
    payments = event_store["payments"]
    payment = Payment.start(
        payment_id=uuid4(), order_id=uuid4(), customer_id=uuid4(), amount=eur("80.00"), provider="paypal", actor_id=None
    )
    payment.record_intent("ORDER-1", needs_action=True)
    payment.fail("The buyer walked away")
    payments.save(payment)
    project()

    def snapshot() -> list[tuple]:
        return list(
            PaymentAuditEntry.objects.order_by("payment_id", "version").values_list(
                "payment_id", "version", "kind", "amount", "provider_payment_id", "details", "at"
            )
        ) + list(PaymentView.objects.values_list("id", "status", "failure", "version"))

    before = snapshot()
    assert PaymentView.objects.get().failure == "The buyer walked away"
    assert rebuild(PaymentsProjection()) == 3
    assert snapshot() == before
