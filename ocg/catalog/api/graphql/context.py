"""Per-request state of the catalog's GraphQL: who is asking, and the batch loader of products' relations.

The loader keeps the SQL per request constant: a page registers its rows, and the first variant, image,
designer or category asked for loads that relation for EVERY registered row in one query.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

import graphene

from ocg.catalog import cache
from ocg.catalog.domain import PUBLISHED
from ocg.catalog.models import CategoryView, DesignerView, ImageView, ProductView, VariantView
from ocg.catalog.permissions import MANAGE_ALL_PRODUCTS, MANAGE_PRODUCTS
from ocg.spine.permissions import has_permission

LOADER_ATTRIBUTE = "ocg_catalog_loader"


@dataclass(frozen=True)
class Viewer:
    user_id: UUID | None
    staff: bool
    designer: bool

    @property
    def anonymous(self) -> bool:
        return self.user_id is None

    def can_see(self, status: str, designer_id: UUID) -> bool:
        """Published products for everyone; drafts and archived ones for their designer and staff."""
        return status == PUBLISHED or self.staff or (self.designer and designer_id == self.user_id)


def viewer(info: graphene.ResolveInfo) -> Viewer:
    user = info.context.user
    if not user.is_authenticated:
        return Viewer(user_id=None, staff=False, designer=False)
    return Viewer(
        user_id=user.id,
        staff=has_permission(user, MANAGE_ALL_PRODUCTS),
        designer=has_permission(user, MANAGE_PRODUCTS),
    )


class Loader:
    """Relations of the products a request shows, each loaded once for all of them."""

    def __init__(self) -> None:
        self.products: dict[UUID, ProductView] = {}
        self._variants: dict[UUID, list[VariantView]] = {}
        self._images: dict[UUID, list[ImageView]] = {}
        self._designers: dict[UUID, DesignerView | None] = {}
        self._categories: dict[UUID, CategoryView] = {}
        self._tree: list[CategoryView] | None = None

    def register(self, rows: Iterable[ProductView]) -> None:
        for row in rows:
            self.products.setdefault(row.id, row)

    def prime(self, detail: cache.Detail) -> None:
        """A product page's relations, read with it (from the cache, say): nothing left to load."""
        self.register([detail.row])
        self._variants[detail.row.id] = detail.variants
        self._images[detail.row.id] = detail.images
        self._categories.update({category.id: category for category in detail.categories})

    def variants(self, row: ProductView) -> list[VariantView]:
        if row.id not in self._variants:
            self.register([row])
            wanted = [product_id for product_id in self.products if product_id not in self._variants]
            found: dict[UUID, list[VariantView]] = {product_id: [] for product_id in wanted}
            for variant in VariantView.objects.filter(product_id__in=wanted, removed=False).order_by("position"):
                found[variant.product_id].append(variant)
            self._variants.update(found)
        return self._variants[row.id]

    def images(self, row: ProductView) -> list[ImageView]:
        if row.id not in self._images:
            self.register([row])
            wanted = [product_id for product_id in self.products if product_id not in self._images]
            found: dict[UUID, list[ImageView]] = {product_id: [] for product_id in wanted}
            for image in ImageView.objects.filter(product_id__in=wanted).order_by("position"):
                found[image.product_id].append(image)
            self._images.update(found)
        return self._images[row.id]

    def designer(self, designer_id: UUID) -> DesignerView | None:
        if designer_id not in self._designers:
            wanted = {row.designer_id for row in self.products.values()} | {designer_id}
            wanted -= set(self._designers)
            found = DesignerView.objects.in_bulk(wanted)
            self._designers.update({i: found.get(i) for i in wanted})
        return self._designers[designer_id]

    def remember_designers(self, rows: Iterable[DesignerView]) -> None:
        self._designers.update({row.id: row for row in rows})

    def category(self, category_id: UUID) -> CategoryView | None:
        if category_id not in self._categories:
            self.tree()
        return self._categories.get(category_id)

    def tree(self) -> list[CategoryView]:
        """Every category (the tree is small), parents before children: one query per request."""
        if self._tree is None:
            self._tree = list(CategoryView.objects.order_by("depth", "name", "id"))
            self._categories.update({category.id: category for category in self._tree})
        return self._tree

    def children(self, category_id: UUID) -> list[CategoryView]:
        return [category for category in self.tree() if category.parent_id == category_id]

    def ancestors(self, category: CategoryView) -> list[CategoryView]:
        """From the root down to the category's parent."""
        ids = path_ids(category.path)[:-1]
        return [found for found in (self.category(i) for i in ids) if found is not None]


def loader(info: graphene.ResolveInfo) -> Loader:
    request = info.context
    found = getattr(request, LOADER_ATTRIBUTE, None)
    if found is None:
        found = Loader()
        setattr(request, LOADER_ATTRIBUTE, found)
    return found


def forget(info: graphene.ResolveInfo) -> None:
    """A mutation changed the catalog: what this request loaded before is out of date."""
    setattr(info.context, LOADER_ATTRIBUTE, Loader())


def path_ids(path: str) -> list[UUID]:
    return [UUID(part) for part in path.strip("/").split("/") if part]
