"""The orders context's read side, for its APIs and for other contexts (payments, negotiation)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ocg.orders.domain import states
from ocg.orders.models import OrderStatusChange, OrderView


def order(order_id: UUID) -> OrderView | None:
    return OrderView.objects.filter(id=order_id).first()


def order_by_number(number: str) -> OrderView | None:
    return OrderView.objects.filter(number=number.strip().upper()).first()


def timeline(order_id: UUID) -> list[OrderStatusChange]:
    return list(OrderStatusChange.objects.filter(order_id=order_id).order_by("version"))


def timelines(order_ids: list[UUID]) -> dict[UUID, list[OrderStatusChange]]:
    """Timelines of many orders in one query."""
    found: dict[UUID, list[OrderStatusChange]] = {}
    for change in OrderStatusChange.objects.filter(order_id__in=order_ids).order_by("order_id", "version"):
        found.setdefault(change.order_id, []).append(change)
    return found


def overdue_order_ids(now: datetime, limit: int) -> list[UUID]:
    """Orders holding stock unpaid past their deadline (negotiating ones keep theirs)."""
    due = OrderView.objects.filter(status__in=[states.CONFIRMED, states.AWAITING_PAYMENT], pay_by__lte=now).order_by(
        "pay_by"
    )
    return list(due.values_list("id", flat=True)[:limit])


def participants(order_id: UUID) -> tuple[UUID, UUID] | None:
    """The order's customer and designer (who may negotiate and chat on it), or None for no such order."""
    found = OrderView.objects.filter(id=order_id).values_list("customer_id", "designer_id").first()
    return None if found is None else (found[0], found[1])


def numbers(order_ids: list[UUID]) -> dict[UUID, str]:
    """Order numbers of many orders in one query (for lists other contexts show)."""
    return dict(OrderView.objects.filter(id__in=order_ids).values_list("id", "number"))


def finished_among(order_ids: list[UUID], before: datetime) -> dict[UUID, datetime]:
    """Of these orders, those completed or cancelled at or before `before`, with when (one query).

    Both states are final, so the row's last change is the moment it got there.
    """
    done = OrderView.objects.filter(
        id__in=order_ids, status__in=[states.COMPLETED, states.CANCELLED], updated_at__lte=before
    )
    return dict(done.values_list("id", "updated_at"))
