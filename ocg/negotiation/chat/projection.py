"""System lines in the chat, written from the order's and the negotiation's events, each exactly once.

A `Projection` over the `orders` and `negotiation` logs: the rows and the projection's position commit in one
transaction, and each row carries its event's id (unique), so a replayed or re-run event never writes a
second line. Events are matched by class name (`Order.Paid`, `Negotiation.Proposed`). The line for an
automatic decline never names the designer's floor. A conversation already deleted by the expiry job gets
no new lines, so a rebuild does not bring it back. Once the batch has committed, each new line is pushed to
the order's open sockets.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from django.db import transaction

from ocg.negotiation.chat import access
from ocg.negotiation.chat.groups import message_event, order_group, send
from ocg.negotiation.chat.store import as_frame
from ocg.negotiation.models import ChatMessage, ExpiredChat
from ocg.spine.envelope import event_id
from ocg.spine.projections import Projection

ROLE_NAMES = {
    access.CUSTOMER: "The customer",
    access.DESIGNER: "The designer",
    access.STAFF: "Staff",
    access.SYSTEM: "The system",
}


def money(value: Any) -> str:
    return f"{value.amount} {value.currency}"


def who(role: str | None) -> str:
    return ROLE_NAMES.get(role or "", "Someone")


def with_note(text: str, note: str | None) -> str:
    return f"{text}: “{note}”" if note else f"{text}."


def proposed(event: Any) -> str:
    kind = "countered with" if getattr(event, "counter_to", None) else "proposed"
    text = f"{who(event.author_role)} {kind} {money(event.amount)} (round {event.round})"
    return with_note(text, getattr(event, "note", ""))


def rejected(event: Any) -> str:
    return with_note("The proposal was rejected", getattr(event, "note", ""))


def order_status(label: str) -> Callable[[Any], str]:
    return lambda event: f"Order status: {label}."


NEGOTIATION_LINES: dict[str, Callable[[Any], str]] = {
    "Negotiation.Opened": lambda e: f"{who(e.opened_by_role)} opened a price negotiation.",
    "Negotiation.Proposed": proposed,
    "Negotiation.Withdrawn": lambda e: "The proposal was withdrawn.",
    "Negotiation.Rejected": rejected,
    "Negotiation.Declined": lambda e: "The proposal was declined automatically: it is below what the designer accepts.",
    "Negotiation.Expired": lambda e: "The proposal expired without an answer.",
    "Negotiation.PriceAgreed": lambda e: f"Price agreed: {money(e.amount)}.",
    "Negotiation.Closed": lambda e: (
        "The negotiation closed with an agreed price." if e.outcome == "agreed" else "The negotiation was abandoned."
    ),
}

ORDER_LINES: dict[str, Callable[[Any], str]] = {
    "Order.Placed": order_status("placed"),
    "Order.Confirmed": order_status("confirmed"),
    "Order.Rejected": order_status("rejected (out of stock)"),
    "Order.PaymentRequested": order_status("awaiting payment"),
    "Order.NegotiationOpened": order_status("negotiating"),
    "Order.NegotiationClosed": lambda e: (
        f"Order status: awaiting payment of {money(e.agreed_total)}."
        if getattr(e, "agreed_total", None)
        else "Order status: awaiting payment."
    ),
    "Order.Paid": order_status("paid"),
    "Order.ProductionStarted": order_status("in production"),
    "Order.Shipped": lambda e: f"Order status: shipped with {e.carrier} ({e.tracking_number}).",
    "Order.Delivered": order_status("delivered"),
    "Order.Completed": order_status("completed"),
    "Order.Cancelled": order_status("cancelled"),
    "Order.Expired": order_status("cancelled (not paid in time)"),
    "Order.RefundRequested": order_status("refund requested"),
    "Order.Refunded": order_status("refunded"),
    "Order.RefundRejected": order_status("refund rejected"),
}

SOURCE_BY_PREFIX = {"Order.": "orders", "Negotiation.": "negotiation"}


def line_for(event: Any) -> tuple[UUID, str] | None:
    """(order id, text) of the system line for this event, or None for an event that gets none."""
    kind = type(event).__qualname__
    if kind in ORDER_LINES:
        return event.originator_id, ORDER_LINES[kind](event)
    if kind in NEGOTIATION_LINES:
        return event.order_id, NEGOTIATION_LINES[kind](event)
    return None


class ChatSystemMessages(Projection):
    name = "chat_system_messages"
    sources = ("orders", "negotiation")
    read_models = ()

    def handle(self, events: Sequence[Any]) -> None:
        rows = []
        for event in events:
            found = line_for(event)
            if found is None:
                continue
            order_id, text = found
            kind = type(event).__qualname__
            source = next(s for prefix, s in SOURCE_BY_PREFIX.items() if kind.startswith(prefix))
            rows.append(
                ChatMessage(
                    order_id=order_id,
                    author_id=None,
                    author_role=access.SYSTEM,
                    kind=ChatMessage.Kind.SYSTEM,
                    text=text,
                    created_at=event.timestamp,
                    event_id=event_id(source, event.originator_id, event.originator_version),
                )
            )
        if not rows:
            return
        expired = set(
            ExpiredChat.objects.filter(order_id__in={row.order_id for row in rows}).values_list("order_id", flat=True)
        )
        rows = [row for row in rows if row.order_id not in expired]
        known = set(
            ChatMessage.objects.filter(event_id__in=[row.event_id for row in rows]).values_list("event_id", flat=True)
        )
        new = [row for row in rows if row.event_id not in known]
        created = ChatMessage.objects.bulk_create(new)
        frames = [as_frame(row) for row in created]
        transaction.on_commit(lambda: push(frames))

    def clear(self) -> None:
        """A rebuild replaces the system lines only: the parties' messages are no read model."""
        ChatMessage.objects.filter(kind=ChatMessage.Kind.SYSTEM).delete()


def push(frames: list[dict[str, Any]]) -> None:
    for frame in frames:
        send(order_group(frame["order_id"]), message_event(frame))
