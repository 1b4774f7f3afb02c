"""The catalog's read side, for this context's APIs and for other contexts.

Other contexts read the catalog only through this module and react to its events. What the orders
context needs:
- `sellable_skus(skus)`: a snapshot of each SKU's product (name, designer, variant, unit price,
  whether it is published and made to order) to copy into order lines at placing time;
- the commands on `CatalogApplication` its inventory policy calls: `reserve_stock(order_id, lines,
  expires_at)` (all or nothing; raises `OutOfStock` with the short SKUs), `release_reservation(order_id,
  skus, reason)` and `commit_reservation(order_id, skus)`, each safe to repeat;
- the events they emit, documented on `ocg.catalog.domain.stock.Stock`: `Stock.Reserved`,
  `Stock.ReservationReleased`, `Stock.ReservationCommitted` and `Stock.LowStockReached`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from ocg.catalog.domain import PUBLISHED
from ocg.catalog.models import CategoryView, DesignerView, ImageView, ProductView, VariantView
from ocg.spine.domain.money import Money


@dataclass(frozen=True)
class SkuSnapshot:
    sku: str
    product_id: UUID
    product_name: str
    designer_id: UUID
    size: str
    colour: str
    unit_price: Money | None
    published: bool
    customizable: bool
    available: int


def sellable_skus(skus: Iterable[str]) -> dict[str, SkuSnapshot]:
    """Each known, not removed SKU (upper-cased) with its product; unknown SKUs are simply absent.

    Every checkout asks this: only the columns a snapshot needs are read, as tuples, not the whole rows.
    """
    wanted = {sku.strip().upper() for sku in skus}
    variants = list(
        VariantView.objects.filter(sku__in=wanted, removed=False).values_list(
            "sku", "product_id", "size", "colour", "available"
        )
    )
    products = {
        row[0]: row
        for row in ProductView.objects.filter(id__in={variant[1] for variant in variants}).values_list(
            "id", "name", "designer_id", "price", "currency", "status", "customizable"
        )
    }
    snapshots = {}
    for sku, product_id, size, colour, available in variants:
        product = products.get(product_id)
        if product is None:
            continue
        _id, name, designer, price, currency, status, customizable = product
        snapshots[sku] = SkuSnapshot(
            sku=sku,
            product_id=product_id,
            product_name=name,
            designer_id=designer,
            size=size,
            colour=colour,
            unit_price=None if price is None else Money.restore(price, currency),
            published=status == PUBLISHED,
            customizable=customizable,
            available=available,
        )
    return snapshots


def product(product_id: UUID) -> ProductView | None:
    return ProductView.objects.filter(id=product_id).first()


def product_by_slug(slug: str) -> ProductView | None:
    return ProductView.objects.filter(slug=slug).first()


def product_count(status: str = PUBLISHED) -> int:
    return ProductView.objects.filter(status=status).count()


def variants_of(product_ids: Iterable[UUID]) -> dict[UUID, list[VariantView]]:
    """Current variants by product, in the order they were added: one query for any number of products."""
    found: dict[UUID, list[VariantView]] = {}
    for variant in VariantView.objects.filter(product_id__in=set(product_ids), removed=False).order_by("position"):
        found.setdefault(variant.product_id, []).append(variant)
    return found


def images_of(product_ids: Iterable[UUID]) -> dict[UUID, list[ImageView]]:
    """Images by product, in display order: one query for any number of products."""
    found: dict[UUID, list[ImageView]] = {}
    for image in ImageView.objects.filter(product_id__in=set(product_ids)).order_by("position"):
        found.setdefault(image.product_id, []).append(image)
    return found


def categories() -> list[CategoryView]:
    """The whole tree, parents before children (it is small)."""
    return list(CategoryView.objects.order_by("depth", "name", "id"))


def category_by_id_or_slug(value: str) -> CategoryView | None:
    try:
        return CategoryView.objects.filter(id=UUID(value)).first()
    except ValueError:
        return CategoryView.objects.filter(slug=value).first()


def designer(designer_id: UUID) -> DesignerView | None:
    return DesignerView.objects.filter(id=designer_id).first()


def designer_by_id_or_slug(value: str) -> DesignerView | None:
    try:
        return DesignerView.objects.filter(id=UUID(value)).first()
    except ValueError:
        return DesignerView.objects.filter(slug=value).first()


def designer_skus_in_stock(designer_id: UUID, limit: int = 10) -> list[str]:
    """SKUs in stock of the designer's published pieces, customizable ones (made to order, price negotiable) first,
    then by the product's slug: the same answer for the same catalog."""
    pieces = ProductView.objects.filter(designer_id=designer_id, status=PUBLISHED)
    order = {pid: (not custom, slug) for pid, custom, slug in pieces.values_list("id", "customizable", "slug")}
    variants = VariantView.objects.filter(product_id__in=list(order), removed=False, available__gt=0)
    found = sorted(variants, key=lambda variant: (order[variant.product_id], variant.sku))
    return [variant.sku for variant in found[:limit]]
