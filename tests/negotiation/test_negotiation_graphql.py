"""Price negotiation over GraphQL on real components: an order's customer and designer propose, counter and
accept; the order goes to negotiating and back to awaiting payment at the agreed total; every refusal is a clear
error that stores nothing; a double submit makes one proposal."""

from __future__ import annotations

from uuid import uuid4

import pytest

from ocg.orders.models import OrderView
from tests.negotiation.support import (
    CLOSE,
    ORDER,
    SET_FLOOR,
    answer,
    call,
    codes,
    negotiating_order,
    negotiation_events,
    open_negotiation,
    product_id,
    propose,
)
from tests.orders import api_support
from tests.orders.api_support import eventually, graphql, place, wait_for_status

shop = api_support.shop
followers = api_support.followers


def test_a_counter_and_an_acceptance_set_the_orders_total(client, shop, followers):
    order = negotiating_order(client, shop.cleo)

    first = propose(client, shop.cleo, order, "1000.00", note="For a long-standing client?")
    assert first["errors"] == [] and first["pending"] is False
    assert first["result"]["openProposal"]["authorRole"] == "CUSTOMER"
    counter = propose(client, shop.ada, order, "1100.00", note="Meet me halfway.")
    assert counter["errors"] == []
    shown = counter["result"]
    assert shown["openProposal"]["counterTo"] == first["proposalId"]
    assert [p["outcome"] for p in shown["proposals"]] == ["COUNTERED", "OPEN"]
    assert (shown["roundsUsed"], shown["roundsLeft"]) == (2, 8)

    own = answer(client, shop.ada, "Accept", order, counter["proposalId"])
    assert codes(own) == [("proposalId", "own_proposal")] and own["result"] is None
    accepted = answer(client, shop.cleo, "Accept", order, counter["proposalId"])
    assert accepted["errors"] == []
    assert accepted["result"]["status"] == "AGREED"
    assert accepted["result"]["agreed"] == {"amount": "1100.00", "currency": "EUR"}
    assert accepted["result"]["openProposal"] is None

    row = wait_for_status(order, "awaiting_payment")
    assert (str(row.total), row.currency) == ("1100.0000", "EUR")
    seen = graphql(client, shop.cleo, ORDER, id=str(order))["data"]["order"]
    assert seen["total"] == {"amount": "1100.00", "currency": "EUR"}
    assert [p["outcome"] for p in seen["negotiation"]["proposals"]] == ["COUNTERED", "ACCEPTED"]


def test_only_the_orders_parties_and_staff_see_the_negotiation(client, shop, followers):
    order = negotiating_order(client, shop.cleo)
    propose(client, shop.staff, order, "1150.00")
    for user, sees in ((shop.cleo, True), (shop.ada, True), (shop.staff, True), (shop.dan, False), (shop.ben, False)):
        found = graphql(client, user, ORDER, id=str(order))["data"]["order"]
        negotiation = found and found["negotiation"]
        assert bool(negotiation) is sees, user
    staff = graphql(client, shop.cleo, ORDER, id=str(order))["data"]["order"]["negotiation"]["openProposal"]
    assert staff["authorRole"] == "STAFF"


def test_a_double_submit_makes_one_proposal(client, shop, followers):
    order = negotiating_order(client, shop.cleo)
    before = negotiation_events()
    key = str(uuid4())
    first = propose(client, shop.cleo, order, "1000.00", key=key)
    again = propose(client, shop.cleo, order, "1000.00", key=key)
    assert again == first
    assert negotiation_events() == before + 1
    other_key = propose(client, shop.cleo, order, "1000.00")
    assert codes(other_key) == [("proposalId", "proposal_open")], "at most one open proposal, whatever the key"
    assert negotiation_events() == before + 1


def refusals(shop):
    """(who, the proposal's amount and currency, the expected error) on an order in negotiation."""
    return [
        (shop.dan, "1000.00", "EUR", ("orderId", "not_found")),
        (shop.ben, "1000.00", "EUR", ("orderId", "not_found")),
        (shop.cleo, "1000.00", "GBP", ("currency", "currency_mismatch")),
        (shop.cleo, "-5.00", "EUR", ("amount", "invalid")),
        (shop.cleo, "0", "EUR", ("amount", "invalid")),
        (shop.cleo, "ten", "EUR", ("amount", "invalid")),
    ]


def test_bad_proposals_are_clear_errors_and_store_nothing(client, shop, followers):
    order = negotiating_order(client, shop.cleo)
    before = negotiation_events()
    for user, amount, currency, expected in refusals(shop):
        refused = propose(client, user, order, amount, currency)
        assert codes(refused) == [expected], (user.email, amount, currency, refused)
        assert refused["result"] is None
    no_proposal = answer(client, shop.ada, "Accept", order, uuid4())
    assert codes(no_proposal) == [("proposalId", "no_open_proposal")]
    assert negotiation_events() == before


def test_a_negotiation_opens_only_on_a_confirmed_or_unpaid_order_once(client, shop, followers):
    [cancelled] = place(shop.cleo, **{"COAT-M": 1})
    wait_for_status(cancelled, "confirmed")
    from ocg.spine.eventstore import applications

    applications.get("orders").cancel(cancelled, actor_id=None, acting_customer_id=None)
    wait_for_status(cancelled, "cancelled")
    assert codes(open_negotiation(client, shop.cleo, cancelled)) == [("status", "not_negotiable")]
    order = negotiating_order(client, shop.cleo)
    assert codes(open_negotiation(client, shop.ada, order)) == [("orderId", "not_negotiable")]
    assert codes(open_negotiation(client, shop.dan, order)) == [("orderId", "not_found")]


def test_rounds_run_out(client, shop, followers, settings):
    settings.NEGOTIATION_MAX_ROUNDS = 2
    order = negotiating_order(client, shop.cleo)
    propose(client, shop.cleo, order, "1000.00")
    last = propose(client, shop.ada, order, "1150.00")
    assert last["result"]["roundsLeft"] == 0
    refused = propose(client, shop.cleo, order, "1100.00")
    assert codes(refused) == [("orderId", "too_many_rounds")]
    assert answer(client, shop.cleo, "Accept", order, last["proposalId"])["errors"] == []


def test_a_customer_proposal_under_the_designers_floor_is_declined_naming_no_amount(client, shop, followers):
    coat = product_id("COAT-M")
    assert codes(
        graphql(client, shop.ben, SET_FLOOR, product=str(coat), amount="1000.00")["data"]["negotiationSetFloor"]
    ) == [("productId", "not_found")], "another designer's product"
    floor = graphql(client, shop.ada, SET_FLOOR, product=str(coat), amount="1000.00")["data"]["negotiationSetFloor"]
    assert floor == {"errors": [], "result": {"amount": "1000.00", "currency": "EUR"}}
    order = negotiating_order(client, shop.cleo, **{"COAT-M": 2})  # the floor is per unit: 2000.00 here

    key = str(uuid4())
    declined = propose(client, shop.cleo, order, "1999.99", key=key)
    assert codes(declined) == [("amount", "proposal_declined")]
    assert propose(client, shop.cleo, order, "1999.99", key=key) == declined, "a retry replays, proposing nothing"
    assert "1000" not in declined["errors"][0]["message"] and "2000" not in declined["errors"][0]["message"]
    assert [p["outcome"] for p in declined["result"]["proposals"]] == ["DECLINED"]
    assert declined["result"]["openProposal"] is None
    kept = propose(client, shop.cleo, order, "2000.00")
    assert kept["errors"] == [] and kept["result"]["openProposal"]["round"] == 2


def test_reject_withdraw_and_close(client, shop, followers):
    order = negotiating_order(client, shop.cleo)
    offer = propose(client, shop.ada, order, "1150.00")
    assert codes(answer(client, shop.cleo, "Withdraw", order, offer["proposalId"])) == [("proposalId", "not_author")]
    rejected = answer(client, shop.cleo, "Reject", order, offer["proposalId"])
    assert rejected["errors"] == [] and rejected["result"]["proposals"][0]["outcome"] == "REJECTED"
    mine = propose(client, shop.cleo, order, "1050.00")
    withdrawn = answer(client, shop.cleo, "Withdraw", order, mine["proposalId"])
    assert [p["outcome"] for p in withdrawn["result"]["proposals"]] == ["REJECTED", "WITHDRAWN"]
    closed = call(client, shop.ada, CLOSE, "negotiationClose", order=str(order))
    assert closed["errors"] == [] and closed["result"]["status"] == "ABANDONED"
    row = wait_for_status(order, "awaiting_payment")
    assert str(row.total) == "1200.0000", "ended without a price: the order keeps its own"


def test_an_order_cancelled_in_negotiation_ends_it(client, shop, followers):
    from ocg.spine.eventstore import applications

    order = negotiating_order(client, shop.cleo)
    propose(client, shop.cleo, order, "1000.00")
    applications.get("orders").cancel(order, reason="", actor_id=shop.cleo.id, acting_customer_id=shop.cleo.id)
    eventually(
        lambda: (
            graphql(client, shop.cleo, ORDER, id=str(order))["data"]["order"]["negotiation"]["status"] == "ABANDONED"
        ),
        "the negotiation to end",
    )
    assert OrderView.objects.get(id=order).status == "cancelled"


@pytest.mark.parametrize("verb", ["Accept", "Reject", "Withdraw"])
def test_answers_need_the_open_proposal(client, shop, followers, verb):
    order = negotiating_order(client, shop.cleo)
    assert codes(answer(client, shop.cleo, verb, order, uuid4())) == [("proposalId", "no_open_proposal")]
