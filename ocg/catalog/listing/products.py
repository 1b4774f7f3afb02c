"""The product listing's queries: filters, the sort key, one page by keyset, the count."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
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
    Subquery,
    UUIDField,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce

from ocg.catalog.listing.arguments import (
    NAME,
    NEWEST,
    PRICE,
    ListingNotFound,
    Page,
    PageRequest,
    ProductFilter,
    Sort,
)
from ocg.catalog.listing.cursors import decode_cursor, encode_cursor, fingerprint
from ocg.catalog.models import CategoryView, DesignerView, ProductView

# Unqualified: the listing reads it both in the page's id subquery (where Django renames the table) and outside.
SEARCH_COLUMN = '"search"'


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
        designer = _by_id_or_slug(DesignerView, product_filter.designer, "id")
        if designer is None:
            raise ListingNotFound(f"No designer {product_filter.designer!r}.", field="filter.designer")
        designer_id = designer.id
    return Resolved(category_path=path, designer_id=designer_id)


def _by_id_or_slug(model: Any, value: str, *fields: str) -> Any:
    rows = model.objects.only(*fields) if fields else model.objects.all()
    try:
        return rows.filter(id=UUID(value)).first()
    except ValueError:
        return rows.filter(slug=value).first()


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
        # The page's ids first, from the sort's covering index alone; then only those rows are read whole.
        ids = rows.order_by(*order).values("id")[: request.size + 1]
        page_rows = ProductView.objects.filter(id__in=Subquery(ids)).annotate(_sort_key=key)
        found = list(page_rows.order_by(*order))
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
