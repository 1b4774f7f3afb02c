"""What the benchmarks share: a clean database, timing helpers, a backlog writer and a Tansu broker."""

from __future__ import annotations

import math
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.core.management import call_command
from django.db import connection

from ocg.catalog.domain import Product
from ocg.spine.eventstore import applications, events_table
from ocg.spine.localbroker import TansuBroker

READ_MODEL_TABLES = ("spine_projectionposition", "catalog_productview")
BACKLOG_BATCH = 500


def say(message: str) -> None:
    """Progress goes to stderr, so stdout ends with nothing but the JSON figures."""
    print(message, file=sys.stderr, flush=True)


def reset(*contexts: str) -> None:
    """Start from a clean state: schema up to date, the contexts' events and every read model empty.

    `migrate` builds every context's application; their pools are closed again so that a bench
    holds connections only for the contexts it uses (the server is shared, max_connections is finite).
    """
    call_command("migrate", verbosity=0, interactive=False)
    applications.close_all()
    tables = [events_table(applications.get(context)) for context in contexts] + list(READ_MODEL_TABLES)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY")


def percentile(ordered: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not ordered:
        return 0.0
    return ordered[max(math.ceil(fraction * len(ordered)) - 1, 0)]


def run_threads(threads: int, seconds: float, operation: Callable[[int], Any]) -> float:
    """Call `operation(thread_index)` in a loop on each thread for `seconds`; return operations per second."""
    barrier = threading.Barrier(threads + 1)
    counts = [0] * threads
    errors: list[BaseException] = []
    deadline = 0.0

    def loop(index: int) -> None:
        barrier.wait()
        try:
            while time.perf_counter() < deadline:
                operation(index)
                counts[index] += 1
        except BaseException as error:
            errors.append(error)

    workers = [threading.Thread(target=loop, args=(index,), daemon=True) for index in range(threads)]
    for worker in workers:
        worker.start()
    started = time.perf_counter()
    deadline = started + seconds
    barrier.wait()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return sum(counts) / elapsed


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


@contextmanager
def kafka_bootstrap() -> Iterator[str]:
    """KAFKA_BOOTSTRAP_SERVERS if set, else a fresh Tansu broker (memory storage) killed afterwards."""
    configured = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if configured:
        yield configured
        return
    broker = TansuBroker()
    broker.start()
    try:
        yield broker.bootstrap_servers
    finally:
        broker.stop()
