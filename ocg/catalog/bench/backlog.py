"""A catalog backlog written fast, for the benchmarks that measure followers (relay, rebuild)."""

from __future__ import annotations

from decimal import Decimal

from ocg.catalog.domain import Product
from ocg.spine.eventstore import applications

BACKLOG_BATCH = 500


def write_backlog(events: int, rename_every: int = 0) -> int:
    """Write `events` catalog events fast, many new products per save; every n-th product also renamed."""
    application = applications.get("catalog")
    written = 0
    number = 0
    while written < events:
        products = []
        while written < events and len(products) < BACKLOG_BATCH:
            number += 1
            product = Product.create(name=f"Backlog piece {number}", price=Decimal("250.00"), currency="EUR")
            written += 1
            if rename_every and number % rename_every == 0 and written < events:
                product.rename(f"Backlog piece {number} (renamed)")
                written += 1
            products.append(product)
        application.save(*products)
    return written
