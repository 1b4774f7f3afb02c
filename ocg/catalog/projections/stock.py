"""Stock events -> each variant's stock, and through it its product's stock state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ocg.catalog.projections.batch import Batch


def stock_created(batch: Batch, e: Any) -> None:
    row = batch.variants.get(e.sku)
    if row is None:
        return
    row.stock_id = e.originator_id
    row.low_stock_threshold = e.threshold
    batch.variant_by_stock[e.originator_id] = row
    batch.dirty["variant"].add(row.sku)


def stock_moved(on_hand: Callable[[Any], int], reserved: Callable[[Any], int]) -> Callable[[Batch, Any], None]:
    def apply(batch: Batch, e: Any) -> None:
        row = batch.variant_by_stock.get(e.originator_id)
        if row is None:
            return
        row.on_hand += on_hand(e)
        row.reserved += reserved(e)
        row.available = row.on_hand - row.reserved
        batch.dirty["variant"].add(row.sku)
        batch.touched_products.add(row.product_id)

    return apply


def threshold_set(batch: Batch, e: Any) -> None:
    row = batch.variant_by_stock.get(e.originator_id)
    if row is not None:
        row.low_stock_threshold = e.threshold
        batch.dirty["variant"].add(row.sku)
