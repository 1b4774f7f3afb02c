"""A listing's arguments from a client, checked and in one canonical form; the page it answers."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from uuid import UUID

from ocg.catalog.domain import ARCHIVED, DRAFT, PUBLISHED, CatalogError
from ocg.spine.domain.money import Money
from ocg.spine.domain.text import clean_text

PAGE_MAX = 100
DEFAULT_PAGE = 20
SEARCH_MAX_LENGTH = 200
LOOKUP_MAX_LENGTH = 120
STATUSES = (DRAFT, PUBLISHED, ARCHIVED)

PRICE, NEWEST, NAME, RELEVANCE = "PRICE", "NEWEST", "NAME", "RELEVANCE"
SORT_FIELDS = (PRICE, NEWEST, NAME, RELEVANCE)
PRICE_TEXT = re.compile(r"-?[0-9]{1,16}(\.[0-9]{1,4})?", re.ASCII)


class InvalidListing(CatalogError):
    code = "invalid"


class ListingNotFound(CatalogError):
    """A filter names a category or designer that does not exist."""

    code = "not_found"


@dataclass(frozen=True)
class ProductFilter:
    """A listing's filter, checked and in one canonical form (what cursors and cache keys are made of)."""

    category: str | None = None
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    currency: str | None = None
    designer: str | None = None
    in_stock: bool | None = None
    search: str = ""
    customizable: bool | None = None
    statuses: tuple[str, ...] = (PUBLISHED,)

    @property
    def public(self) -> bool:
        return self.statuses == (PUBLISHED,)

    def canonical(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "price_min": None if self.price_min is None else str(self.price_min),
            "price_max": None if self.price_max is None else str(self.price_max),
            "currency": self.currency,
            "designer": self.designer,
            "in_stock": self.in_stock,
            "search": self.search,
            "customizable": self.customizable,
            "statuses": list(self.statuses),
        }


@dataclass(frozen=True)
class Sort:
    field: str
    descending: bool

    def canonical(self) -> str:
        return f"{self.field}:{'DESC' if self.descending else 'ASC'}"


@dataclass(frozen=True)
class PageRequest:
    """`first` after a cursor (forwards) or `last` before one (backwards)."""

    size: int
    backwards: bool = False
    cursor: str | None = None

    @property
    def is_first_page(self) -> bool:
        return not self.backwards and self.cursor is None


@dataclass
class Page:
    """One page of rows, each with its cursor. Plain data, so a hot page can be cached as it is."""

    rows: list[Any]
    cursors: list[str]
    has_next: bool
    has_previous: bool
    total: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


# Parsing client input.


def parse_filter(raw: dict[str, Any] | None, *, statuses: Iterable[str] | None = None) -> ProductFilter:
    """The filter from a client's input (GraphQL's snake_case keys); each refusal names its field."""
    raw = dict(raw or {})
    currency = raw.get("currency")
    if currency is not None:
        currency = Money.parse("1", currency, currency_field="filter.currency", error=InvalidListing).currency
    bounds = {}
    for name, label in (("price_min", "filter.priceMin"), ("price_max", "filter.priceMax")):
        value = raw.get(name)
        if value is None:
            continue
        if currency is None:
            raise InvalidListing(
                "A price bound needs a currency: prices in different currencies cannot be compared.",
                field="filter.currency",
            )
        text = value.strip() if isinstance(value, str) else ""
        if not PRICE_TEXT.fullmatch(text):
            raise InvalidListing("A price bound is a decimal number such as 250.00.", field=label)
        amount = Decimal(text)
        if amount < 0:
            raise InvalidListing("A price bound is not negative.", field=label)
        bounds[name] = amount
    if "price_min" in bounds and "price_max" in bounds and bounds["price_min"] > bounds["price_max"]:
        raise InvalidListing("priceMin is above priceMax.", field="filter.priceMin")
    search = clean_text(
        raw.get("search"), field="filter.search", max_length=SEARCH_MAX_LENGTH, required=False, error=InvalidListing
    )
    chosen = sorted(set((PUBLISHED,) if statuses is None else statuses), key=STATUSES.index)
    if not chosen:
        raise InvalidListing("Give at least one status.", field="filter.status")
    return ProductFilter(
        category=_lookup_text(raw.get("category"), "filter.category"),
        price_min=bounds.get("price_min"),
        price_max=bounds.get("price_max"),
        currency=currency,
        designer=_lookup_text(raw.get("designer"), "filter.designer"),
        in_stock=raw.get("in_stock"),
        search=search,
        customizable=raw.get("customizable"),
        statuses=tuple(chosen),
    )


def _lookup_text(value: Any, field_name: str) -> str | None:
    """An id or a slug, as given (ids in their canonical form, so two spellings share a cache entry)."""
    if value is None:
        return None
    text = clean_text(value, field=field_name, max_length=LOOKUP_MAX_LENGTH, error=InvalidListing)
    try:
        return str(UUID(text))
    except ValueError:
        return text


def parse_sort(raw: dict[str, Any] | None, product_filter: ProductFilter) -> Sort:
    """Default: most relevant first when searching, else newest first."""
    raw = raw or {}
    default = RELEVANCE if product_filter.search else NEWEST
    sort_field = raw.get("field") or default
    if sort_field not in SORT_FIELDS:
        raise InvalidListing(f"Sort by one of {', '.join(SORT_FIELDS)}.", field="sort.field")
    if sort_field == RELEVANCE and not product_filter.search:
        raise InvalidListing("RELEVANCE sorts a search: give filter.search.", field="sort.field")
    direction = raw.get("direction")
    descending = (sort_field in (NEWEST, RELEVANCE)) if direction is None else direction == "DESC"
    return Sort(sort_field, descending)


def parse_page(
    first: int | None = None, last: int | None = None, after: str | None = None, before: str | None = None
) -> PageRequest:
    if first is not None and last is not None:
        raise InvalidListing("Give first or last, not both.", field="last")
    if first is not None and before is not None:
        raise InvalidListing("first pages forwards: use it with after, or use last with before.", field="before")
    if last is not None and after is not None:
        raise InvalidListing("last pages backwards: use it with before, or use first with after.", field="after")
    for name, value in (("first", first), ("last", last)):
        if value is not None and not 1 <= value <= PAGE_MAX:
            raise InvalidListing(f"{name} must be between 1 and {PAGE_MAX}.", field=name)
    if last is not None:
        return PageRequest(size=last, backwards=True, cursor=before)
    return PageRequest(size=first if first is not None else DEFAULT_PAGE, cursor=after)
