"""Order lists a page at a time, newest first: a keyset on (placed_at, id), so a deep page seeks in an index
(`orders_by_customer`, `orders_by_designer`, `orders_by_status`) instead of counting past the rows before it.

A cursor is opaque: the row's placed_at and id, with a fingerprint of the list it came from (whose orders,
which filter), so a cursor from another list is refused rather than silently paging something else.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import F, Q, QuerySet
from django.db.models.fields.tuple_lookups import TupleLessThan

from ocg.orders.domain import STATES, InvalidOrder
from ocg.orders.models import OrderView

DEFAULT_PAGE = 20
PAGE_MAX = 100
CURSOR_VERSION = 1
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
        text = json.dumps(self.canonical(), separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

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


@dataclass
class Page:
    rows: list[OrderView]
    cursors: list[str]
    has_next: bool
    has_previous: bool
    listing: OrderFilter
    total: int | None = field(default=None)

    def count(self) -> int:
        """Orders in the whole list, every page together: one query, made only when asked for."""
        if self.total is None:
            self.total = self.listing.rows().count()
        return self.total


def encode_cursor(listing: OrderFilter, row: OrderView) -> str:
    payload = json.dumps([CURSOR_VERSION, listing.fingerprint, row.placed_at.isoformat(), row.id.hex])
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, listing: OrderFilter, field_name: str) -> tuple[datetime, UUID]:
    invalid = InvalidOrder("This cursor is not one this list gave out.", field=field_name)
    if not isinstance(cursor, str) or len(cursor) > 400:
        raise invalid
    try:
        version, print_, placed_at, row_hex = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        moment = datetime.fromisoformat(placed_at)
        row_id = UUID(hex=row_hex)
    except (ValueError, TypeError, AttributeError, binascii.Error, UnicodeDecodeError):
        raise invalid from None
    if version != CURSOR_VERSION or moment.tzinfo is None:
        raise invalid
    if print_ != listing.fingerprint:
        raise InvalidOrder("This cursor belongs to another list or filter: start again without it.", field=field_name)
    return moment, row_id


def page_request(
    listing: OrderFilter,
    first: int | None,
    after: str | None,
    *,
    first_field: str = "first",
    after_field: str = "after",
) -> PageRequest:
    size = DEFAULT_PAGE if first is None else first
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= PAGE_MAX:
        raise InvalidOrder(f"{first_field} must be between 1 and {PAGE_MAX}.", field=first_field)
    return PageRequest(size, None if after is None else decode_cursor(after, listing, after_field))


def page(listing: OrderFilter, request: PageRequest) -> Page:
    """One query whatever the page's size: the page and one row more, to know whether another follows."""
    rows = listing.rows()
    if request.after is not None:
        rows = rows.filter(TupleLessThan((F("placed_at"), F("id")), request.after))
    found = list(rows.order_by("-placed_at", "-id")[: request.size + 1])
    more = len(found) > request.size
    found = found[: request.size]
    cursors = [encode_cursor(listing, row) for row in found]
    return Page(found, cursors, has_next=more, has_previous=request.after is not None, listing=listing)
