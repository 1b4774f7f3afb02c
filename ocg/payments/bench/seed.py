"""The payments benchmark's customers, and their confirmed orders awaiting payment, placed through the orders'
commands and the real saga."""

from __future__ import annotations

import random
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import connection

from ocg.orders import queries as order_queries
from ocg.orders.bench.seed import Sku
from ocg.spine.bench.common import say, wait_for_followers
from ocg.spine.eventstore import applications
from ocg.spine.projections import lag, registered_projections

CUSTOMER_PASSWORD = "payments-bench-password-1"  # noqa: S105 - throwaway accounts in the benchmark database
CONTACT = {"email": "bench@example.com", "name": "Bench Customer"}
ADDRESS = {
    "name": "Bench Customer",
    "line1": "1 Rue de la Paix",
    "city": "Paris",
    "postal_code": "75002",
    "country": "FR",
}


def customers(count: int) -> list[Any]:
    from ocg.identity.models import Role, User

    found = []
    for index in range(count):
        email = f"payments-bench-{index}@ocg.example"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, CUSTOMER_PASSWORD, role=Role.CUSTOMER, display_name=f"Payer {index}")
        found.append(user)
    return found


def behind() -> int:
    """Events some follower (policy or projection) has not acted on yet."""
    total = sum(sum(lag(name, cls.sources).values()) for name, cls in registered_projections().items())
    for context in settings.POLICIES:
        reactor = applications.get(f"policy:{context}")
        for source in reactor.follows:
            head = applications.get(source).recorder.max_notification_id() or 0
            total += max(head - (reactor.recorder.max_tracking_id(source) or 0), 0)
    return total


def wait_settled(timeout: float, what: str, followers: list[subprocess.Popen]) -> None:
    wait_for_followers(lambda: not behind(), timeout, what, followers)


def returning_connection(function: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A pool thread's Django connection goes back to the pool after each call, not when the thread ends."""

    def call(argument: Any) -> Any:
        try:
            return function(argument)
        finally:
            connection.close()

    return call


def seed_orders(users: list[Any], skus: list[Sku], per_client: int, followers: list[subprocess.Popen]) -> list[list]:
    """`per_client` orders of one piece each for every customer, confirmed and awaiting payment."""
    orders = applications.get("orders")
    picker = random.Random(len(skus))  # spreading orders over SKUs, not secrecy

    def place(user: Any) -> UUID:
        checkout = orders.place_checkout(
            customer_id=user.id,
            actor_id=user.id,
            lines=[{"sku": picker.choice(skus).sku, "quantity": 1}],
            contact=CONTACT,
            shipping_address=ADDRESS,
        )
        return checkout.order_ids[0]

    started = time.perf_counter()
    wanted = [user for user in users for _ in range(per_client)]
    with ThreadPoolExecutor(len(users)) as pool:
        placed = list(pool.map(returning_connection(place), wanted))
    wait_settled(600, "confirming the seeded orders", followers)

    def ask_payment(pair: tuple[Any, UUID]) -> UUID | None:
        user, order_id = pair
        view = order_queries.order(order_id)
        if view is None or view.status != "confirmed":
            return None
        orders.request_payment(order_id, actor_id=user.id, acting_customer_id=user.id)
        return order_id

    with ThreadPoolExecutor(len(users)) as pool:
        asked = list(pool.map(returning_connection(ask_payment), zip(wanted, placed, strict=True)))
    wait_settled(600, "projecting the seeded orders", followers)
    queues: list[list[UUID]] = [[] for _ in users]
    for index, order_id in enumerate(asked):
        if order_id is not None:
            queues[index // per_client].append(order_id)
    say(f"seeded {sum(map(len, queues))} orders awaiting payment in {time.perf_counter() - started:.1f} s")
    return queues
