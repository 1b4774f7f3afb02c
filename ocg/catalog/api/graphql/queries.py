"""The storefront's catalog queries: the product listing, a product page, the category tree, designers, and
(for staff) a product's history.

Bad input is a GraphQL error whose `extensions` carry `code` (`invalid`, `not_found`, `unauthenticated`,
`permission_denied`) and, when one input is at fault, `field` (`first`, `after`, `filter.priceMin`, ...).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import graphene

from ocg.catalog import cache, listing
from ocg.catalog.api.graphql.context import Viewer, loader, viewer
from ocg.catalog.api.graphql.types import (
    Category,
    DesignerEdge,
    PageInfo,
    Product,
    ProductEdge,
    ProductHistoryEntry,
    ProductStatus,
)
from ocg.catalog.domain.fields import SLUG
from ocg.catalog.models import CategoryView, ProductView
from ocg.catalog.permissions import MANAGE_ALL_PRODUCTS
from ocg.spine.errors import PermissionDenied, Unauthenticated
from ocg.spine.eventstore import applications
from ocg.spine.graphql_common import client_errors, requires


def enum_value(value: Any) -> Any:
    """graphene hands an enum argument over as its member; the listing takes plain values."""
    return getattr(value, "value", value)


class ProductSortField(graphene.Enum):
    PRICE = listing.PRICE
    NEWEST = listing.NEWEST
    NAME = listing.NAME
    RELEVANCE = listing.RELEVANCE


class SortDirection(graphene.Enum):
    ASC = "ASC"
    DESC = "DESC"


class ProductFilterInput(graphene.InputObjectType):
    category = graphene.String(description="A category's id or slug: products in it or in any category under it.")
    price_min = graphene.String(description='A decimal amount ("250.00"), at least; needs `currency`.')
    price_max = graphene.String(description='A decimal amount ("900"), at most; needs `currency`.')
    currency = graphene.String(
        description="ISO 4217 code: only products priced in it. Needed by price bounds, as amounts in "
        "different currencies cannot be compared; sort by PRICE with it for a meaningful order."
    )
    designer = graphene.String(description="A designer's id or slug.")
    in_stock = graphene.Boolean()
    search = graphene.String(description="Words to find in the name, the designer's name or the description.")
    customizable = graphene.Boolean()
    status = graphene.List(
        graphene.NonNull(ProductStatus),
        description="Default [PUBLISHED]. Drafts and archived products are listed for staff, and for a "
        "designer who filters on themselves (`designer`).",
    )


class ProductSortInput(graphene.InputObjectType):
    field = ProductSortField(required=True)
    direction = SortDirection(description="Default: DESC for NEWEST and RELEVANCE, ASC for PRICE and NAME.")


class ProductPage:
    """The root of a ProductConnection: a page, and how to count the whole listing if asked."""

    def __init__(self, page: listing.Page, make_listing: Callable[[], listing.Listing], cache_key: str | None) -> None:
        self.page = page
        self.make_listing = make_listing
        self.cache_key = cache_key

    def total(self) -> int:
        if self.page.total is None:
            self.page.total = self.make_listing().count()
            if self.cache_key is not None:
                cache.store_listing(self.cache_key, self.page)
        return self.page.total


class ProductConnection(graphene.ObjectType):
    edges = graphene.List(graphene.NonNull(ProductEdge), required=True)
    page_info = graphene.Field(PageInfo, required=True)
    total_count = graphene.Int(required=True, description="Products in the whole listing, every page together.")

    @staticmethod
    def resolve_edges(root: ProductPage, info: graphene.ResolveInfo) -> list[dict[str, Any]]:
        return [{"cursor": c, "node": row} for c, row in zip(root.page.cursors, root.page.rows, strict=True)]

    @staticmethod
    def resolve_page_info(root: ProductPage, info: graphene.ResolveInfo) -> PageInfo:
        return page_info(root.page)

    @staticmethod
    def resolve_total_count(root: ProductPage, info: graphene.ResolveInfo) -> int:
        return root.total()


class DesignerConnection(graphene.ObjectType):
    edges = graphene.List(graphene.NonNull(DesignerEdge), required=True)
    page_info = graphene.Field(PageInfo, required=True)
    total_count = graphene.Int(required=True)

    @staticmethod
    def resolve_edges(root: listing.Page, info: graphene.ResolveInfo) -> list[DesignerEdge]:
        return [DesignerEdge(cursor=c, node=row) for c, row in zip(root.cursors, root.rows, strict=True)]

    @staticmethod
    def resolve_page_info(root: listing.Page, info: graphene.ResolveInfo) -> PageInfo:
        return page_info(root)

    @staticmethod
    def resolve_total_count(root: listing.Page, info: graphene.ResolveInfo) -> int:
        return listing.designer_count()


def page_info(page: listing.Page) -> PageInfo:
    return PageInfo(
        has_next_page=page.has_next,
        has_previous_page=page.has_previous,
        start_cursor=page.cursors[0] if page.cursors else None,
        end_cursor=page.cursors[-1] if page.cursors else None,
    )


def check_may_list(who: Viewer, product_filter: listing.ProductFilter, resolved: listing.Resolved) -> None:
    """Drafts and archived products: staff see all; a designer sees their own, and says so with `designer`."""
    if product_filter.public or who.staff:
        return
    if who.anonymous:
        raise Unauthenticated("Sign in to list drafts or archived products.", field="filter.status")
    if not who.designer or resolved.designer_id != who.user_id:
        raise PermissionDenied(
            "Drafts and archived products are listed only for their designer: filter on yourself with `designer`.",
            field="filter.status",
        )


def products_page(
    info: graphene.ResolveInfo,
    product_filter: listing.ProductFilter,
    sort: listing.Sort,
    request: listing.PageRequest,
) -> ProductPage:
    who = viewer(info)
    built: list[listing.Listing] = []

    def make_listing() -> listing.Listing:
        if not built:
            resolved = listing.resolve(product_filter)
            check_may_list(who, product_filter, resolved)
            built.append(listing.Listing(product_filter, sort, resolved))
        return built[0]

    # Hot pages: the first page of a public listing, for anonymous visitors, without a free-text search.
    hot = who.anonymous and product_filter.public and request.is_first_page and not product_filter.search
    if hot and cache.listing_seconds() > 0:
        arguments = {"filter": product_filter.canonical(), "sort": sort.canonical(), "first": request.size}
        key = cache.listing_key(arguments)
        page = cache.cached_listing(key, lambda: make_listing().page(request))
        return ProductPage(page, make_listing, key)
    return ProductPage(make_listing().page(request), make_listing, None)


def visible_product(
    info: graphene.ResolveInfo, *, product_id: UUID | None = None, slug: str | None = None
) -> ProductView | None:
    """The product if this viewer may see it: one cheap query, then its page from the cache when it can."""
    current = cache.head(product_id=product_id, slug=slug)
    if current is None or not viewer(info).can_see(current.status, current.designer_id):
        return None
    found = cache.detail(current)
    if found is None:
        return None
    loader(info).prime(found)
    return found.row


class Query(graphene.ObjectType):
    products = graphene.Field(
        ProductConnection,
        required=True,
        filter=ProductFilterInput(),
        sort=ProductSortInput(description="Default: RELEVANCE when searching, else NEWEST."),
        first=graphene.Int(description=f"1 to {listing.PAGE_MAX}; {listing.DEFAULT_PAGE} when neither first nor last."),
        after=graphene.String(),
        last=graphene.Int(description=f"1 to {listing.PAGE_MAX}: the page before `before`, or the last page."),
        before=graphene.String(),
        description="The catalog, filtered and sorted, a page at a time (Relay cursors).",
    )
    product = graphene.Field(
        Product,
        id=graphene.UUID(),
        slug=graphene.String(),
        description="One product by id or slug (give exactly one); null when there is none this viewer may see.",
    )
    categories = graphene.List(
        graphene.NonNull(Category),
        required=True,
        roots_only=graphene.Boolean(default_value=False),
        description="The category tree in one list, each parent followed by its children (by name), with "
        "`parentId` and `depth`; or only its roots (`rootsOnly`), to descend with `children`.",
    )
    designers = graphene.Field(
        DesignerConnection,
        required=True,
        first=graphene.Int(description=f"1 to {listing.PAGE_MAX}; default {listing.DEFAULT_PAGE}."),
        after=graphene.String(),
        description="Designers' public profiles, by name: those with something on sale.",
    )
    product_history = graphene.List(
        graphene.NonNull(ProductHistoryEntry),
        required=True,
        id=graphene.UUID(required=True),
        description="Staff only: every event of a product, oldest first: who changed what, when.",
    )

    @staticmethod
    @client_errors
    def resolve_products(
        root: Any,
        info: graphene.ResolveInfo,
        filter: dict | None = None,
        sort: dict | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> ProductPage:
        raw_filter = dict(filter or {})
        statuses = raw_filter.pop("status", None)
        product_filter = listing.parse_filter(
            raw_filter, statuses=None if statuses is None else [enum_value(s) for s in statuses]
        )
        raw_sort = {name: enum_value(value) for name, value in (sort or {}).items()}
        product_sort = listing.parse_sort(raw_sort, product_filter)
        request = listing.parse_page(first=first, last=last, after=after, before=before)
        result = products_page(info, product_filter, product_sort, request)
        loader(info).register(result.page.rows)
        return result

    @staticmethod
    @client_errors
    def resolve_product(
        root: Any, info: graphene.ResolveInfo, id: UUID | None = None, slug: str | None = None
    ) -> ProductView | None:
        if (id is None) == (slug is None):
            raise listing.InvalidListing("Give the product's id or its slug (one of them).", field="id")
        if slug is not None and not SLUG.fullmatch(slug):
            return None  # no product has it; and text PostgreSQL cannot take (NUL) never reaches it
        return visible_product(info, product_id=id, slug=slug)

    @staticmethod
    def resolve_categories(root: Any, info: graphene.ResolveInfo, roots_only: bool = False) -> list[CategoryView]:
        categories = loader(info)
        roots = [category for category in categories.tree() if category.parent_id is None]
        if roots_only:
            return roots
        walked: list[CategoryView] = []
        pending = list(reversed(roots))
        while pending:
            category = pending.pop()
            walked.append(category)
            pending.extend(reversed(categories.children(category.id)))
        return walked

    @staticmethod
    @client_errors
    def resolve_designers(
        root: Any, info: graphene.ResolveInfo, first: int | None = None, after: str | None = None
    ) -> listing.Page:
        page = listing.designers_page(listing.parse_page(first=first, after=after))
        loader(info).remember_designers(page.rows)
        return page

    @staticmethod
    @client_errors
    @requires(MANAGE_ALL_PRODUCTS)
    def resolve_product_history(root: Any, info: graphene.ResolveInfo, id: UUID) -> list[dict[str, Any]]:
        catalog = applications.get("catalog")
        catalog.product_owner(id)  # not found unless the id is a product's (not a category's, say)
        return catalog.product_history(id)
