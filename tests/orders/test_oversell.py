"""No oversell, over HTTP on PostgreSQL: 200 checkouts at once for the last 10 units of a SKU.

The ASGI server (uvicorn in a subprocess, as the image runs it) and the followers (`manage.py
run_projections`, another process) work on the test database; signed-in customers send their
`OrderPlace` calls all at once, each with its own idempotency key. The inventory policy takes the
orders one by one: exactly ten are confirmed, the rest rejected, and the stock ends fully reserved.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from ocg.catalog.domain import Stock, stock_id
from ocg.catalog.models import VariantView
from ocg.identity.models import Role, User
from ocg.identity.tokens import issue_token_pair
from ocg.orders.models import OrderView
from ocg.spine.eventstore import applications
from tests.e2e.asgi_server import Server, running_server
from tests.orders.followers import ALL, alive, start_followers, stop, wait_until
from tests.orders.shop import ADDRESS, CONTACT, project_catalog, published_piece

UNITS = 10
CALLS = 200
CUSTOMERS = 20
SKU = "LAST-TEN"
PLACE = """
mutation Place($input: OrderPlaceInput!, $key: String!) {
  orderPlace(input: $input, idempotencyKey: $key) { orderIds errors { field code message } }
}
"""
MY_ORDERS = "{ myOrders(first: 50) { totalCount edges { node { id status shortages { sku missing } } } } }"
SERVER_SETTINGS = {
    "RATE_LIMIT_IP_PER_MINUTE": "100000",
    "RATE_LIMIT_USER_PER_MINUTE": "100000",
    "DB_POOL_MAX_SIZE": "8",
    "EVENT_STORE_POOL_MAX_OVERFLOW": "6",
}


def checkout() -> dict:
    address = {**{k: v for k, v in ADDRESS.items() if k != "postal_code"}, "postalCode": ADDRESS["postal_code"]}
    return {"lines": [{"sku": SKU, "quantity": 1}], "contact": CONTACT, "shippingAddress": address}


@pytest.fixture
def running(event_store, settings, tmp_path) -> Iterator[Server]:
    """The last ten units on sale, the followers and the server running."""
    settings.MEDIA_ROOT = tmp_path
    published_piece(uuid.uuid4(), SKU, stock=UNITS)
    project_catalog()
    log = tmp_path / "followers.log"
    followers = start_followers(log, *ALL)
    try:
        with running_server(tmp_path / "server.log", **SERVER_SETTINGS) as server:
            yield server
        alive(followers, log)
    finally:
        stop(followers, log)


@pytest.fixture
def customers(running, settings) -> list[dict[str, str]]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    users = [
        User.objects.create_user(f"buyer-{index}@example.com", "a-long-password-9", role=Role.CUSTOMER)
        for index in range(CUSTOMERS)
    ]
    return [{"Authorization": f"Bearer {issue_token_pair(user, 'password')['access']}"} for user in users]


async def place_all(server: Server, customers: list[dict[str, str]]) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=CALLS, max_keepalive_connections=CALLS)
    async with httpx.AsyncClient(base_url=server.base, timeout=60, limits=limits) as client:
        calls = [
            client.post(
                "/graphql",
                json={"query": PLACE, "variables": {"input": checkout(), "key": str(uuid.uuid4())}},
                headers=customers[index % len(customers)],
            )
            for index in range(CALLS)
        ]
        return await asyncio.gather(*calls)


def decided() -> Counter:
    return Counter(OrderView.objects.values_list("status", flat=True))


def test_two_hundred_checkouts_for_the_last_ten_units_confirm_exactly_ten(running, customers):
    responses = asyncio.run(place_all(running, customers))

    assert Counter(r.status_code for r in responses) == {200: CALLS}, [r.text[:300] for r in responses][:3]
    payloads = [r.json()["data"]["orderPlace"] for r in responses]
    assert [p["errors"] for p in payloads] == [[]] * CALLS
    order_ids = [order_id for p in payloads for order_id in p["orderIds"]]
    assert len(set(order_ids)) == CALLS, "each checkout places its own order"

    wait_until(lambda: decided() == {"confirmed": UNITS, "rejected": CALLS - UNITS}, 45, "every order decided")
    variant = VariantView.objects.get(sku=SKU)
    assert (variant.on_hand, variant.reserved, variant.available) == (UNITS, UNITS, 0)

    confirmed = set(OrderView.objects.filter(status="confirmed").values_list("id", flat=True))
    stock = applications.get("catalog").stock(SKU)
    assert (stock.on_hand, stock.reserved, stock.available) == (UNITS, UNITS, 0)
    assert {uuid.UUID(order_id) for order_id in stock.reservations} == confirmed
    stock_events = applications.get("catalog").repository.event_store.get(stock_id(SKU))
    reserved = [e for e in stock_events if isinstance(e, Stock.Reserved)]
    assert len(reserved) == UNITS, "a unit was held twice, or held for an order that was then rejected"

    seen: Counter = Counter()
    for headers in customers:
        answer = httpx.post(f"{running.base}/graphql", json={"query": MY_ORDERS}, headers=headers, timeout=30).json()
        for edge in answer["data"]["myOrders"]["edges"]:
            node = edge["node"]
            seen[node["status"]] += 1
            if node["status"] == "REJECTED":
                assert node["shortages"] == [{"sku": SKU, "missing": 1}]
    assert seen == {"CONFIRMED": UNITS, "REJECTED": CALLS - UNITS}, "what the customers see over HTTP"
