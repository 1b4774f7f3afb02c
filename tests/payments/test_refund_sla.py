"""Refund deadlines: the SLA events reach staff by mail through the orders' notification consumer, one mail
per active administrator per event, never twice; breaches show in /readyz's detail."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from decimal import Decimal

from django.core import mail as django_mail
from django.utils import timezone

from ocg.identity.models import Role, User
from ocg.orders.domain import Order, OrderLine
from ocg.orders.models import Notification
from ocg.orders.notifications import deliver_due, handle
from ocg.payments.domain import Payment
from ocg.payments.projections import PaymentsProjection
from ocg.spine.consumer import handle_once
from ocg.spine.domain.money import Money
from ocg.spine.envelope import encode, envelope
from ocg.spine.projections import ProjectionRunner

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
