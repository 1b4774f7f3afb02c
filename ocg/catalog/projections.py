"""Catalog read models, folded from the catalog's events a batch at a time."""

from collections.abc import Sequence
from typing import Any

from ocg.catalog.domain import Product
from ocg.catalog.models import ProductView
from ocg.spine.projections import Projection


class ProductProjection(Projection):
    name = "catalog_products"
    sources = ("catalog",)
    read_models = (ProductView,)

    def handle(self, events: Sequence[Any]) -> None:
        changed = {e.originator_id for e in events if isinstance(e, Product.Created | Product.Renamed)}
        if not changed:
            return
        rows = {row.id: row for row in ProductView.objects.filter(id__in=changed)}
        for event in events:
            if isinstance(event, Product.Created):
                rows[event.originator_id] = ProductView(
                    id=event.originator_id,
                    name=event.name,
                    price=event.price.amount,
                    currency=event.price.currency,
                    designer_id=event.designer_id,
                    version=event.originator_version,
                    created_at=event.timestamp,
                    updated_at=event.timestamp,
                )
            elif isinstance(event, Product.Renamed):
                row = rows[event.originator_id]
                row.name = event.name
                row.version = event.originator_version
                row.updated_at = event.timestamp
        ProductView.objects.bulk_create(
            rows.values(),
            update_conflicts=True,
            unique_fields=["id"],
            update_fields=["name", "price", "currency", "designer_id", "version", "created_at", "updated_at"],
        )
