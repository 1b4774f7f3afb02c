"""The product list's query parameters and who may list what, on the storefront's listing (ocg/catalog/listing.py).

Published products are listed for anyone. Asking for drafts or archived products (`status`) needs a
designer, whose list is then their own products, or staff, who see everyone's. Pages are limit/offset
with a bounded limit and offset; the order is total (ties broken by id), so pages neither repeat nor
skip a row while nothing changes.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from django.db.models import F, QuerySet
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

from ocg.catalog import listing
from ocg.catalog.api.rest.access import is_staff
from ocg.catalog.api.rest.schemas import ProductStatus
from ocg.catalog.domain import PUBLISHED, CatalogError
from ocg.catalog.permissions import MANAGE_PRODUCTS
from ocg.spine.errors import PermissionDenied, Unauthenticated
from ocg.spine.rest import require_permission

PAGE_DEFAULT = 24
PAGE_MAX = 100
OFFSET_MAX = 10_000
SORTS = {"newest": listing.NEWEST, "price": listing.PRICE, "name": listing.NAME, "relevance": listing.RELEVANCE}


class Page(LimitOffsetPagination):
    """django-ninja's limit/offset pages, with the bounds in the schema (and so in the OpenAPI document)."""

    class Input(Schema):
        limit: int = Field(PAGE_DEFAULT, ge=1, le=PAGE_MAX, description=f"Rows per page, 1 to {PAGE_MAX}.")
        offset: int = Field(
            0, ge=0, le=OFFSET_MAX, description=f"Rows to skip, at most {OFFSET_MAX}: narrow the filter to go further."
        )


class ProductFilters(Schema):
    category: str | None = Field(
        None,
        max_length=listing.LOOKUP_MAX_LENGTH,
        description="A category's id or slug: its products and its subcategories'.",
    )
    designer: str | None = Field(None, max_length=listing.LOOKUP_MAX_LENGTH, description="A designer's id or slug.")
    status: list[ProductStatus] = Field(
        [PUBLISHED],
        description="Repeat to ask for several. Beyond published, designers get their own products, staff everyone's.",
    )
    search: str | None = Field(
        None,
        max_length=listing.SEARCH_MAX_LENGTH,
        description="Words in the name, the designer's name or the description.",
    )
    price_min: str | None = Field(None, max_length=40, description='A decimal amount, e.g. "250.00"; needs `currency`.')
    price_max: str | None = Field(None, max_length=40, description='A decimal amount, e.g. "900.00"; needs `currency`.')
    currency: str | None = Field(None, max_length=3, description="Only products priced in this ISO 4217 currency.")
    in_stock: bool | None = None
    customizable: bool | None = None
    sort: Literal["newest", "price", "name", "relevance"] | None = Field(
        None, description="Default: relevance when searching, else newest. Relevance needs `search`."
    )
    direction: Literal["asc", "desc"] | None = Field(
        None, description="Default: descending for newest and relevance, ascending for price and name."
    )


def rest_field(name: str | None) -> str | None:
    """The listing names fields as GraphQL's input does (filter.priceMin, sort.field); REST's are query parameters."""
    if name is None:
        return None
    if name.startswith("sort."):
        return "sort" if name == "sort.field" else "direction"
    name = name.removeprefix("filter.")
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def product_rows(filters: ProductFilters, user: Any) -> QuerySet:
    """The rows `user` may see that match `filters`, in the asked order (to be sliced into a page)."""
    try:
        return _rows(filters, user)
    except CatalogError as error:
        error.field = rest_field(error.field)
        raise


def _rows(filters: ProductFilters, user: Any) -> QuerySet:
    raw = filters.dict(exclude={"status", "sort", "direction"})
    product_filter = listing.parse_filter(raw, statuses=filters.status)
    sort_raw = {"field": SORTS[filters.sort] if filters.sort else None}
    if filters.direction:
        sort_raw["direction"] = filters.direction.upper()
    sort = listing.parse_sort(sort_raw, product_filter)
    resolved = listing.resolve(product_filter)
    if not product_filter.public and not is_staff(user):
        resolved = listing.Resolved(resolved.category_path, own_designer(user, resolved.designer_id))
    chosen = listing.Listing(product_filter, sort, resolved)
    key, _ = chosen.key_expression()
    order = (F("_sort_key").desc(), F("id").desc()) if sort.descending else (F("_sort_key").asc(), F("id").asc())
    return chosen.filtered().annotate(_sort_key=key).order_by(*order)


def own_designer(user: Any, asked: Any) -> Any:
    """A designer listing drafts or archived products lists their own."""
    if user is None:
        raise Unauthenticated("Sign in to list drafts or archived products.", field="status")
    require_permission(user, MANAGE_PRODUCTS)
    if asked is not None and asked != user.id:
        raise PermissionDenied("Drafts and archived products are listed for their own designer only.", field="status")
    return user.id
