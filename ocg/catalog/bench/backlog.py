"""A catalog backlog written fast, for the benchmarks that measure followers (relay, rebuild).

Products are made by the domain and saved many per save, without their commands' slug indexes. The
backlog opens with their designer's profile (one event), as a designer's first product does: the
projection names each product's designer from it.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from ocg.catalog.domain import Designer, Product
from ocg.spine.domain.money import Money
from ocg.spine.eventstore import applications

BACKLOG_BATCH = 500
BENCH_DESIGNER = uuid.UUID("7a3c9e51-2f04-4b8d-a6e1-0c5d8f3b9a27")
BENCH_PRICE = Money(Decimal("250.00"), "EUR")
BENCH_DESIGNER_NAME = "Bench Atelier"
PROFILE_EVENTS = 1


def bench_product(number: int, prefix: str = "Backlog piece") -> Product:
    """A draft with a price, unsaved; `number` keeps its slug unique within a run."""
    return Product.create(
        designer_id=BENCH_DESIGNER,
        actor_id=None,
        name=f"{prefix} {number}",
        slug=f"{prefix.lower().replace(' ', '-')}-{number}",
        price=BENCH_PRICE,
    )


def write_backlog(events: int, rename_every: int = 0) -> int:
    """Write `events` catalog events fast: the designer's profile, then many new products per save;
    every n-th product also renamed."""
    application = applications.get("catalog")
    application.save(Designer.create(designer_id=BENCH_DESIGNER, actor_id=None, name=BENCH_DESIGNER_NAME, slug="bench"))
    written = PROFILE_EVENTS
    number = 0
    while written < events:
        products = []
        while written < events and len(products) < BACKLOG_BATCH:
            number += 1
            product = bench_product(number)
            written += 1
            if rename_every and number % rename_every == 0 and written < events:
                product.update_details(None, None, name=f"Backlog piece {number} (renamed)")
                written += 1
            products.append(product)
        application.save(*products)
    return written


def write_products(count: int, prefix: str) -> list[uuid.UUID]:
    """`count` new products (one event each), many per save; returns their ids in order."""
    application = applications.get("catalog")
    ids: list[uuid.UUID] = []
    for first in range(0, count, BACKLOG_BATCH):
        products = [bench_product(number, prefix) for number in range(first, min(count, first + BACKLOG_BATCH))]
        application.save(*products)
        ids.extend(product.id for product in products)
    return ids
