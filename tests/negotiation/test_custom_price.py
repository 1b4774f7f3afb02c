"""Requesting a custom price, end to end on PostgreSQL with the followers running: a customer places an order of
customizable pieces with `requestCustomPrice`; once its stock is held the negotiation opens as theirs and the
order is `negotiating`; the price they then agree is the order's. A piece sold at its listed price refuses the
request with a clear error, and nothing is placed."""

from __future__ import annotations

import uuid

from ocg.negotiation.domain import Negotiation, custom_price_request_id, negotiation_id
from ocg.negotiation.models import NegotiationView
from ocg.spine.eventstore import applications
from tests.catalog.rest_support import Api, field_errors
from tests.negotiation.support import ORDER, answer, codes, propose
from tests.orders import api_support
from tests.orders.api_support import eventually, graphql, placed_count, status_of, wait_for_status
from tests.orders.shop import ADDRESS, CONTACT
from tests.orders.test_graphql_place import checkout, place

shop = api_support.shop
followers = api_support.followers


def custom(**lines: int) -> dict:
    return {**checkout(**lines), "requestCustomPrice": True}


def opened_event(order_id):
    [opened, *_] = applications.get("negotiation").events.get(negotiation_id(order_id))
    return opened


def test_a_requested_custom_price_opens_the_negotiation_then_the_agreed_price_is_the_orders(client, shop, followers):
    placed = place(client, shop.cleo, custom(**{"GOWN-M": 1}))
    assert placed["errors"] == [], placed
    [order] = placed["orderIds"]

    wait_for_status(order, "negotiating")
    opened = opened_event(order)
    assert isinstance(opened, Negotiation.Opened)
    assert (opened.opened_by_role, opened.actor_id) == ("customer", shop.cleo.id)
    assert (opened.customer_id, opened.designer_id, opened.currency) == (shop.cleo.id, shop.ada.id, "EUR")
    row = eventually(lambda: NegotiationView.objects.filter(order_id=order).first(), "the negotiation's row")
    assert (row.status, row.opened_by_role) == ("open", "customer")
    seen = graphql(client, shop.ada, ORDER, id=str(order))["data"]["order"]
    assert seen["status"] == "NEGOTIATING"
    assert seen["negotiation"]["openedByRole"] == "CUSTOMER" and seen["negotiation"]["openProposal"] is None

    offer = propose(client, shop.cleo, order, "2000.00", note="Shorter hem, same silk.")
    assert offer["errors"] == [], offer
    accepted = answer(client, shop.ada, "Accept", order, offer["proposalId"])
    assert accepted["errors"] == [] and accepted["result"]["status"] == "AGREED"
    row = wait_for_status(order, "awaiting_payment")
    assert (str(row.total), row.currency) == ("2000.0000", "EUR")


def test_an_order_placed_at_the_listed_price_opens_no_negotiation(client, shop, followers):
    placed = place(client, shop.cleo, checkout(**{"GOWN-M": 1}))
    [order] = placed["orderIds"]
    wait_for_status(order, "confirmed")
    [marker] = place(client, shop.cleo, custom(**{"GOWN-M": 1}))["orderIds"]
    wait_for_status(marker, "negotiating")  # the policy has passed the first order's events by now
    assert not NegotiationView.objects.filter(order_id=order).exists()
    assert custom_price_request_id(order) not in applications.get("negotiation").repository
    assert status_of(order) == "confirmed"


def test_a_custom_price_for_a_piece_sold_at_its_listed_price_is_refused_and_places_nothing(client, shop, followers):
    before = placed_count()
    for lines in ({"COAT-M": 1}, {"GOWN-M": 1, "COAT-M": 1}, {"GOWN-M": 1, "SHIRT-M": 1}):
        refused = place(client, shop.cleo, custom(**lines))
        assert codes(refused) == [("requestCustomPrice", "not_customizable")], (lines, refused)
        assert refused["orderIds"] is None and refused["result"] is None
        assert "listed price" in refused["errors"][0]["message"]
    assert placed_count() == before


def test_the_rest_twin_requests_a_custom_price_too(client, shop, followers):
    api = Api(client, shop.cleo)
    body = {
        "lines": [{"sku": "COAT-M", "quantity": 1}],
        "contact": dict(CONTACT),
        "shipping_address": dict(ADDRESS),
        "request_custom_price": True,
    }
    before = placed_count()
    refused = api.post("/api/orders", body, HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    assert refused.status_code == 400, refused.content
    assert field_errors(refused) == {("request_custom_price", "not_customizable")}
    assert placed_count() == before

    body["lines"] = [{"sku": "GOWN-M", "quantity": 1}]
    created = api.post("/api/orders", body, HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    assert created.status_code == 201, created.content
    [order] = [found["id"] for found in created.json()["orders"]]
    wait_for_status(order, "negotiating")
    assert opened_event(order).opened_by_role == "customer"
