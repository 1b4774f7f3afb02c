"""The storefront's product listing: filters, sorts and keyset pagination over the denormalised ProductView.

A page is read with ONE query whatever its size: `(sort key, id)` compared as a row value against the
cursor, so a deep page seeks in the sort's index instead of counting past the rows before it. A cursor
carries the sort key and id of its row and a fingerprint of the filter and sort it was made for: one
from another listing is refused (`invalid`) rather than answering a wrong page.

Prices are compared in one currency: a price bound needs `currency` (amounts in two currencies cannot
be compared without a rate), and the PRICE sort orders amounts as they are, so it is meaningful when the
listing is filtered to one currency. Search uses the PostgreSQL `search` column (migration 0004) with
`websearch_to_tsquery`, ranked by `ts_rank`; SQLite (embedded mode) matches the text instead, and its
RELEVANCE puts name matches first.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    DateTimeField,
    DecimalField,
    Expression,
    F,
    FloatField,
    IntegerField,
    Q,
    QuerySet,
    UUIDField,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce

from ocg.catalog.domain import ARCHIVED, DRAFT, PUBLISHED, CatalogError
from ocg.catalog.models import CategoryView, DesignerView, ProductView
from ocg.spine.domain.money import Money
from ocg.spine.domain.text import clean_text

PAGE_MAX = 100
DEFAULT_PAGE = 20
SEARCH_MAX_LENGTH = 200
LOOKUP_MAX_LENGTH = 120
STATUSES = (DRAFT, PUBLISHED, ARCHIVED)

PRICE, NEWEST, NAME, RELEVANCE = "PRICE", "NEWEST", "NAME", "RELEVANCE"
SORT_FIELDS = (PRICE, NEWEST, NAME, RELEVANCE)
CURSOR_VERSION = 1
SEARCH_COLUMN = f'"{ProductView._meta.db_table}"."search"'
_PRICE_TEXT = re.compile(r"-?[0-9]{1,16}(\.[0-9]{1,4})?", re.ASCII)


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
        if not _PRICE_TEXT.fullmatch(text):
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


# Cursors.


def fingerprint(product_filter: ProductFilter, sort: Sort) -> str:
    """What a cursor belongs to: the filter and sort, hashed short."""
    text = json.dumps([sort.canonical(), product_filter.canonical()], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def encode_cursor(print_: str, key: Any, row_id: UUID) -> str:
    if isinstance(key, Decimal):
        key = str(key)
    elif isinstance(key, datetime):
        key = key.isoformat()
    payload = json.dumps([CURSOR_VERSION, print_, key, row_id.hex], separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, print_: str, sort: Sort, field_name: str) -> tuple[Any, UUID]:
    """The sort key and id a cursor carries, typed for its sort; refused if it belongs elsewhere."""
    invalid = InvalidListing("This cursor is not one this listing gave out.", field=field_name)
    if not isinstance(cursor, str) or len(cursor) > 1000:
        raise invalid
    try:
        decoded = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        version, fingerprint_, key, row_hex = decoded
        row_id = UUID(hex=row_hex)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise invalid from None
    if version != CURSOR_VERSION:
        raise invalid
    if fingerprint_ != print_:
        raise InvalidListing("This cursor belongs to another filter or sort: start again without it.", field=field_name)
    try:
        return _typed_key(key, sort), row_id
    except (ValueError, TypeError, InvalidOperation):
        raise invalid from None


def _typed_key(key: Any, sort: Sort) -> Any:
    if sort.field == PRICE:
        if not isinstance(key, str) or not _PRICE_TEXT.fullmatch(key):
            raise ValueError(key)
        return Decimal(key)
    if sort.field == NEWEST:
        moment = datetime.fromisoformat(key)
        if moment.tzinfo is None:
            raise ValueError(key)
        return moment
    if sort.field == NAME:
        if not isinstance(key, str) or len(key) > 200:
            raise ValueError(key)
        return key
    if isinstance(key, bool) or not isinstance(key, (int, float)):
        raise ValueError(key)
    return key


# The query.


class RowCompare(Expression):
    """`(key, id) > (value, id value)` (or `<`): a row-value comparison, which an index on (key, id) serves."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, key: Any, row_id: Any, key_value: Any, id_value: Any, operator: str) -> None:
        super().__init__()
        self.key, self.row_id, self.key_value, self.id_value = key, row_id, key_value, id_value
        self.operator = operator

    def get_source_expressions(self) -> list[Any]:
        return [self.key, self.row_id, self.key_value, self.id_value]

    def set_source_expressions(self, expressions: list[Any]) -> None:
        self.key, self.row_id, self.key_value, self.id_value = expressions

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        parts, params = [], []
        for expression in self.get_source_expressions():
            sql, expression_params = compiler.compile(expression)
            parts.append(sql)
            params.extend(expression_params)
        return f"(({parts[0]}), {parts[1]}) {self.operator} (({parts[2]}), {parts[3]})", params


@dataclass(frozen=True)
class Resolved:
    """A filter's category and designer looked up: the category's path, the designer's id."""

    category_path: str | None = None
    designer_id: UUID | None = None


def resolve(product_filter: ProductFilter) -> Resolved:
    """One query per lookup the filter has; an unknown category or designer is not found."""
    path = designer_id = None
    if product_filter.category is not None:
        category = _by_id_or_slug(CategoryView, product_filter.category)
        if category is None:
            raise ListingNotFound(f"No category {product_filter.category!r}.", field="filter.category")
        path = category.path
    if product_filter.designer is not None:
        try:
            designer_id = UUID(product_filter.designer)
        except ValueError:
            designer = _by_id_or_slug(DesignerView, product_filter.designer)
            if designer is None:
                raise ListingNotFound(f"No designer {product_filter.designer!r}.", field="filter.designer") from None
            designer_id = designer.id
    return Resolved(category_path=path, designer_id=designer_id)


def _by_id_or_slug(model: Any, value: str) -> Any:
    try:
        return model.objects.filter(id=UUID(value)).first()
    except ValueError:
        return model.objects.filter(slug=value).first()


def uses_postgresql() -> bool:
    return connection.vendor == "postgresql"


class Listing:
    """A checked filter and sort, with its lookups done: builds the page query and the count."""

    def __init__(self, product_filter: ProductFilter, sort: Sort, resolved: Resolved) -> None:
        self.filter = product_filter
        self.sort = sort
        self.resolved = resolved
        self.fingerprint = fingerprint(product_filter, sort)

    def filtered(self) -> QuerySet:
        f, resolved = self.filter, self.resolved
        rows = ProductView.objects.filter(status__in=f.statuses) if len(f.statuses) > 1 else None
        if rows is None:
            rows = ProductView.objects.filter(status=f.statuses[0])
        if resolved.category_path is not None:
            rows = rows.filter(category_path__startswith=resolved.category_path)
        if resolved.designer_id is not None:
            rows = rows.filter(designer_id=resolved.designer_id)
        if f.currency is not None:
            rows = rows.filter(currency=f.currency)
        if f.price_min is not None:
            rows = rows.filter(price__gte=f.price_min)
        if f.price_max is not None:
            rows = rows.filter(price__lte=f.price_max)
        if f.in_stock is not None:
            rows = rows.filter(in_stock=f.in_stock)
        if f.customizable is not None:
            rows = rows.filter(customizable=f.customizable)
        if f.search:
            if uses_postgresql():
                rows = rows.alias(_document=_search_column()).filter(_document=self._query())
            else:
                rows = rows.filter(
                    Q(name__icontains=f.search)
                    | Q(designer_name__icontains=f.search)
                    | Q(description__icontains=f.search)
                )
        return rows

    def _query(self) -> SearchQuery:
        return SearchQuery(self.filter.search, search_type="websearch", config="english")

    def key_expression(self) -> tuple[Any, Any]:
        """The sort key as SQL, and the model field its values are typed as."""
        sort_field = self.sort.field
        if sort_field == PRICE:
            if self.filter.public:
                return F("price"), DecimalField(max_digits=19, decimal_places=4)
            # A draft may have no price yet: it sorts as zero.
            price = Coalesce(F("price"), Value(Decimal(0)), output_field=DecimalField(max_digits=19, decimal_places=4))
            return price, DecimalField(max_digits=19, decimal_places=4)
        if sort_field == NEWEST:
            return F("listed_at"), DateTimeField()
        if sort_field == NAME:
            return F("name"), ProductView._meta.get_field("name")
        if uses_postgresql():
            # As double precision: its text form reads back exactly, so a cursor's rank compares equal.
            return Cast(SearchRank(_search_column(), self._query()), FloatField()), FloatField()
        matches = When(name__icontains=self.filter.search, then=Value(1))
        return Case(matches, default=Value(0), output_field=IntegerField()), IntegerField()

    def page(self, request: PageRequest) -> Page:
        key, key_field = self.key_expression()
        rows = self.filtered().annotate(_sort_key=key)
        # Backwards pages read in the opposite order, then are turned round.
        descending = self.sort.descending != request.backwards
        if request.cursor is not None:
            field_name = "before" if request.backwards else "after"
            key_value, row_id = decode_cursor(request.cursor, self.fingerprint, self.sort, field_name)
            rows = rows.filter(
                RowCompare(
                    key,
                    F("id"),
                    Value(key_value, output_field=key_field),
                    Value(row_id, output_field=UUIDField()),
                    "<" if descending else ">",
                )
            )
        order = (F("_sort_key").desc(), F("id").desc()) if descending else (F("_sort_key").asc(), F("id").asc())
        found = list(rows.order_by(*order)[: request.size + 1])
        more = len(found) > request.size
        found = found[: request.size]
        if request.backwards:
            found.reverse()
        cursors = [encode_cursor(self.fingerprint, row._sort_key, row.id) for row in found]
        if request.backwards:
            return Page(found, cursors, has_next=request.cursor is not None, has_previous=more)
        return Page(found, cursors, has_next=more, has_previous=request.cursor is not None)

    def count(self) -> int:
        return self.filtered().count()


def _search_column() -> RawSQL:
    """The generated column the ORM does not model (migration 0004)."""
    return RawSQL(SEARCH_COLUMN, [], output_field=SearchVectorField())  # noqa: S611 - constant SQL, no input


# Designers' public profiles, by name.

DESIGNERS_FINGERPRINT = "designers:NAME:ASC"


def designers_page(request: PageRequest) -> Page:
    """Designers with something on sale, by name then id: one query per page."""
    rows = DesignerView.objects.filter(product_count__gt=0)
    if request.cursor is not None:
        sort = Sort(NAME, descending=False)
        name, row_id = decode_cursor(request.cursor, DESIGNERS_FINGERPRINT, sort, "after")
        rows = rows.filter(
            RowCompare(
                F("name"),
                F("id"),
                Value(name, output_field=DesignerView._meta.get_field("name")),
                Value(row_id, output_field=UUIDField()),
                ">",
            )
        )
    found = list(rows.order_by("name", "id")[: request.size + 1])
    more = len(found) > request.size
    found = found[: request.size]
    cursors = [encode_cursor(DESIGNERS_FINGERPRINT, row.name, row.id) for row in found]
    return Page(found, cursors, has_next=more, has_previous=request.cursor is not None)


def designer_count() -> int:
    return DesignerView.objects.filter(product_count__gt=0).count()
