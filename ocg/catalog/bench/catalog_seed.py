"""The catalog benchmark's data: 100,000 products made by the seeder, kept between runs.

Seeding through the real commands takes minutes, so a run reuses what an earlier one left: products
whose slugs carry the tag `bench`. Another benchmark may have emptied the read models (its reset)
while the events stayed: the read models are brought up to date first, so they are counted, not made
again. Only the missing numbers are seeded.
"""

from __future__ import annotations

import sys
import time

from django.db import connection
from tqdm import tqdm

from ocg.catalog.models import ProductView
from ocg.catalog.seeding.seeder import Seeder, designer_specs, seeding_application
from ocg.spine.bench.common import say
from ocg.spine.eventstore import applications
from ocg.spine.projections import ProjectionRunner, get_projection

TAG = "bench"
DESIGNERS = 60
SEED = 0
THREADS = 16
# Small pictures: a hundred thousand of them stay under a gigabyte on disk.
PICTURE_SIZE = (120, 160)


def bench_products() -> int:
    """Drafts count too: one left half-made by an interrupted seed is not made again (its slug is taken)."""
    return ProductView.objects.filter(slug__contains=f"-{TAG}-").count()


def catch_up() -> int:
    runner = ProjectionRunner(get_projection("catalog"))
    behind = (applications.get("catalog").recorder.max_notification_id() or 0) - runner.position("catalog")
    if behind <= 0:
        return 0
    with tqdm(total=behind, unit="event", desc="read models", file=sys.stderr) as bar:
        reached = [runner.position("catalog")]

        def advanced(source: str, position: int) -> None:
            bar.update(position - reached[0])
            reached[0] = position

        runner.on_batch = advanced
        return runner.catch_up()


def analyze() -> None:
    """Fresh planner statistics: right after a bulk seed or replay the planner still believes the tables
    empty and picks a plan for a few rows (autovacuum would analyze them later, as it does in production)."""
    tables = [model._meta.db_table for model in get_projection("catalog").read_models]
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(tables)}")


def ensure_seeded(target: int) -> dict[str, float]:
    """At least `target` bench products in the read models: how many there are, and how long seeding took."""
    catch_up()
    present = bench_products()
    if present >= target:
        say(f"reusing the {present} bench products already seeded")
        analyze()
        return {"products": present, "seeded": 0, "seed_seconds": 0.0}
    say(f"{present} bench products found; seeding up to {target} (this takes minutes, once)")
    catalog = seeding_application()
    try:
        seeder = Seeder(catalog, seed=SEED, tag=TAG, picture_size=PICTURE_SIZE)
        designers = designer_specs(DESIGNERS)
        for designer in designers:
            seeder.ensure_designer(designer)
        started = time.perf_counter()
        with tqdm(total=target, unit="product", desc="seeding", file=sys.stderr) as bar:
            result = seeder.seed_products(
                range(target), designers, threads=THREADS, skip_existing=present > 0, progress=bar.update
            )
        seconds = time.perf_counter() - started
    finally:
        catalog.close()
    if result.failed:
        raise RuntimeError(f"{len(result.failed)} bench products failed, the first: {result.failed[0]}")
    say(f"seeded {result.products} products in {seconds:.0f} s ({result.products / seconds:.0f}/s)")
    catch_up()
    analyze()
    return {"products": bench_products(), "seeded": result.products, "seed_seconds": round(seconds, 1)}
