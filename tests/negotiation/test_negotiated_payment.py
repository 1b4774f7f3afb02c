"""Payment waits while the price is negotiated, then charges the agreed total (Stripe, against localstripe)."""

from __future__ import annotations

from tests.negotiation.support import answer, negotiating_order, propose
from tests.orders import api_support
from tests.orders.api_support import wait_for_status
from tests.payments import stripe_support
from tests.payments.stripe_support import paid_payload, pay

shop = api_support.shop
followers = api_support.followers
stripe_on = stripe_support.stripe_on


def test_an_order_in_negotiation_is_not_paid_and_then_is_paid_at_the_agreed_total(client, shop, followers, stripe_on):
    order = negotiating_order(client, shop.cleo, **{"GOWN-M": 1})
    refused = pay(client, shop.cleo, order, "negotiated-pay-1").json()["data"]["orderPay"]
    assert [error["code"] for error in refused["errors"]] == ["order_not_payable"]

    offer = propose(client, shop.ada, order, "2150.00", note="Made to your measurements.")
    assert answer(client, shop.cleo, "Accept", order, offer["proposalId"])["errors"] == []
    wait_for_status(order, "awaiting_payment")

    started = paid_payload(pay(client, shop.cleo, order, "negotiated-pay-2"))
    assert started["errors"] == []
    assert started["result"]["amount"] == {"amount": "2150.00", "currency": "EUR"}
