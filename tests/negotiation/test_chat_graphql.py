"""`chatMessages(order, first, after)` and `ChatMarkRead` over HTTP: paging, who may ask, refusals changing nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from ocg.identity import tokens
from ocg.negotiation.models import ChatMessage, ChatReadReceipt
from tests.identity.conftest import graphql

PAGE = """query($order: UUID!, $first: Int, $after: String) {
  chatMessages(order: $order, first: $first, after: $after) {
    edges { cursor node { id orderId authorId authorRole kind text createdAt } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}"""
MARK = """mutation($order: UUID!, $id: Int!) {
  chatMarkRead(order: $order, messageId: $id) { errors { field code message } result { userId lastReadId } }
}"""


def token(user) -> str:
    return tokens.issue_token_pair(user, "password")["access"]


def messages(order_id, user, count: int) -> list[int]:
    rows = [
        ChatMessage(
            order_id=order_id, author_id=user.id, author_role="customer", text=f"m{n}", created_at=datetime.now(UTC)
        )
        for n in range(count)
    ]
    return [row.id for row in ChatMessage.objects.bulk_create(rows)]


def error_codes(answer: dict) -> list[tuple[str, str | None]]:
    return [(e["extensions"]["code"], e["extensions"].get("field")) for e in answer.get("errors", [])]


def test_the_chat_is_read_page_by_page_in_conversation_order(client, chat_world):
    order, users = chat_world["order"], chat_world["users"]
    ids = messages(order, users["customer"], 5)
    designer = token(users["designer"])
    first = graphql(client, PAGE, designer, order=str(order), first=2)["data"]["chatMessages"]
    assert [edge["node"]["id"] for edge in first["edges"]] == ids[:2]
    assert first["pageInfo"]["hasNextPage"] and not first["pageInfo"]["hasPreviousPage"]
    node = first["edges"][0]["node"]
    assert (node["authorRole"], node["kind"], node["text"]) == ("customer", "USER", "m0")
    rest = graphql(client, PAGE, designer, order=str(order), first=10, after=first["pageInfo"]["endCursor"])
    page = rest["data"]["chatMessages"]
    assert [edge["node"]["id"] for edge in page["edges"]] == ids[2:]
    assert not page["pageInfo"]["hasNextPage"] and page["pageInfo"]["hasPreviousPage"]
    staff = graphql(client, PAGE, token(users["staff"]), order=str(order))["data"]["chatMessages"]
    assert len(staff["edges"]) == 5


def test_the_sql_per_page_does_not_grow_with_the_page(client, chat_world):
    order, users = chat_world["order"], chat_world["users"]
    messages(order, users["customer"], 30)
    customer = token(users["customer"])
    graphql(client, PAGE, customer, order=str(order), first=1)  # the account is cached from here on
    counts = []
    for size in (2, 30):
        with CaptureQueriesContext(connection) as queries:
            graphql(client, PAGE, customer, order=str(order), first=size)
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_outsiders_unknown_orders_and_bad_arguments_are_refused(client, chat_world):
    order, users = chat_world["order"], chat_world["users"]
    messages(order, users["customer"], 1)
    customer = token(users["customer"])
    cases = [
        (token(users["outsider"]), {"order": str(order)}, [("permission_denied", "order")]),
        (customer, {"order": "00000000-0000-4000-8000-000000000000"}, [("not_found", "order")]),
        (None, {"order": str(order)}, [("unauthenticated", None)]),
        (customer, {"order": str(order), "first": 0}, [("invalid", "first")]),
        (customer, {"order": str(order), "first": 101}, [("invalid", "first")]),
        (customer, {"order": str(order), "after": "bm90LWEtY3Vyc29y"}, [("invalid", "after")]),
        (customer, {"order": str(order), "after": "%%%"}, [("invalid", "after")]),
    ]
    for who, variables, expected in cases:
        answer = graphql(client, PAGE, who, **variables)
        assert answer["data"] is None or answer["data"]["chatMessages"] is None
        assert error_codes(answer) == expected, (variables, answer)


def test_mark_read_moves_the_receipt_forward_only_and_refuses_what_it_cannot_apply(client, chat_world):
    order, users = chat_world["order"], chat_world["users"]
    first, second = messages(order, users["customer"], 2)
    [elsewhere] = messages("00000000-0000-4000-8000-000000000001", users["customer"], 1)
    designer = token(users["designer"])
    answer = graphql(client, MARK, designer, order=str(order), id=second)["data"]["chatMarkRead"]
    assert answer["errors"] == [] and answer["result"]["lastReadId"] == second
    backwards = graphql(client, MARK, designer, order=str(order), id=first)["data"]["chatMarkRead"]
    assert backwards["result"]["lastReadId"] == second
    refused = {
        "another order's message": (designer, elsewhere),
        "an outsider": (token(users["outsider"]), first),
    }
    codes = {}
    for case, (who, message_id) in refused.items():
        payload = graphql(client, MARK, who, order=str(order), id=message_id)["data"]["chatMarkRead"]
        assert payload["result"] is None
        codes[case] = [(e["code"], e["field"]) for e in payload["errors"]]
    assert codes == {
        "another order's message": [("invalid", "messageId")],
        "an outsider": [("permission_denied", "order")],
    }
    assert list(ChatReadReceipt.objects.values_list("user_id", "last_read_id")) == [(users["designer"].id, second)]
