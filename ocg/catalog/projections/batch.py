"""A projection batch's rows: loaded in a few queries up front, changed in memory, written back once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from ocg.catalog.domain import PUBLISHED, Category, Product, Stock
from ocg.catalog.models import CategoryView, DesignerView, ImageView, ProductView, VariantView

PRODUCT_FIELDS = [f.name for f in ProductView._meta.concrete_fields if not f.primary_key]
VARIANT_FIELDS = [f.name for f in VariantView._meta.concrete_fields if not f.primary_key]
IMAGE_FIELDS = [f.name for f in ImageView._meta.concrete_fields if not f.primary_key]
CATEGORY_FIELDS = [f.name for f in CategoryView._meta.concrete_fields if not f.primary_key]
# product_count is kept by count_published_products alone.
DESIGNER_FIELDS = [f.name for f in DesignerView._meta.concrete_fields if f.name not in ("id", "product_count")]


def aggregate_name(domain_event: Any) -> str:
    return type(domain_event).__qualname__.split(".", 1)[0]


class Batch:
    """The rows one batch touches, loaded in a few queries and written back once."""

    def __init__(self, events: Sequence[Any]) -> None:
        by_kind: dict[str, set[UUID]] = {}
        for domain_event in events:
            by_kind.setdefault(aggregate_name(domain_event), set()).add(domain_event.originator_id)
        stock_ids = by_kind.get("Stock", set())
        new_stock_products = {e.product_id for e in events if isinstance(e, Stock.Created)}
        self.variants: dict[str, VariantView] = {}
        self.variant_by_stock: dict[UUID, VariantView] = {}
        self._load_variants(Q(stock_id__in=stock_ids))
        product_ids = (
            by_kind.get("Product", set())
            | new_stock_products
            | {variant.product_id for variant in self.variants.values()}
        )
        self.products = {row.id: row for row in ProductView.objects.filter(id__in=product_ids)}
        self._load_variants(Q(product_id__in=product_ids))
        self.images = {row.id: row for row in ImageView.objects.filter(product_id__in=product_ids)}
        designer_ids = by_kind.get("Designer", set()) | {
            e.designer_id for e in events if isinstance(e, Product.Created)
        }
        designer_ids |= {row.designer_id for row in self.products.values()}
        self.designers = {row.id: row for row in DesignerView.objects.filter(id__in=designer_ids)}
        category_ids = by_kind.get("Category", set()) | {
            e.parent_id for e in events if isinstance(e, Category.Created) and e.parent_id
        }
        self.categories = {row.id: row for row in CategoryView.objects.filter(id__in=category_ids)}
        self.touched_products: set[UUID] = set()  # since the last flush
        self.missing: set[UUID] = set()  # designers and categories looked up and not found
        self.touched_designers: set[UUID] = set()
        self.dirty: dict[str, set[Any]] = {"product": set(), "variant": set(), "image": set()}
        self.dirty_categories: set[UUID] = set()
        self.dirty_designers: set[UUID] = set()
        self.deleted_images: set[UUID] = set()

    def _load_variants(self, condition: Q) -> None:
        for row in VariantView.objects.filter(condition):
            self.variants.setdefault(row.sku, row)
            self.variant_by_stock[row.stock_id] = self.variants[row.sku]

    def category(self, category_id: UUID | None) -> CategoryView | None:
        if category_id is None:
            return None
        row = self.categories.get(category_id)
        if row is None and category_id not in self.missing:
            row = CategoryView.objects.filter(id=category_id).first()
            if row is None:
                self.missing.add(category_id)
            else:
                self.categories[category_id] = row
        return row

    def designer(self, designer_id: UUID) -> DesignerView | None:
        """None for a designer with no profile (yet): remembered, so their products cost no query each."""
        row = self.designers.get(designer_id)
        if row is None and designer_id not in self.missing:
            row = DesignerView.objects.filter(id=designer_id).first()
            if row is None:
                self.missing.add(designer_id)
            else:
                self.designers[designer_id] = row
        return row

    def product_changed(self, product: ProductView, domain_event: Any) -> None:
        product.version = domain_event.originator_version
        product.updated_at = domain_event.timestamp
        self.dirty["product"].add(product.id)
        self.touched_products.add(product.id)

    def refresh_derived(self) -> None:
        """A touched product's stock state and first image, from its variant and image rows."""
        variants: dict[UUID, list[VariantView]] = {}
        for variant in self.variants.values():
            if not variant.removed:
                variants.setdefault(variant.product_id, []).append(variant)
        images: dict[UUID, list[ImageView]] = {}
        for image in self.images.values():
            if image.id not in self.deleted_images:
                images.setdefault(image.product_id, []).append(image)
        for product_id in self.touched_products:
            product = self.products.get(product_id)
            if product is None:
                continue
            available = sum(max(v.available, 0) for v in variants.get(product_id, ()))
            first = min(images.get(product_id, ()), key=lambda image: image.position, default=None)
            derived = {
                "available": available,
                "in_stock": available > 0,
                "image_key": first.key if first else "",
                "image_width": first.width if first else None,
                "image_height": first.height if first else None,
            }
            for name, value in derived.items():
                setattr(product, name, value)
            product.revision += 1
            self.dirty["product"].add(product_id)

    def flush(self) -> None:
        self.refresh_derived()
        upsert(CategoryView, [self.categories[i] for i in self.dirty_categories], "id", CATEGORY_FIELDS)
        upsert(DesignerView, [self.designers[i] for i in self.dirty_designers], "id", DESIGNER_FIELDS)
        upsert(ProductView, [self.products[i] for i in self.dirty["product"]], "id", PRODUCT_FIELDS)
        upsert(VariantView, [self.variants[s] for s in self.dirty["variant"]], "sku", VARIANT_FIELDS)
        if self.deleted_images:
            ImageView.objects.filter(id__in=self.deleted_images).delete()
        images = [self.images[i] for i in self.dirty["image"] if i not in self.deleted_images]
        upsert(ImageView, images, "id", IMAGE_FIELDS)
        count_published_products(self.touched_designers)
        self.touched_products.clear()
        for kind in self.dirty:
            self.dirty[kind].clear()
        self.dirty_categories.clear()
        self.dirty_designers.clear()
        self.touched_designers.clear()
        self.images = {key: row for key, row in self.images.items() if key not in self.deleted_images}
        self.deleted_images.clear()


def upsert(model: Any, rows: list[Any], key: str, fields: list[str]) -> None:
    if rows:
        model.objects.bulk_create(rows, update_conflicts=True, unique_fields=[key], update_fields=fields)


def count_published_products(designer_ids: set[UUID]) -> None:
    if not designer_ids:
        return
    published = (
        ProductView.objects.filter(designer_id=OuterRef("id"), status=PUBLISHED)
        .order_by()
        .values("designer_id")
        .annotate(total=Count("id"))
        .values("total")
    )
    DesignerView.objects.filter(id__in=designer_ids).update(product_count=Coalesce(Subquery(published), 0))
