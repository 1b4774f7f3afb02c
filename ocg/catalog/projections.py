"""The catalog's read models, folded from its events a batch at a time, in one transaction per batch.

One projection writes them all, so the denormalised fields (a product's designer name, category path,
first image and stock state) change in the same transaction as their source. A batch loads the rows
it touches up front, applies every event in memory, and writes each table once; the rare events
that rewrite many rows (a category moved, a designer renamed) write what is pending first and then
update in SQL.

Every change to what a product page shows (its stock included) raises the product's `revision`, in
the same transaction: caches key a product's page by it (ocg/catalog/cache.py), so a page cached
before the change is simply never asked for again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from django.db.models import Count, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Concat, Substr

from ocg.catalog.domain import DRAFT, PUBLISHED, Category, Product, Stock, stock_id
from ocg.catalog.models import CategoryView, DesignerView, ImageView, ProductView, VariantView
from ocg.spine.projections import Projection

PRODUCT_FIELDS = [f.name for f in ProductView._meta.concrete_fields if not f.primary_key]
VARIANT_FIELDS = [f.name for f in VariantView._meta.concrete_fields if not f.primary_key]
IMAGE_FIELDS = [f.name for f in ImageView._meta.concrete_fields if not f.primary_key]
CATEGORY_FIELDS = [f.name for f in CategoryView._meta.concrete_fields if not f.primary_key]
# product_count is kept by count_published_products alone.
DESIGNER_FIELDS = [f.name for f in DesignerView._meta.concrete_fields if f.name not in ("id", "product_count")]


def aggregate_name(domain_event: Any) -> str:
    return type(domain_event).__qualname__.split(".", 1)[0]


class _Batch:
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


class CatalogProjection(Projection):
    name = "catalog"
    sources = ("catalog",)
    read_models = (ProductView, VariantView, ImageView, CategoryView, DesignerView)

    def handle(self, events: Sequence[Any]) -> None:
        batch = _Batch(events)
        for domain_event in events:
            handler = HANDLERS.get(type(domain_event).__qualname__)
            if handler is not None:
                handler(batch, domain_event)
        batch.flush()


# Products.


def product_created(batch: _Batch, e: Any) -> None:
    designer = batch.designer(e.designer_id)
    category = batch.category(e.category_id)
    row = ProductView(
        id=e.originator_id,
        slug=e.slug,
        name=e.name,
        description=e.description,
        status=DRAFT,
        designer_id=e.designer_id,
        designer_name=designer.name if designer else "",
        designer_slug=designer.slug if designer else "",
        category_id=e.category_id,
        category_path=category.path if category else "",
        price=e.price.amount if e.price else None,
        currency=e.price.currency if e.price else "",
        materials=list(e.materials),
        care_notes=e.care_notes,
        customizable=e.customizable,
        created_at=e.timestamp,
        listed_at=e.timestamp,
        updated_at=e.timestamp,
        version=e.originator_version,
        revision=0,
    )
    batch.products[row.id] = row
    batch.product_changed(row, e)


def details_updated(batch: _Batch, e: Any) -> None:
    row = batch.products[e.originator_id]
    for name, value in e.changes.items():
        setattr(row, name, list(value) if name == "materials" else value)
        if name == "category_id":
            category = batch.category(value)
            row.category_path = category.path if category else ""
    batch.product_changed(row, e)


def slug_changed(batch: _Batch, e: Any) -> None:
    row = batch.products[e.originator_id]
    row.slug = e.slug
    batch.product_changed(row, e)


def price_changed(batch: _Batch, e: Any) -> None:
    row = batch.products[e.originator_id]
    row.price, row.currency = e.price.amount, e.price.currency
    batch.product_changed(row, e)


def status_changed(status: str) -> Callable[[_Batch, Any], None]:
    def apply(batch: _Batch, e: Any) -> None:
        row = batch.products[e.originator_id]
        row.status = status
        if status == PUBLISHED:
            row.listed_at = e.timestamp
        batch.product_changed(row, e)
        batch.touched_designers.add(row.designer_id)

    return apply


def variant_added(batch: _Batch, e: Any) -> None:
    existing = [v for v in batch.variants.values() if v.product_id == e.originator_id]
    row = batch.variants.get(e.sku) or VariantView(sku=e.sku, product_id=e.originator_id)
    row.size, row.colour, row.removed = e.size, e.colour, False
    row.position = max((v.position for v in existing), default=0) + 1
    row.stock_id = row.stock_id or stock_id(e.sku)
    batch.variants[e.sku] = row
    batch.variant_by_stock[row.stock_id] = row
    batch.dirty["variant"].add(e.sku)
    batch.product_changed(batch.products[e.originator_id], e)


def variant_removed(batch: _Batch, e: Any) -> None:
    row = batch.variants[e.sku]
    row.removed = True
    batch.dirty["variant"].add(e.sku)
    batch.product_changed(batch.products[e.originator_id], e)


def image_attached(batch: _Batch, e: Any) -> None:
    positions = [i.position for i in batch.images.values() if i.product_id == e.originator_id]
    batch.images[e.image_id] = ImageView(
        id=e.image_id,
        product_id=e.originator_id,
        key=e.key,
        content_type=e.content_type,
        width=e.width,
        height=e.height,
        size_bytes=e.size_bytes,
        alt_text=e.alt_text,
        position=max(positions, default=0) + 1,
    )
    batch.dirty["image"].add(e.image_id)
    batch.product_changed(batch.products[e.originator_id], e)


def images_reordered(batch: _Batch, e: Any) -> None:
    for position, image_id in enumerate(e.image_ids, start=1):
        batch.images[image_id].position = position
        batch.dirty["image"].add(image_id)
    batch.product_changed(batch.products[e.originator_id], e)


def image_removed(batch: _Batch, e: Any) -> None:
    batch.deleted_images.add(e.image_id)
    batch.product_changed(batch.products[e.originator_id], e)


# Stock.


def stock_created(batch: _Batch, e: Any) -> None:
    row = batch.variants.get(e.sku)
    if row is None:
        return
    row.stock_id = e.originator_id
    row.low_stock_threshold = e.threshold
    batch.variant_by_stock[e.originator_id] = row
    batch.dirty["variant"].add(row.sku)


def stock_moved(on_hand: Callable[[Any], int], reserved: Callable[[Any], int]) -> Callable[[_Batch, Any], None]:
    def apply(batch: _Batch, e: Any) -> None:
        row = batch.variant_by_stock.get(e.originator_id)
        if row is None:
            return
        row.on_hand += on_hand(e)
        row.reserved += reserved(e)
        row.available = row.on_hand - row.reserved
        batch.dirty["variant"].add(row.sku)
        batch.touched_products.add(row.product_id)

    return apply


def threshold_set(batch: _Batch, e: Any) -> None:
    row = batch.variant_by_stock.get(e.originator_id)
    if row is not None:
        row.low_stock_threshold = e.threshold
        batch.dirty["variant"].add(row.sku)


# Categories and designers: their changes reach many product rows, so pending rows are written first.


def category_created(batch: _Batch, e: Any) -> None:
    parent = batch.category(e.parent_id)
    row = CategoryView(
        id=e.originator_id,
        name=e.name,
        slug=e.slug,
        parent_id=e.parent_id,
        path=f"{parent.path if parent else '/'}{e.originator_id}/",
        depth=(parent.depth + 1) if parent else 0,
        version=e.originator_version,
    )
    batch.categories[row.id] = row
    batch.dirty_categories.add(row.id)


def category_changed(batch: _Batch, e: Any) -> None:
    """Product pages show their category's name and slug: those under it get a new revision."""
    batch.flush()
    row = batch.categories[e.originator_id]
    if isinstance(e, Category.Renamed):
        row.name = e.name
    else:
        row.slug = e.slug
    row.version = e.originator_version
    batch.dirty_categories.add(row.id)
    bump_products_under(batch, row.path)


def bump_products_under(batch: _Batch, path: str) -> None:
    ProductView.objects.filter(category_path__startswith=path).update(revision=F("revision") + 1)
    for product in batch.products.values():
        if product.category_path.startswith(path):
            product.revision += 1


def category_moved(batch: _Batch, e: Any) -> None:
    """Every path under the category changes: rewritten in SQL, after what is pending is written."""
    batch.flush()
    row = batch.categories[e.originator_id]
    parent = batch.category(e.parent_id)
    old_path = row.path
    new_path = f"{parent.path if parent else '/'}{row.id}/"
    depth_change = ((parent.depth + 1) if parent else 0) - row.depth
    tail = Substr(F("path"), len(old_path) + 1)
    CategoryView.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), tail), depth=F("depth") + depth_change
    )
    ProductView.objects.filter(category_path__startswith=old_path).update(
        category_path=Concat(Value(new_path), Substr(F("category_path"), len(old_path) + 1)),
        revision=F("revision") + 1,
    )
    for category in list(batch.categories.values()):
        if category.path.startswith(old_path):
            category.path = new_path + category.path[len(old_path) :]
            category.depth += depth_change
    for product in batch.products.values():
        if product.category_path.startswith(old_path):
            product.category_path = new_path + product.category_path[len(old_path) :]
            product.revision += 1
    row.parent_id = e.parent_id
    row.version = e.originator_version
    batch.dirty_categories.add(row.id)


def designer_created(batch: _Batch, e: Any) -> None:
    batch.designers[e.originator_id] = DesignerView(
        id=e.originator_id, name=e.name, slug=e.slug, bio=e.bio, product_count=0, version=e.originator_version
    )
    batch.dirty_designers.add(e.originator_id)


def designer_updated(batch: _Batch, e: Any) -> None:
    """Product pages show the designer: every one of theirs gets the new name and a new revision."""
    batch.flush()
    row = batch.designers[e.originator_id]
    row.name, row.bio, row.version = e.name, e.bio, e.originator_version
    batch.dirty_designers.add(row.id)
    ProductView.objects.filter(designer_id=row.id).update(designer_name=e.name, revision=F("revision") + 1)
    for product in batch.products.values():
        if product.designer_id == row.id:
            product.designer_name = e.name
            product.revision += 1


HANDLERS: dict[str, Callable[[_Batch, Any], None]] = {
    "Product.Created": product_created,
    "Product.DetailsUpdated": details_updated,
    "Product.SlugChanged": slug_changed,
    "Product.PriceChanged": price_changed,
    "Product.Published": status_changed(PUBLISHED),
    "Product.Unpublished": status_changed(DRAFT),
    "Product.Archived": status_changed("archived"),
    "Product.VariantAdded": variant_added,
    "Product.VariantRemoved": variant_removed,
    "Product.ImageAttached": image_attached,
    "Product.ImagesReordered": images_reordered,
    "Product.ImageRemoved": image_removed,
    "Stock.Created": stock_created,
    "Stock.Received": stock_moved(lambda e: e.quantity, lambda e: 0),
    "Stock.Adjusted": stock_moved(lambda e: e.delta, lambda e: 0),
    "Stock.Reserved": stock_moved(lambda e: 0, lambda e: e.quantity),
    "Stock.ReservationReleased": stock_moved(lambda e: 0, lambda e: -e.quantity),
    "Stock.ReservationCommitted": stock_moved(lambda e: -e.quantity, lambda e: -e.quantity),
    "Stock.ThresholdSet": threshold_set,
    "Category.Created": category_created,
    "Category.Renamed": category_changed,
    "Category.SlugChanged": category_changed,
    "Category.Moved": category_moved,
    "Designer.Created": designer_created,
    "Designer.ProfileUpdated": designer_updated,
}
