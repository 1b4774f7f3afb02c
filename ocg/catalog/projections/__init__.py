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

from ocg.catalog.domain import ARCHIVED, DRAFT, PUBLISHED
from ocg.catalog.models import CategoryView, DesignerView, ImageView, ProductView, VariantView
from ocg.catalog.projections import products, stock, taxonomy
from ocg.catalog.projections.batch import Batch
from ocg.spine.projections import Projection


class CatalogProjection(Projection):
    name = "catalog"
    sources = ("catalog",)
    read_models = (ProductView, VariantView, ImageView, CategoryView, DesignerView)

    def handle(self, events: Sequence[Any]) -> None:
        batch = Batch(events)
        for domain_event in events:
            handler = HANDLERS.get(type(domain_event).__qualname__)
            if handler is not None:
                handler(batch, domain_event)
        batch.flush()


HANDLERS: dict[str, Callable[[Batch, Any], None]] = {
    "Product.Created": products.product_created,
    "Product.DetailsUpdated": products.details_updated,
    "Product.SlugChanged": products.slug_changed,
    "Product.PriceChanged": products.price_changed,
    "Product.Published": products.status_changed(PUBLISHED),
    "Product.Unpublished": products.status_changed(DRAFT),
    "Product.Archived": products.status_changed(ARCHIVED),
    "Product.VariantAdded": products.variant_added,
    "Product.VariantRemoved": products.variant_removed,
    "Product.ImageAttached": products.image_attached,
    "Product.ImagesReordered": products.images_reordered,
    "Product.ImageRemoved": products.image_removed,
    "Stock.Created": stock.stock_created,
    "Stock.Received": stock.stock_moved(lambda e: e.quantity, lambda e: 0),
    "Stock.Adjusted": stock.stock_moved(lambda e: e.delta, lambda e: 0),
    "Stock.Reserved": stock.stock_moved(lambda e: 0, lambda e: e.quantity),
    "Stock.ReservationReleased": stock.stock_moved(lambda e: 0, lambda e: -e.quantity),
    "Stock.ReservationCommitted": stock.stock_moved(lambda e: -e.quantity, lambda e: -e.quantity),
    "Stock.ThresholdSet": stock.threshold_set,
    "Category.Created": taxonomy.category_created,
    "Category.Renamed": taxonomy.category_changed,
    "Category.SlugChanged": taxonomy.category_changed,
    "Category.Moved": taxonomy.category_moved,
    "Designer.Created": taxonomy.designer_created,
    "Designer.ProfileUpdated": taxonomy.designer_updated,
}
