"""The orders benchmark's shop: many published SKUs with plenty of stock, and signed-in customers.

Made once through the catalog's commands and kept: a later run reuses every SKU the read model shows
published with stock to spare. Products are numbered, and their ids, slugs and SKUs derive from the
number, so a run only makes the numbers it does not find; one left half-made by an interrupted run is
passed over, not made again.
"""

from __future__ import annotations

import io
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from django.db import connection
from PIL import Image
from tqdm import tqdm

from ocg.catalog import queries as catalog_queries
from ocg.catalog.domain import ProductExists
from ocg.spine import uploads
from ocg.spine.bench.common import say
from ocg.spine.domain.money import Money
from ocg.spine.eventstore import applications
from ocg.spine.projections import ProjectionRunner, get_projection

NAMESPACE = UUID("0d6f3c2a-8b41-4e57-9a1c-5e2b7f9d4c60")
SKU_PREFIX = "ORDB-"
PRODUCTS = 500
SIZES = ("XS", "S", "M", "L")  # PRODUCTS x SIZES = 2,000 SKUs
DESIGNERS = 20
UNITS = 10_000
# A SKU below this is left out: a run takes a few units of each, and cancels its orders at the end.
ENOUGH = UNITS // 2
THREADS = 8
CUSTOMERS = 8
CUSTOMER_PASSWORD = "orders-bench-password-1"  # noqa: S105 - throwaway accounts in the benchmark database


@dataclass(frozen=True)
class Sku:
    sku: str
    designer_id: UUID


def designer_id(number: int) -> UUID:
    return uuid.uuid5(NAMESPACE, f"designer/{number}")


def product_id(number: int) -> UUID:
    return uuid.uuid5(NAMESPACE, f"product/{number}")


def sku_of(number: int, size: str) -> str:
    return f"{SKU_PREFIX}{number:04d}-{size}"


def picture() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 80), (120, 96, 80)).save(buffer, "JPEG")
    return buffer.getvalue()


def make_product(number: int, jpeg: bytes) -> bool:
    """Every command a designer's tool would send for one piece in four sizes. False if it exists already."""
    catalog = applications.get("catalog")
    pid = product_id(number)
    try:
        catalog.create_product(
            designer_id=designer_id(number % DESIGNERS),
            actor_id=None,
            name=f"Bench piece {number}",
            slug=f"orders-bench-piece-{number}",
            price=Money(Decimal(100 + number % 50 * 10), "EUR"),
            product_id=pid,
            designer_name=f"Bench house {number % DESIGNERS}",
        )
    except ProductExists:
        return False
    for size in SIZES:
        catalog.add_variant(pid, sku=sku_of(number, size), size=size, actor_id=None, acting_designer_id=None)
        catalog.receive_stock(sku_of(number, size), UNITS, actor_id=None, acting_designer_id=None)
    ticket = catalog.image_upload_ticket(pid, content_type="image/jpeg", acting_designer_id=None)
    uploads.save(ticket.key, jpeg, "image/jpeg")
    catalog.attach_image(pid, key=ticket.key, actor_id=None, acting_designer_id=None)
    catalog.publish(pid, actor_id=None, acting_designer_id=None)
    return True


def project_catalog() -> None:
    runner = ProjectionRunner(get_projection("catalog"))
    behind = (applications.get("catalog").recorder.max_notification_id() or 0) - runner.position("catalog")
    if behind > 0:
        say(f"catalog read models {behind} events behind: catching up")
        runner.catch_up()


def usable_skus() -> list[Sku]:
    """Published bench SKUs with stock to spare, as the catalog's read side offers them to OrderPlace."""
    wanted = [sku_of(number, size) for number in range(PRODUCTS) for size in SIZES]
    offered = catalog_queries.sellable_skus(wanted)
    return [
        Sku(sku, snapshot.designer_id)
        for sku, snapshot in sorted(offered.items())
        if snapshot.published and snapshot.available >= ENOUGH
    ]


def ensure_shop() -> tuple[list[Sku], float]:
    """The bench SKUs (seeding what is missing) and how long seeding took."""
    project_catalog()
    present = usable_skus()
    if len(present) >= PRODUCTS * len(SIZES) * 0.9:
        say(f"reusing {len(present)} bench SKUs")
        return present, 0.0
    say(f"{len(present)} bench SKUs found; seeding {PRODUCTS} pieces x {len(SIZES)} sizes x {UNITS} units")
    jpeg = picture()
    started = time.perf_counter()
    with (
        ThreadPoolExecutor(THREADS, thread_name_prefix="seed") as pool,
        tqdm(total=PRODUCTS, unit="piece", desc="seeding", file=sys.stderr) as bar,
    ):
        for _ in pool.map(lambda number: make_product(number, jpeg), range(PRODUCTS)):
            bar.update(1)
    seconds = time.perf_counter() - started
    project_catalog()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return usable_skus(), seconds


def customers() -> list:
    """Signed-in customers: their users, made once."""
    from ocg.identity.models import Role, User

    found = []
    for index in range(CUSTOMERS):
        email = f"orders-bench-{index}@ocg.example"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, CUSTOMER_PASSWORD, role=Role.CUSTOMER, display_name=f"Bench {index}")
        found.append(user)
    return found
