"""The orders' GraphQL queries on PostgreSQL: who sees which orders, keyset pages newest first with their
totals, filters for staff, and SQL per request that does not grow with the page."""

from __future__ import annotations

import base64
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ocg.orders.models import OrderView
from tests.orders import api_support
from tests.orders.api_support import graphql, place
from tests.orders.shop import settle

shop = api_support.shop

MY_ORDERS = """
query($status: [OrderStatus!], $first: Int, $after: String) {
  myOrders(status: $status, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id number status customerId } }
  }
}
"""
DESIGNER_ORDERS = """
query($status: [OrderStatus!], $first: Int) {
  designerOrders(status: $status, first: $first) { totalCount edges { node { id designerId status } } }
}
"""
STAFF_ORDERS = """
query($filter: OrderFilterInput, $first: Int, $after: String) {
  orders(filter: $filter, first: $first, after: $after) { totalCount edges { node { id number } } }
}
"""
ORDER = """
query($id: UUID, $number: String) {
  order(id: $id, number: $number) { id contact { email } shippingAddress { line1 } }
}
"""


@pytest.fixture
def orders(shop) -> dict:
    """Cleo: three orders (one of them Ben's, one rejected); Dan: one. Newest last in each list."""
    cleo_coat = place(shop.cleo, **{"COAT-M": 1})[0]
    cleo_shirt = place(shop.cleo, **{"SHIRT-M": 1})[0]
    cleo_shoes = place(shop.cleo, **{"SHOE-M": 2})[0]  # one in stock: rejected
    dan_coat = place(shop.dan, **{"COAT-M": 1})[0]
    settle()
    return {"cleo": [cleo_coat, cleo_shirt, cleo_shoes], "dan": [dan_coat]}


def ids(connection_: dict) -> list[str]:
    return [edge["node"]["id"] for edge in connection_["edges"]]


def code_of(body: dict) -> tuple[str, str | None]:
    [error] = body["errors"]
    return error["extensions"]["code"], error["extensions"].get("field")


def test_a_customer_lists_their_own_orders_newest_first_a_page_at_a_time(client, shop, orders):
    newest_first = [str(order_id) for order_id in reversed(orders["cleo"])]
    first = graphql(client, shop.cleo, MY_ORDERS, first=2)["data"]["myOrders"]
    assert ids(first) == newest_first[:2]
    assert first["totalCount"] == 3
    assert first["pageInfo"]["hasNextPage"] is True and first["pageInfo"]["hasPreviousPage"] is False
    rest = graphql(client, shop.cleo, MY_ORDERS, first=2, after=first["pageInfo"]["endCursor"])["data"]["myOrders"]
    assert ids(rest) == newest_first[2:]
    assert rest["pageInfo"]["hasNextPage"] is False and rest["pageInfo"]["hasPreviousPage"] is True
    assert {edge["node"]["customerId"] for edge in first["edges"] + rest["edges"]} == {str(shop.cleo.id)}

    rejected = graphql(client, shop.cleo, MY_ORDERS, status=["REJECTED"])["data"]["myOrders"]
    assert ids(rejected) == [str(orders["cleo"][2])] and rejected["totalCount"] == 1
    held = graphql(client, shop.cleo, MY_ORDERS, status=["CONFIRMED", "AWAITING_PAYMENT"])["data"]["myOrders"]
    assert ids(held) == newest_first[1:]
    assert graphql(client, shop.dan, MY_ORDERS)["data"]["myOrders"]["totalCount"] == 1
    assert graphql(client, shop.ada, MY_ORDERS)["data"]["myOrders"]["totalCount"] == 0, "a designer's purchases only"


def test_bad_page_arguments_are_refused_naming_the_argument(client, shop, orders):
    cursor = graphql(client, shop.cleo, MY_ORDERS, first=1)["data"]["myOrders"]["pageInfo"]["endCursor"]
    forged = base64.urlsafe_b64encode(json.dumps([1, "x", "not a time", "zz"]).encode()).decode()
    number_id = base64.urlsafe_b64encode(json.dumps([1, "x", "2026-01-01T00:00:00+00:00", 5]).encode()).decode()
    naive = base64.urlsafe_b64encode(json.dumps([1, "x", "2026-01-01T00:00:00", "ab" * 16]).encode()).decode()
    cases = [
        ({"first": 0}, ("invalid", "first")),
        ({"first": 101}, ("invalid", "first")),
        ({"after": "not-a-cursor"}, ("invalid", "after")),
        ({"after": forged}, ("invalid", "after")),
        ({"after": number_id}, ("invalid", "after")),
        ({"after": naive}, ("invalid", "after")),
        ({"after": "\x00" * 10}, ("invalid", "after")),
        ({"after": cursor, "status": ["PLACED"]}, ("invalid", "after")),  # a cursor of another filter
    ]
    for variables, expected in cases:
        body = graphql(client, shop.cleo, MY_ORDERS, **variables)
        assert body["data"] is None and code_of(body) == expected, variables
    other_list = graphql(client, shop.staff, STAFF_ORDERS, after=cursor)
    assert code_of(other_list) == ("invalid", "after"), "a customer's cursor does not page staff's list"


def test_a_designer_lists_the_orders_of_their_pieces(client, shop, orders):
    ada = graphql(client, shop.ada, DESIGNER_ORDERS)["data"]["designerOrders"]
    assert ada["totalCount"] == 3
    assert {edge["node"]["designerId"] for edge in ada["edges"]} == {str(shop.ada.id)}
    assert str(orders["cleo"][1]) not in ids(ada), "the shirt is Ben's"
    ben = graphql(client, shop.ben, DESIGNER_ORDERS, status=["CONFIRMED"])["data"]["designerOrders"]
    assert ids(ben) == [str(orders["cleo"][1])]
    assert code_of(graphql(client, shop.cleo, DESIGNER_ORDERS)) == ("permission_denied", None)
    assert code_of(graphql(client, None, DESIGNER_ORDERS)) == ("unauthenticated", None)
    assert code_of(graphql(client, None, MY_ORDERS)) == ("unauthenticated", None)


def test_staff_list_every_order_with_filters(client, shop, orders):
    every = graphql(client, shop.staff, STAFF_ORDERS)["data"]["orders"]
    assert every["totalCount"] == 4
    by_customer = graphql(client, shop.staff, STAFF_ORDERS, filter={"customer": str(shop.dan.id)})["data"]["orders"]
    assert ids(by_customer) == [str(orders["dan"][0])]
    ada_rejected = {"designer": str(shop.ada.id), "status": ["REJECTED"]}
    assert ids(graphql(client, shop.staff, STAFF_ORDERS, filter=ada_rejected)["data"]["orders"]) == [
        str(orders["cleo"][2])
    ]
    number = OrderView.objects.get(id=orders["dan"][0]).number
    by_number = graphql(client, shop.staff, STAFF_ORDERS, filter={"number": f" {number.lower()} "})["data"]["orders"]
    assert ids(by_number) == [str(orders["dan"][0])]
    for bad in ("", "x" * 40, "OCG\x00"):
        body = graphql(client, shop.staff, STAFF_ORDERS, filter={"number": bad})
        assert code_of(body) == ("invalid", "filter.number"), bad
    for user in (shop.cleo, shop.ada):
        assert code_of(graphql(client, user, STAFF_ORDERS)) == ("permission_denied", None)


def test_an_order_is_seen_by_its_customer_its_designer_and_staff_only(client, shop, orders):
    order_id = str(orders["cleo"][0])
    for user in (shop.cleo, shop.ada, shop.staff):
        shown = graphql(client, user, ORDER, id=order_id)["data"]["order"]
        assert shown == {
            "id": order_id,
            "contact": {"email": "ada@example.com"},
            "shippingAddress": {"line1": "1 Rue de la Paix"},
        }
    for user in (shop.dan, shop.ben):
        body = graphql(client, user, ORDER, id=order_id)
        assert body["data"]["order"] is None and "errors" not in body, "nothing of another's order, not its address"
    number = OrderView.objects.get(id=order_id).number
    assert graphql(client, shop.dan, ORDER, number=number)["data"]["order"] is None
    assert code_of(graphql(client, None, ORDER, id=order_id)) == ("unauthenticated", None)
    assert code_of(graphql(client, shop.cleo, ORDER)) == ("invalid", "id")
    assert code_of(graphql(client, shop.cleo, ORDER, id=order_id, number=number)) == ("invalid", "id")
    assert graphql(client, shop.cleo, ORDER, number="OCG-1999-000000")["data"]["order"] is None
    assert code_of(graphql(client, shop.cleo, ORDER, number="\x00")) == ("invalid", "number")


HEAVY = """
query($first: Int) {
  myOrders(first: $first) {
    totalCount
    edges { node { id number total { amount } lines { sku } timeline { step status } } }
  }
}
"""


def test_the_sql_per_request_does_not_grow_with_the_page(client, shop):
    for _ in range(6):
        place(shop.cleo, **{"COAT-M": 1, "SHOE-M": 1})
        place(shop.cleo, **{"SHIRT-M": 2})
    settle()
    counts = {}
    for first in (5, 50):
        with CaptureQueriesContext(connection) as queries:
            body = graphql(client, shop.cleo, HEAVY, first=first)
        edges = body["data"]["myOrders"]["edges"]
        assert len(edges) == min(first, 12) and all(edge["node"]["timeline"] for edge in edges)
        counts[first] = len(queries)
    assert counts[5] == counts[50], counts
