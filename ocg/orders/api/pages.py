"""Order lists a page at a time, newest first: a keyset (ocg/spine/keyset.py) on (placed_at, id), so a deep
page seeks in an index (`orders_by_customer`, `orders_by_designer`, `orders_by_status`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet

from ocg.orders.domain import STATES, InvalidOrder
from ocg.orders.models import OrderView
from ocg.spine import keyset
from ocg.spine.keyset import DEFAULT_PAGE, PAGE_MAX, Page  # noqa: F401  (for the APIs: the limits, the page)

NUMBER_MAX_LENGTH = 32


@dataclass(frozen=True)
class OrderFilter:
    """Whose orders (`scope`: a customer's, a designer's, one party's either way, or everyone's) and which."""

    scope: str
    statuses: tuple[str, ...] = ()
    customer_id: UUID | None = None
    designer_id: UUID | None = None
    number: str | None = None
    party_id: UUID | None = None

    def canonical(self) -> list[Any]:
        return [
            self.scope,
            sorted(self.statuses),
            self.customer_id and self.customer_id.hex,
            self.designer_id and self.designer_id.hex,
            self.number,
            self.party_id and self.party_id.hex,
        ]

    @property
    def fingerprint(self) -> str:
        return keyset.fingerprint(self.canonical())

    def rows(self) -> QuerySet:
        rows = OrderView.objects.all()
        if self.statuses:
            rows = rows.filter(status__in=self.statuses)
        if self.customer_id is not None:
            rows = rows.filter(customer_id=self.customer_id)
        if self.designer_id is not None:
            rows = rows.filter(designer_id=self.designer_id)
        if self.number is not None:
            rows = rows.filter(number=self.number)
        if self.party_id is not None:
            rows = rows.filter(Q(customer_id=self.party_id) | Q(designer_id=self.party_id))
        return rows


def order_filter(
    scope: str,
    *,
    statuses: Iterable[str] | None = None,
    customer_id: UUID | None = None,
    designer_id: UUID | None = None,
    number: str | None = None,
    party_id: UUID | None = None,
    field_prefix: str = "",
) -> OrderFilter:
    """The filter, checked: known statuses, and a number PostgreSQL can compare (printable, not too long)."""
    wanted = tuple(dict.fromkeys(statuses or ()))
    unknown = [status for status in wanted if status not in STATES]
    if unknown:
        raise InvalidOrder(f"{unknown[0]!r} is not an order status.", field=f"{field_prefix}status")
    if number is not None:
        number = number.strip().upper()
        if not number or len(number) > NUMBER_MAX_LENGTH or not number.isprintable():
            raise InvalidOrder("An order number reads like OCG-2026-000123.", field=f"{field_prefix}number")
    return OrderFilter(scope, wanted, customer_id, designer_id, number, party_id)


@dataclass(frozen=True)
class PageRequest:
    size: int
    after: tuple[datetime, UUID] | None = None


def page_request(
    listing: OrderFilter,
    first: int | None,
    after: str | None,
    *,
    first_field: str = "first",
    after_field: str = "after",
) -> PageRequest:
    size = keyset.page_size(first, InvalidOrder, first_field)
    cursor = None if after is None else keyset.decode_cursor(after, listing.fingerprint, InvalidOrder, after_field)
    return PageRequest(size, cursor)


def page(listing: OrderFilter, request: PageRequest) -> keyset.Page:
    return keyset.newest_first(listing.rows(), "placed_at", listing.fingerprint, request.size, request.after)
