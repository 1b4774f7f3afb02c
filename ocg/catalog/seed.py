"""The demo catalog `manage.py seed_demo` creates: a few pieces by the demo designer."""

from __future__ import annotations

from decimal import Decimal

from ocg.identity import queries as identity
from ocg.spine.eventstore import applications

DEMO_DESIGNER = "designer@demo.ocg"
DEMO_PRODUCTS = [
    ("Silk Evening Gown", "2400.00", "EUR"),
    ("Cashmere Overcoat", "1850.00", "EUR"),
    ("Hand-stitched Leather Tote", "960.00", "EUR"),
    ("Pleated Wool Trousers", "540.00", "EUR"),
    ("Embroidered Organza Blouse", "780.00", "EUR"),
    ("Tailored Linen Blazer", "1120.00", "EUR"),
]


def seed() -> list[str]:
    """Only into an empty catalog, so running it again (or after real products exist) adds nothing."""
    catalog = applications.get("catalog")
    if catalog.recorder.max_notification_id():
        return ["demo catalog: not seeded, the catalog already has products"]
    designer_id = identity.user_id_by_email(DEMO_DESIGNER)
    for name, price, currency in DEMO_PRODUCTS:
        catalog.create_product(name=name, price=Decimal(price), currency=currency, designer_id=designer_id)
    return [f"demo catalog: {len(DEMO_PRODUCTS)} products created"]
