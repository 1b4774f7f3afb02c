"""The catalog as the spine's tests' workload: short calls over its commands, and what its log holds.

The spine has no aggregate of its own, so its tests write products. A product's creation is more than
one event (the product, its slug's index, and for a designer's first product their public profile),
so tests read positions from the log instead of counting commands.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from ocg.catalog.domain import Product
from ocg.spine.domain.money import Money

# Every product the spine's tests write is this designer's, unless a test says otherwise.
DESIGNER = uuid.UUID("5d1e0c3a-8f6b-4a0e-9c7d-2b4f6a8e1c3d")


def money(price: str | Decimal, currency: str) -> Money:
    return Money(Decimal(price), currency)


def create_product(
    catalog: Any, name: str, price: str | Decimal = "10.00", currency: str = "EUR", *, designer_id: uuid.UUID = DESIGNER
) -> uuid.UUID:
    """A draft through the catalog's command; its slug is made from the name."""
    return catalog.create_product(designer_id=designer_id, actor_id=None, name=name, price=money(price, currency))


def rename_product(catalog: Any, product_id: uuid.UUID, name: str) -> None:
    catalog.update_product(product_id, actor_id=None, acting_designer_id=None, name=name)


def open_profile(catalog: Any, designer_id: uuid.UUID = DESIGNER) -> None:
    """The designer's public profile, so that their next product writes only itself and its slug's index."""
    catalog.update_designer_profile(designer_id, actor_id=None, name="Workload Designer")


def new_product(
    name: str, price: str | Decimal = "10.00", currency: str = "EUR", *, designer_id: uuid.UUID = DESIGNER
) -> Product:
    """A product made by the domain alone, for tests that save aggregates directly (no slug index)."""
    return Product.create(
        designer_id=designer_id,
        actor_id=None,
        name=name,
        slug=f"piece-{uuid.uuid4().hex}",
        price=money(price, currency),
    )


def head(catalog: Any) -> int:
    """The position of the last event in the catalog's log (0 when empty)."""
    return catalog.recorder.max_notification_id() or 0


def logged(catalog: Any) -> list[tuple[int, Any]]:
    """Every event of the catalog's log with its position, oldest first."""
    events: list[tuple[int, Any]] = []
    after = 0
    while page := catalog.recorder.select_notifications(start=after, limit=1000, inclusive_of_start=False):
        events.extend((notification.id, catalog.mapper.to_domain_event(notification)) for notification in page)
        after = page[-1].id
    return events


def position_of(catalog: Any, originator_id: uuid.UUID, version: int = 1) -> int:
    """The log position of one aggregate's event."""
    for position, domain_event in logged(catalog):
        if (domain_event.originator_id, domain_event.originator_version) == (originator_id, version):
            return position
    raise AssertionError(f"no event {originator_id} v{version} in the catalog's log")


def last_versions(catalog: Any) -> dict[uuid.UUID, int]:
    """Each aggregate in the catalog's log and its last version."""
    versions: dict[uuid.UUID, int] = {}
    for _, domain_event in logged(catalog):
        versions[domain_event.originator_id] = domain_event.originator_version
    return versions
