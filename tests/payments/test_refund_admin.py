"""Refunds in the admin, as a superuser decides on them: approve (all or part, with a note) and the refund goes
to PayPal, reject with a note; a made-to-order piece is flagged (Art. 16) on the form and the page; refunds
past their deadline are announced on the list."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.utils import timezone

from ocg.payments.models import RefundView
from ocg.payments.sla import signal_refund_slas
from tests.payments import refund_support
from tests.payments.refund_support import eventually, paid_order, payments, wait_for_refund

shop = refund_support.shop
followers = refund_support.followers
paypal = refund_support.paypal

REFUNDS = "/admin/payments/refundview/"


def asked(order, customer, **arguments) -> str:
    requested = payments().request_refund(
        order_id=order, reason="Not as pictured", actor_id=customer.id, acting_customer_id=customer.id, **arguments
    )
    return str(wait_for_refund(requested.refund_id, "requested").id)


def act(admin_client, action, *refund_ids, **fields):
    data = {"action": action, "_selected_action": list(refund_ids), "index": "0", **fields}
    return admin_client.post(REFUNDS, data, follow=True)


def apply(admin_client, action, *refund_ids, **fields):
    data = {"action": action, "_selected_action": list(refund_ids), "apply": "yes", **fields}
    return admin_client.post(REFUNDS, data, follow=True)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_staff_approve_part_of_a_made_to_order_refund_and_reject_another(
    admin_client, admin_user, shop, followers, paypal
):
    gown = paid_order(paypal, shop.cleo, **{"GOWN-M": 1})
    coat = paid_order(paypal, shop.dan, **{"COAT-M": 1})
    made = asked(gown, shop.cleo)
    plain = asked(coat, shop.dan)

    form = act(admin_client, "approve", made)
    page = form.content.decode()
    assert form.status_code == 200 and 'class="made-to-order"' in page and "2011/83/EU Art. 16" in page
    two = apply(admin_client, "approve", made, plain, amount="10.00", note="")
    assert "An amount applies to one refund" in two.content.decode()
    assert set(RefundView.objects.values_list("state", flat=True)) == {"requested"}, "a refused form changes nothing"

    done = apply(admin_client, "approve", made, amount="2000.00", note="Worn; shipping kept")
    assert "Approved: 1 of 1." in messages_of(done)
    refund = wait_for_refund(made, "confirmed")
    assert (str(refund.approved_money), refund.note) == ("2000.00 EUR", "Worn; shipping kept")
    assert refund.decided_by == admin_user.id
    assert [r["amount"]["value"] for r in paypal.refunds.values()] == ["2000.00"]

    blank = apply(admin_client, "reject", plain, note="")
    assert "This field is required" in blank.content.decode()
    rejected = apply(admin_client, "reject", plain, made, note="Worn")
    assert "Rejected: 1 of 2." in messages_of(rejected)
    assert any(message.startswith(f"Refund {made}: This refund is confirmed") for message in messages_of(rejected))
    assert wait_for_refund(plain, "rejected").note == "Worn"

    detail = admin_client.get(f"{REFUNDS}{made}/change/").content.decode()
    assert 'class="made-to-order"' in detail
    listing = admin_client.get(REFUNDS, {"made_to_order__exact": "1"})
    assert [row.id for row in listing.context["cl"].result_list] == [refund.id]


def test_a_breached_refund_is_announced_on_the_list(admin_client, shop, followers, paypal):
    order = paid_order(paypal, shop.cleo, **{"COAT-M": 1})
    late = asked(order, shop.cleo, now=timezone.now() - timedelta(days=15))
    assert "past their deadline" not in " ".join(messages_of(admin_client.get(REFUNDS)))

    assert signal_refund_slas.delay().get() == 2
    eventually(lambda: RefundView.objects.filter(id=late, sla_state="breached").exists(), "the breach")
    listing = admin_client.get(REFUNDS)
    assert any(message.startswith("1 pending refund(s) past their deadline") for message in messages_of(listing))
    breached = admin_client.get(REFUNDS, {"sla_state__exact": "breached"})
    assert [str(row.id) for row in breached.context["cl"].result_list] == [late]
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert signal_refund_slas.delay().get() == 0, "each signal once"
