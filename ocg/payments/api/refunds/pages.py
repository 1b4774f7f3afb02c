"""Refund lists a page at a time, newest first: a keyset (ocg/spine/keyset.py) on (requested_at, id), so a
deep page seeks in an index (`refunds_by_customer`, `refunds_by_state`, `refunds_by_sla`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import QuerySet

from ocg.payments.domain import PaymentsError
from ocg.payments.domain import payment as states
from ocg.payments.models import RefundView
from ocg.spine import keyset
from ocg.spine.keyset import DEFAULT_PAGE, PAGE_MAX, Page  # noqa: F401  (for the APIs: the limits, the page)

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
        return keyset.fingerprint([self.scope, sorted(self.states), sorted(self.sla_states), customer])

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


def page(
    listing: RefundFilter,
    first: Any,
    after: Any,
    *,
    first_field: str = "first",
    after_field: str = "after",
) -> keyset.Page:
    size = keyset.page_size(first, InvalidListing, first_field)
    cursor = None if after is None else keyset.decode_cursor(after, listing.fingerprint, InvalidListing, after_field)
    return keyset.newest_first(listing.rows(), "requested_at", listing.fingerprint, size, cursor)
