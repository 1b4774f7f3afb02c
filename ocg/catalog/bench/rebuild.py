"""Rebuild throughput: the catalog's read models dropped and replayed from a catalog backlog.

Every tenth product is renamed in the same save, so replay also exercises updates, not only inserts.
"""

from __future__ import annotations

import time

from ocg.catalog.bench.backlog import BENCH_DESIGNER_NAME, PROFILE_EVENTS, write_backlog
from ocg.catalog.models import ProductView
from ocg.catalog.projections import CatalogProjection
from ocg.spine.bench.common import reset, say
from ocg.spine.projections import rebuild


def run(quick: bool) -> dict[str, float]:
    backlog = 20_000 if quick else 100_000
    reset("catalog")
    write_backlog(backlog, rename_every=10)
    say(f"backlog of {backlog} events written; rebuilding")
    started = time.perf_counter()
    replayed = rebuild(CatalogProjection())
    seconds = time.perf_counter() - started
    if replayed != backlog:
        raise RuntimeError(f"the rebuild replayed {replayed} events, expected {backlog}")
    rows = ProductView.objects.count()
    if ProductView.objects.filter(name__endswith="(renamed)").count() != replayed - PROFILE_EVENTS - rows:
        raise RuntimeError("the rebuilt read model lacks some renames")
    if ProductView.objects.exclude(designer_name=BENCH_DESIGNER_NAME).exists():
        raise RuntimeError("some rebuilt products lack their designer's name")
    return {
        "events": replayed,
        "seconds": round(seconds, 3),
        "events_per_s": round(replayed / seconds, 1),
        "rows": rows,
    }
