"""The audit trail in the admin: listed and filtered by order (id or number), customer, provider, date and kind,
and exported as CSV, streamed, with exactly what the filters select."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
import time_machine
from django.http import StreamingHttpResponse
from django.utils import timezone

from ocg.orders.models import OrderView
from ocg.payments.domain import Payment
from ocg.payments.models import PaymentAuditEntry
from ocg.payments.projections import PaymentsProjection
from ocg.spine.domain.money import Money
from ocg.spine.projections import ProjectionRunner

AUDIT = "/admin/payments/paymentauditentry/"
EXPORT = "/admin/payments/paymentauditentry/export.csv"


def eur(amount: str) -> Money:
    return Money(Decimal(amount), "EUR")


def paid(payments, *, provider: str, customer: UUID, order: UUID, refund_reason: str | None = None) -> Payment:
    payment = Payment.start(
        payment_id=uuid4(), order_id=order, customer_id=customer, amount=eur("90.00"), provider=provider, actor_id=None
    )
    payment.record_intent(f"{provider}-{order.hex[:8]}", needs_action=True)
    payment.succeed(eur("90.00"))
    if refund_reason is not None:
        now = timezone.now()
        payment.request_refund(
            refund_id=uuid4(),
            amount=eur("30.00"),
            reason=refund_reason,
            skus=[],
            made_to_order=False,
            actor_id=customer,
            at=now,
            due_at=now + timedelta(days=14),
        )
    payments.save(payment)
    return payment


@pytest.fixture
def trail(event_store) -> dict:
    payments = event_store["payments"]
    ada, ben = uuid4(), uuid4()
    orders = {name: uuid4() for name in ("old", "stripe", "paypal")}
    with time_machine.travel(timezone.now() - timedelta(days=40), tick=False):
        paid(payments, provider="stripe", customer=ada, order=orders["old"])
    paid(payments, provider="stripe", customer=ada, order=orders["stripe"], refund_reason='=HYPERLINK("x")')
    paid(payments, provider="paypal", customer=ben, order=orders["paypal"])
    ProjectionRunner(PaymentsProjection()).catch_up()
    now = timezone.now()
    OrderView.objects.create(
        id=orders["paypal"],
        number="OCG-2026-000777",
        checkout_id=uuid4(),
        customer_id=ben,
        designer_id=uuid4(),
        status="paid",
        total=Decimal("90.00"),
        currency="EUR",
        item_count=1,
        placed_at=now,
        updated_at=now,
        version=1,
    )
    return {"ada": ada, "ben": ben, **orders}


def shown(response) -> list[PaymentAuditEntry]:
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def test_the_trail_filters_by_order_customer_provider_date_and_kind(admin_client, trail):
    assert len(shown(admin_client.get(AUDIT))) == 10
    by_order = shown(admin_client.get(AUDIT, {"order_id": str(trail["stripe"])}))
    assert {entry.order_id for entry in by_order} == {trail["stripe"]} and len(by_order) == 4
    by_number = shown(admin_client.get(AUDIT, {"order_id": "ocg-2026-000777"}))
    assert {entry.order_id for entry in by_number} == {trail["paypal"]}
    assert shown(admin_client.get(AUDIT, {"order_id": "OCG-1999-000000"})) == []
    by_customer = shown(admin_client.get(AUDIT, {"customer_id": str(trail["ada"])}))
    assert {entry.order_id for entry in by_customer} == {trail["old"], trail["stripe"]}
    assert {e.provider for e in shown(admin_client.get(AUDIT, {"provider": "paypal"}))} == {"paypal"}
    kinds = shown(admin_client.get(AUDIT, {"kind": "refund_requested"}))
    assert [(e.kind, e.order_id, e.amount_money) for e in kinds] == [
        ("refund_requested", trail["stripe"], eur("30.00"))
    ]
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    this_week = shown(admin_client.get(AUDIT, {"at__gte": str(midnight - timedelta(days=7))}))
    assert trail["old"] not in {entry.order_id for entry in this_week} and len(this_week) == 7
    both = shown(admin_client.get(AUDIT, {"customer_id": str(trail["ada"]), "kind": "succeeded"}))
    assert [entry.order_id for entry in both] == [trail["stripe"], trail["old"]], "newest first"
    page = admin_client.get(AUDIT, {"customer_id": str(trail["ada"])})
    assert 'class="export-csv"' in page.content.decode()
    assert f"export.csv?customer_id={trail['ada']}" in page.content.decode()


def test_the_export_streams_what_the_filters_select_as_csv(admin_client, trail):
    response = admin_client.get(EXPORT, {"customer_id": str(trail["ada"])})
    assert response.status_code == 200 and isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="payment-audit-')
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 7
    assert [row["kind"] for row in rows[:3]] == ["created", "intent_created", "succeeded"], "oldest first"
    assert {row["customer_id"] for row in rows} == {str(trail["ada"])}
    requested = next(row for row in rows if row["kind"] == "refund_requested")
    assert (requested["amount"], requested["currency"], requested["order_id"]) == ("30.00", "EUR", str(trail["stripe"]))
    assert requested["details"].startswith("due_at=") and 'reason==HYPERLINK("x")' in requested["details"]
    succeeded = next(row for row in rows if row["kind"] == "succeeded" and row["order_id"] == str(trail["stripe"]))
    assert succeeded["provider_payment_id"] == f"stripe-{trail['stripe'].hex[:8]}"

    everything = admin_client.get(EXPORT)
    assert len(list(csv.reader(io.StringIO(b"".join(everything.streaming_content).decode())))) == 1 + 10


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_written_as_text():
    from ocg.payments.audit_csv import cell

    assert [cell(value) for value in ("=SUM(A1)", "+1", "-2", "@x", "plain", None, 5)] == [
        "'=SUM(A1)",
        "'+1",
        "'-2",
        "'@x",
        "plain",
        "",
        "5",
    ]


def test_the_trail_is_staff_only(client, trail, django_user_model):
    customer = django_user_model.objects.create_user("buyer@example.com", "a-long-password-9")
    client.force_login(customer)
    assert client.get(AUDIT).status_code == 302
    assert client.get(EXPORT).status_code == 302
