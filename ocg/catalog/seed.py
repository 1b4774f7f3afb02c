"""The demo catalog `manage.py seed_demo` creates: a small shop of published pieces with pictures, by
the demo designer's house and three others, across the whole category tree.

Identity's seed runs first (INSTALLED_APPS order) and makes the demo designer's account. Running it
again adds nothing: the demo products have fixed slugs, and a slug already taken is passed over.
"""

from __future__ import annotations

from ocg.catalog.seeding.seeder import DesignerSpec, Seeder, designer_specs
from ocg.identity import queries as identity
from ocg.spine.eventstore import applications, uses_postgresql

DEMO_DESIGNER = "designer@demo.ocg"
DEMO_HOUSE = (
    "Atelier Verdier",
    "The demo designer's house: soft tailoring and sculpted coats, cut and finished in a small Paris atelier.",
)
DEMO_PRODUCTS = 36
DEMO_SEED = 2026
PICTURE_SIZE = (480, 640)


def seed() -> list[str]:
    designer_id = identity.user_id_by_email(DEMO_DESIGNER)
    if designer_id is None:
        return [f"demo catalog: not seeded, there is no account {DEMO_DESIGNER}"]
    catalog = applications.get("catalog")
    seeder = Seeder(catalog, seed=DEMO_SEED, tag="", picture_size=PICTURE_SIZE)
    designers = [DesignerSpec(designer_id, *DEMO_HOUSE), *designer_specs(3, first=1)]
    for designer in designers:
        seeder.ensure_designer(designer)
    result = seeder.seed_products(
        range(DEMO_PRODUCTS), designers, threads=4 if uses_postgresql() else 1, skip_existing=True
    )
    lines = [
        f"demo catalog: {result.products} products created ({result.skipped} already there), "
        f"by {', '.join(designer.name for designer in designers)}"
    ]
    lines.extend(f"demo catalog: failed {failure}" for failure in result.failed)
    return lines
