"""Refund deadlines: the SLA events reach staff by mail through the orders' notification consumer, one mail
per active administrator per event, never twice; breaches show in /readyz's detail."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail as django_mail
from django.utils import timezone

from ocg.identity.models import Role, User
from ocg.orders.domain import Order, OrderLine
from ocg.orders.models import Notification
from ocg.orders.notifications import deliver_due, handle
from ocg.payments.domain import InvalidRefund, Payment
from ocg.payments.models import PaymentView, RefundView
from ocg.payments.projections import PaymentsProjection
from ocg.payments.sla import signal_refund_slas
from ocg.spine.consumer import handle_once
from ocg.spine.domain.money import Money
from ocg.spine.envelope import encode, envelope
from ocg.spine.projections import ProjectionRunner
from tests.payments import refund_support
from tests.payments.refund_support import eventually, paid_order, payments, wait_for_refund

shop = refund_support.shop
followers = refund_support.followers
paypal = refund_support.paypal
ADDRESS = {"name": "Ada", "line1": "1 Rue de la Paix", "city": "Paris", "postal_code": "75002", "country": "FR"}


def eur(amount: str) -> Money:
    return Money(Decimal(amount), "EUR")


def consume(context: str, *events: object) -> list[bool]:
    """As the notification consumer reads them from the topic: the relay's envelopes, through JSON."""
    return [handle_once("notifications", json.loads(encode(envelope(context, e, 1))), handle) for e in events]


def placed_order(number: str) -> Order:
    line = OrderLine(
        sku="GOWN-M",
        product_id=uuid.uuid4(),
        product_name="Silk Gown",
        size="M",
        colour="Ivory",
        unit_price=eur("2400.00"),
        quantity=1,
        customizable=True,
    )
    return Order.place(
        order_id=uuid.uuid4(),
        actor_id=None,
        checkout_id=uuid.uuid4(),
        number=number,
        customer_id=uuid.uuid4(),
        designer_id=uuid.uuid4(),
        lines=[line],
        contact={"email": "cleo@example.com", "name": "Cleo"},
        shipping_address=ADDRESS,
    )


def test_staff_are_mailed_once_per_sla_event_and_a_redelivery_sends_nothing(event_store, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    admins = sorted(
        User.objects.create_user(f"{name}-{uuid.uuid4().hex[:6]}@example.com", None, role=Role.ADMIN).email
        for name in ("ines", "omar")
    )
    User.objects.create_user(f"gone-{uuid.uuid4().hex[:6]}@example.com", None, role=Role.ADMIN, is_active=False)
    User.objects.create_user(f"cust-{uuid.uuid4().hex[:6]}@example.com", None, role=Role.CUSTOMER)
    order = placed_order("OCG-2026-004242")
    consume("orders", *order.collect_events())

    payment = Payment.start(
        payment_id=uuid.uuid4(),
        order_id=order.id,
        customer_id=order.customer_id,
        amount=eur("2400.00"),
        provider="stripe",
        actor_id=None,
    )
    payment.record_intent("pi_1", needs_action=False)
    payment.succeed(eur("2400.00"))
    refund_id, asked = uuid.uuid4(), timezone.now() - timedelta(days=15)
    payment.request_refund(
        refund_id=refund_id,
        amount=eur("2400.00"),
        reason="Not as pictured",
        skus=["GOWN-M"],
        made_to_order=True,
        actor_id=order.customer_id,
        at=asked,
        due_at=asked + timedelta(days=14),
    )
    assert payment.signal_sla(refund_id, timezone.now(), 0.8) == ["at_risk", "breached"]
    event_store["payments"].save(payment)
    ProjectionRunner(PaymentsProjection()).catch_up()
    stored = event_store["payments"].events.get(payment.id)
    signals = [e for e in stored if type(e).__name__.startswith("RefundSla")]

    assert consume("payments", *signals) == [True, True]
    assert consume("payments", *signals) == [False, False], "a redelivered envelope is skipped"
    rows = Notification.objects.filter(kind__startswith="staff_refund_sla").order_by("kind", "recipient")
    assert [(row.kind, row.recipient) for row in rows] == [
        ("staff_refund_sla_at_risk", admins[0]),
        ("staff_refund_sla_at_risk", admins[1]),
        ("staff_refund_sla_breached", admins[0]),
        ("staff_refund_sla_breached", admins[1]),
    ]
    assert {row.order_id for row in rows} == {order.id}
    breached = rows[2]
    assert breached.subject.startswith("Refund overdue since ") and breached.subject.endswith("order OCG-2026-004242")
    assert "€2,400.00" in breached.body_text and "Not as pictured" in breached.body_text
    assert "2011/83/EU Art. 16" in breached.body_text and "Art. 16" in breached.body_html

    report = deliver_due()
    assert len(report.sent) == 4 and deliver_due().sent == []
    assert sorted(message.to[0] for message in django_mail.outbox) == sorted(admins * 2)


def test_a_breached_refund_shows_in_readyz_detail_without_failing_the_probe(event_store, client):
    payment = Payment.start(
        payment_id=uuid.uuid4(),
        order_id=uuid.uuid4(),
        customer_id=uuid.uuid4(),
        amount=eur("100.00"),
        provider="paypal",
        actor_id=None,
    )
    payment.record_intent("ORDER-1", needs_action=True)
    payment.succeed(eur("100.00"))
    asked = timezone.now() - timedelta(days=20)
    late, near = uuid.uuid4(), uuid.uuid4()
    for refund_id, at in ((late, asked), (near, timezone.now() - timedelta(days=12))):
        payment.request_refund(
            refund_id=refund_id,
            amount=eur("10.00"),
            reason="Too big",
            skus=[],
            made_to_order=False,
            actor_id=None,
            at=at,
            due_at=at + timedelta(days=14),
        )
        payment.signal_sla(refund_id, timezone.now(), 0.8)
    event_store["payments"].save(payment)
    ProjectionRunner(PaymentsProjection()).catch_up()

    body = client.get("/readyz").json()
    check = body["checks"]["refund_sla"]
    assert (check["status"], check["breached"], check["at_risk"]) == ("ok", 1, 1)
    assert check["oldest_breached_due_at"] == (asked + timedelta(days=14)).isoformat()


def test_on_a_controlled_clock_each_refund_is_at_risk_once_and_breached_once(client, shop, followers, paypal):
    """REFUND_SLA_DAYS 14, at risk at 80% (11.2 days): the beat job run again and again signals each once; a
    refund settled in time is never breached; partial refunds add up and are capped at what was captured."""
    order = paid_order(paypal, shop.cleo, **{"COAT-M": 1})
    start = timezone.now()

    def at(days: float):
        return time_machine.travel(start + timedelta(days=days), tick=True)

    def run() -> int:
        return signal_refund_slas.delay().get()

    def ask(amount: str):
        return payments().request_refund(
            order_id=order, amount=eur(amount), reason="Too big", actor_id=shop.cleo.id, acting_customer_id=shop.cleo.id
        )

    with at(0):
        settled, late = ask("700.00").refund_id, ask("400.00").refund_id
        with pytest.raises(InvalidRefund, match=r"At most 100\.00 EUR"):
            ask("100.01")
        wait_for_refund(late, "requested")
    with at(11):
        assert run() == 0, "80% of the window is not gone yet"
    with at(11.5):
        assert run() == 2
        for refund_id in (settled, late):
            eventually(lambda r=refund_id: RefundView.objects.get(id=r).sla_state == "at_risk", "at risk")
        assert run() == 0
    with at(12):
        payments().approve_refund(payment_of(order), settled, note="", actor_id=shop.staff.id)
        assert payments().send_refund(payment_of(order), settled) == "confirmed"
        assert run() == 0
    with at(14.01):
        assert run() == 1, "only the refund still pending is breached"
        eventually(lambda: RefundView.objects.get(id=late).sla_state == "breached", "the breach")
        assert run() == 0
    with at(30):
        assert run() == 0

    stored = [type(e).__name__ for e in payments().events.get(payment_of(order))]
    assert stored.count("RefundSlaAtRisk") == 2 and stored.count("RefundSlaBreached") == 1
    assert RefundView.objects.get(id=settled).sla_state == "at_risk"
    assert PaymentView.objects.get(order_id=order).refunded_money == eur("700.00")
    with pytest.raises(InvalidRefund):
        ask("100.01")
    ask("100.00")  # the 100.00 left may still be asked for, and then nothing more
    assert payments().payment(payment_of(order)).refundable == eur("0.00")


def payment_of(order) -> uuid.UUID:
    return PaymentView.objects.get(order_id=order).id
