"""Product events -> product, variant and image rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ocg.catalog.domain import DRAFT, PUBLISHED, stock_id
from ocg.catalog.models import ImageView, ProductView, VariantView
from ocg.catalog.projections.batch import Batch


def product_created(batch: Batch, e: Any) -> None:
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


def details_updated(batch: Batch, e: Any) -> None:
    row = batch.products[e.originator_id]
    for name, value in e.changes.items():
        setattr(row, name, list(value) if name == "materials" else value)
        if name == "category_id":
            category = batch.category(value)
            row.category_path = category.path if category else ""
    batch.product_changed(row, e)


def slug_changed(batch: Batch, e: Any) -> None:
    row = batch.products[e.originator_id]
    row.slug = e.slug
    batch.product_changed(row, e)


def price_changed(batch: Batch, e: Any) -> None:
    row = batch.products[e.originator_id]
    row.price, row.currency = e.price.amount, e.price.currency
    batch.product_changed(row, e)


def status_changed(status: str) -> Callable[[Batch, Any], None]:
    def apply(batch: Batch, e: Any) -> None:
        row = batch.products[e.originator_id]
        row.status = status
        if status == PUBLISHED:
            row.listed_at = e.timestamp
        batch.product_changed(row, e)
        batch.touched_designers.add(row.designer_id)

    return apply


def variant_added(batch: Batch, e: Any) -> None:
    existing = [v for v in batch.variants.values() if v.product_id == e.originator_id]
    row = batch.variants.get(e.sku) or VariantView(sku=e.sku, product_id=e.originator_id)
    row.size, row.colour, row.removed = e.size, e.colour, False
    row.position = max((v.position for v in existing), default=0) + 1
    row.stock_id = row.stock_id or stock_id(e.sku)
    batch.variants[e.sku] = row
    batch.variant_by_stock[row.stock_id] = row
    batch.dirty["variant"].add(e.sku)
    batch.product_changed(batch.products[e.originator_id], e)


def variant_removed(batch: Batch, e: Any) -> None:
    row = batch.variants[e.sku]
    row.removed = True
    batch.dirty["variant"].add(e.sku)
    batch.product_changed(batch.products[e.originator_id], e)


def image_attached(batch: Batch, e: Any) -> None:
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


def images_reordered(batch: Batch, e: Any) -> None:
    for position, image_id in enumerate(e.image_ids, start=1):
        batch.images[image_id].position = position
        batch.dirty["image"].add(image_id)
    batch.product_changed(batch.products[e.originator_id], e)


def image_removed(batch: Batch, e: Any) -> None:
    batch.deleted_images.add(e.image_id)
    batch.product_changed(batch.products[e.originator_id], e)
