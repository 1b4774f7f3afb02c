"""System lines from the orders' and the negotiation's events: each written once, rebuildable, pushed live.

The negotiation events here are stand-ins of the agreed shape (`Negotiation.Proposed(...)` and the rest),
saved in the negotiation context's own events table: the projection matches events by class name.
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from asgiref.sync import async_to_sync, sync_to_async
from django.db import connection
from eventsourcing.domain import Aggregate, event

from ocg.identity import tokens
from ocg.negotiation.models import ChatMessage
from ocg.spine.domain.money import Money
from ocg.spine.eventstore import applications
from ocg.spine.projections import ProjectionRunner, get_projection, rebuild
from tests.negotiation.sockets import communicator, next_of
from tests.orders.shop import settle


class Negotiation(Aggregate):
    @event("Opened")
    def __init__(self, order_id, customer_id, designer_id, currency, opened_by_role, actor_id):
        self.order_id = order_id

    @event("Proposed")
    def propose(self, order_id, proposal_id, author_role, amount, note, round, expires_at, counter_to, actor_id):
        pass

    @event("Withdrawn")
    def withdraw(self, order_id, proposal_id, actor_id):
        pass

    @event("Rejected")
    def reject(self, order_id, proposal_id, note, actor_id):
        pass

    @event("Declined")
    def decline(self, order_id, proposal_id, actor_id=None):
        pass

    @event("Expired")
    def expire(self, order_id, proposal_id, actor_id=None):
        pass

    @event("PriceAgreed")
    def agree(self, order_id, proposal_id, amount, actor_id):
        pass

    @event("Closed")
    def close(self, order_id, outcome, actor_id):
        pass


def negotiate(order_id, customer_id, designer_id) -> None:
    """A whole negotiation: a proposal below the floor, a counter, a rejection, a withdrawal, an expiry, a deal."""
    n = Negotiation(order_id, customer_id, designer_id, "EUR", "customer", customer_id)
    later = datetime.now(UTC) + timedelta(hours=48)
    first, second, third, fourth, fifth = (uuid.uuid4() for _ in range(5))
    eur = lambda amount: Money(Decimal(amount), "EUR")  # noqa: E731
    n.propose(order_id, first, "customer", eur("10.00"), "", 1, later, None, customer_id)
    n.decline(order_id, first)
    n.propose(order_id, second, "customer", eur("80.00"), "My budget", 2, later, None, customer_id)
    n.propose(order_id, third, "designer", eur("95.00"), "Hand finished", 3, later, second, designer_id)
    n.reject(order_id, third, "Too much", customer_id)
    n.propose(order_id, fourth, "customer", eur("85.00"), "", 4, later, None, customer_id)
    n.withdraw(order_id, fourth, customer_id)
    n.propose(order_id, fifth, "customer", eur("90.00"), "", 5, later, None, customer_id)
    n.expire(order_id, fifth)
    n.propose(order_id, uuid.uuid4(), "designer", eur("90.00"), "", 6, later, None, designer_id)
    n.agree(order_id, fifth, eur("90.00"), customer_id)
    n.close(order_id, "agreed", customer_id)
    applications.get("negotiation").save(n)


def system_lines(order_id) -> list[str]:
    rows = ChatMessage.objects.filter(order_id=order_id, kind="system").order_by("id")
    return list(rows.values_list("text", flat=True))


def project() -> int:
    return ProjectionRunner(get_projection("chat_system_messages")).catch_up()


def test_every_order_step_and_negotiation_event_becomes_one_system_line(chat_world):
    order, users = chat_world["order"], chat_world["users"]
    settle()  # the stock saga confirms the order
    negotiate(order, users["customer"].id, users["designer"].id)
    project()
    lines = system_lines(order)
    assert lines == [
        "Order status: placed.",
        "Order status: confirmed.",
        "The customer opened a price negotiation.",
        "The customer proposed 10.00 EUR (round 1).",
        "The proposal was declined automatically: it is below what the designer accepts.",
        "The customer proposed 80.00 EUR (round 2): “My budget”",
        "The designer countered with 95.00 EUR (round 3): “Hand finished”",
        "The proposal was rejected: “Too much”",
        "The customer proposed 85.00 EUR (round 4).",
        "The proposal was withdrawn.",
        "The customer proposed 90.00 EUR (round 5).",
        "The proposal expired without an answer.",
        "The designer proposed 90.00 EUR (round 6).",
        "Price agreed: 90.00 EUR.",
        "The negotiation closed with an agreed price.",
    ]
    rows = ChatMessage.objects.filter(order_id=order)
    assert all(row.author_id is None and row.author_role == "system" and row.event_id for row in rows)


def test_a_line_is_written_once_even_when_the_projection_is_rebuilt_and_party_messages_survive(chat_world):
    order, users = chat_world["order"], chat_world["users"]
    settle()
    project()
    ChatMessage.objects.create(
        order_id=order,
        author_id=users["customer"].id,
        author_role="customer",
        text="Hello",
        created_at=datetime.now(UTC),
    )
    before = system_lines(order)
    assert project() == 0  # nothing new
    rebuild(get_projection("chat_system_messages"))
    assert system_lines(order) == before
    assert ChatMessage.objects.filter(order_id=order, kind="user").count() == 1
    assert ChatMessage.objects.filter(order_id=order, kind="system").values("event_id").distinct().count() == len(
        before
    )


def settle_and_project() -> None:
    try:
        settle()
        project()
    finally:
        connection.close()


def test_a_new_system_line_reaches_the_open_sockets(chat_world):
    order, users = chat_world["order"], chat_world["users"]
    project()

    async def scenario():
        token = await sync_to_async(lambda: tokens.issue_token_pair(users["designer"], "password")["access"])()
        socket = communicator(order, token)
        await socket.connect(timeout=5)
        history = await next_of(socket, "history")
        worker = threading.Thread(target=settle_and_project)
        worker.start()
        pushed = await next_of(socket, "message", timeout=10)
        await sync_to_async(worker.join)()
        await socket.disconnect()
        return history, pushed

    history, pushed = async_to_sync(scenario)()
    assert [m["text"] for m in history["messages"]] == ["Order status: placed."]
    assert (pushed["message"]["kind"], pushed["message"]["text"]) == ("system", "Order status: confirmed.")
