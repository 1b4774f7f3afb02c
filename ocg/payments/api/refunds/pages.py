"""Refund lists a page at a time, newest first: a keyset on (requested_at, id), so a deep page seeks in an
index (`refunds_by_customer`, `refunds_by_state`, `refunds_by_sla`) instead of counting past the rows before it.

A cursor is opaque: the row's requested_at and id, with a fingerprint of the list it came from (whose refunds,
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

from django.db.models import F, QuerySet
from django.db.models.fields.tuple_lookups import TupleLessThan

from ocg.payments.domain import PaymentsError
from ocg.payments.domain import payment as states
from ocg.payments.models import RefundView

DEFAULT_PAGE = 20
PAGE_MAX = 100
CURSOR_VERSION = 1
REFUND_STATES = (
    states.REFUND_REQUESTED,
    states.REFUND_APPROVED,
    states.REFUND_REJECTED,
    states.REFUND_SENT,
    states.REFUND_CONFIRMED,
    states.REFUND_FAILED,
)
SLA_STATES = tuple(RefundView.SlaState.values)


class InvalidListing(PaymentsError):
    """A list's arguments (page size, cursor, filter) are not usable."""

    code = "invalid"


@dataclass(frozen=True)
class RefundFilter:
    """Whose refunds (`scope`: one customer's or everyone's) and which."""

    scope: str
    states: tuple[str, ...] = ()
    sla_states: tuple[str, ...] = ()
    customer_id: UUID | None = None

    @property
    def fingerprint(self) -> str:
        customer = self.customer_id and self.customer_id.hex
        canonical = [self.scope, sorted(self.states), sorted(self.sla_states), customer]
        return hashlib.sha256(json.dumps(canonical, separators=(",", ":")).encode()).hexdigest()[:16]

    def rows(self) -> QuerySet:
        rows = RefundView.objects.all()
        if self.states:
            rows = rows.filter(state__in=self.states)
        if self.sla_states:
            rows = rows.filter(sla_state__in=self.sla_states)
        if self.customer_id is not None:
            rows = rows.filter(customer_id=self.customer_id)
        return rows


def refund_filter(
    scope: str,
    *,
    states: Iterable[str] | None = None,
    sla_states: Iterable[str] | None = None,
    customer_id: UUID | None = None,
    field_prefix: str = "",
) -> RefundFilter:
    wanted = tuple(dict.fromkeys(states or ()))
    unknown = [state for state in wanted if state not in REFUND_STATES]
    if unknown:
        raise InvalidListing(f"{unknown[0]!r} is not a refund state.", field=f"{field_prefix}status")
    sla = tuple(dict.fromkeys(sla_states or ()))
    unknown = [state for state in sla if state not in SLA_STATES]
    if unknown:
        raise InvalidListing(f"{unknown[0]!r} is not an SLA state.", field=f"{field_prefix}slaState")
    return RefundFilter(scope, wanted, sla, customer_id)


@dataclass
class Page:
    rows: list[RefundView]
    cursors: list[str]
    has_next: bool
    has_previous: bool
    listing: RefundFilter
    total: int | None = field(default=None)

    def count(self) -> int:
        """Refunds in the whole list, every page together: one query, made only when asked for."""
        if self.total is None:
            self.total = self.listing.rows().count()
        return self.total


def encode_cursor(listing: RefundFilter, row: RefundView) -> str:
    payload = json.dumps([CURSOR_VERSION, listing.fingerprint, row.requested_at.isoformat(), row.id.hex])
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(cursor: Any, listing: RefundFilter, field_name: str) -> tuple[datetime, UUID]:
    invalid = InvalidListing("This cursor is not one this list gave out.", field=field_name)
    if not isinstance(cursor, str) or len(cursor) > 400:
        raise invalid
    try:
        version, print_, requested_at, row_hex = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        moment = datetime.fromisoformat(requested_at)
        row_id = UUID(hex=row_hex)
    except (ValueError, TypeError, AttributeError, binascii.Error, UnicodeDecodeError):
        raise invalid from None
    if version != CURSOR_VERSION or moment.tzinfo is None:
        raise invalid
    if print_ != listing.fingerprint:
        raise InvalidListing("This cursor belongs to another list or filter: start again without it.", field=field_name)
    return moment, row_id


def page(
    listing: RefundFilter,
    first: Any,
    after: Any,
    *,
    first_field: str = "first",
    after_field: str = "after",
) -> Page:
    """One query whatever the page's size: the page and one row more, to know whether another follows."""
    size = DEFAULT_PAGE if first is None else first
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= PAGE_MAX:
        raise InvalidListing(f"{first_field} must be between 1 and {PAGE_MAX}.", field=first_field)
    rows = listing.rows()
    if after is not None:
        rows = rows.filter(TupleLessThan((F("requested_at"), F("id")), decode_cursor(after, listing, after_field)))
    found = list(rows.order_by("-requested_at", "-id")[: size + 1])
    more = len(found) > size
    found = found[:size]
    cursors = [encode_cursor(listing, row) for row in found]
    return Page(found, cursors, has_next=more, has_previous=after is not None, listing=listing)
