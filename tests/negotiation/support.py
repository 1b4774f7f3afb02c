"""What the negotiation tests share: the orders' shop and followers, the GraphQL documents, and the steps."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from django.db import connection

from ocg.catalog import queries as catalog
from ocg.identity.models import User
from ocg.spine.eventstore import applications, events_table
from tests.orders.api_support import graphql, place, wait_for_status

NEGOTIATION = """status openedByRole roundsUsed roundsLeft agreed { amount currency }
    openProposal { id round authorRole amount { amount currency } note expiresAt counterTo }
    proposals { id round authorRole amount { amount } outcome outcomeNote counterTo }"""
PAYLOAD = f"id pending errors {{ field code message }} result {{ {NEGOTIATION} }}"
ON_ORDER = "mutation($order: UUID!, $key: String) { %s(orderId: $order, idempotencyKey: $key) { %s } }"
OPEN = ON_ORDER % ("negotiationOpen", PAYLOAD)
PROPOSE = f"""mutation($order: UUID!, $amount: String!, $currency: String!, $note: String, $key: String) {{
  negotiationPropose(orderId: $order, amount: $amount, currency: $currency, note: $note, idempotencyKey: $key) {{
    proposalId {PAYLOAD}
  }}
}}"""
ANSWER = """mutation($order: UUID!, $proposal: UUID!, $key: String) {
  negotiation%(verb)s(orderId: $order, proposalId: $proposal, idempotencyKey: $key) { %(payload)s }
}"""
CLOSE = ON_ORDER % ("negotiationClose", PAYLOAD)
SET_FLOOR = """mutation($product: UUID!, $amount: String) {
  negotiationSetFloor(productId: $product, amount: $amount) {
    errors { field code message } result { amount currency }
  }
}"""
ORDER = f"""query($id: UUID!) {{
  order(id: $id) {{ status total {{ amount currency }} negotiation {{ {NEGOTIATION} }} }}
}}"""


def call(client: Any, user: User, query: str, name: str, **variables: Any) -> dict[str, Any]:
    variables.setdefault("key", str(uuid4()))
    body = graphql(client, user, query, **variables)
    assert "errors" not in body, body
    return body["data"][name]


def open_negotiation(client: Any, user: User, order: UUID) -> dict[str, Any]:
    return call(client, user, OPEN, "negotiationOpen", order=str(order))


def propose(client: Any, user: User, order: UUID, amount: str, currency: str = "EUR", **kw: Any) -> dict[str, Any]:
    return call(client, user, PROPOSE, "negotiationPropose", order=str(order), amount=amount, currency=currency, **kw)


def answer(client: Any, user: User, verb: str, order: UUID, proposal: Any, **kw: Any) -> dict[str, Any]:
    query = ANSWER % {"verb": verb, "payload": PAYLOAD}
    return call(client, user, query, f"negotiation{verb}", order=str(order), proposal=str(proposal), **kw)


def codes(payload: dict[str, Any]) -> list[tuple[str | None, str]]:
    return [(error["field"], error["code"]) for error in payload["errors"]]


def negotiating_order(client: Any, customer: User, **lines: int) -> UUID:
    """A confirmed order of the customer's, put into negotiation by them."""
    [order] = place(customer, **(lines or {"COAT-M": 1}))
    wait_for_status(order, "confirmed")
    opened = open_negotiation(client, customer, order)
    assert opened["errors"] == [], opened
    wait_for_status(order, "negotiating")
    return order


def negotiation_events() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {events_table(applications.get('negotiation'))}")
        return cursor.fetchone()[0]


def product_id(sku: str) -> UUID:
    return catalog.product_by_slug(f"piece-{sku.lower()}").id
