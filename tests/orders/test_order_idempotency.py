"""One click, one order, over HTTP on PostgreSQL: fifty identical `OrderPlace` calls with one key at once.

The server and the followers run as processes on the test database, as in the oversell test. To keep the
first call in flight for as long as the test needs, the test locks the catalog's variant read model
(ACCESS EXCLUSIVE): the call that claimed the key waits there, inside the placement, on a lock the test
holds, so every copy arriving meanwhile meets a key in flight. Then the lock goes and the first call ends.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Iterator

import httpx
import psycopg
import pytest

from ocg.catalog.models import VariantView
from ocg.identity.models import Role, User
from ocg.identity.tokens import issue_token_pair
from ocg.orders.models import OrderView
from ocg.spine.eventstore import applications, postgres_conninfo
from tests.e2e.asgi_server import Server, running_server
from tests.orders.followers import ALL, alive, start_followers, stop, wait_until
from tests.orders.shop import ADDRESS, CONTACT, project_catalog, published_piece

COPIES = 50
SKU = "ONE-CLICK"
PLACE = """
mutation Place($input: OrderPlaceInput!, $key: String!) {
  orderPlace(input: $input, idempotencyKey: $key) {
    checkoutId orderIds pending errors { field code message } result { id orders { id status itemCount } }
  }
}
"""
SERVER_SETTINGS = {
    "RATE_LIMIT_IP_PER_MINUTE": "100000",
    "RATE_LIMIT_USER_PER_MINUTE": "100000",
    "DB_POOL_MAX_SIZE": "8",
}


def checkout(quantity: int = 2) -> dict:
    address = {**{k: v for k, v in ADDRESS.items() if k != "postal_code"}, "postalCode": ADDRESS["postal_code"]}
    return {"lines": [{"sku": SKU, "quantity": quantity}], "contact": CONTACT, "shippingAddress": address}


@pytest.fixture
def server(event_store, settings, tmp_path) -> Iterator[Server]:
    settings.MEDIA_ROOT = tmp_path
    published_piece(uuid.uuid4(), SKU, stock=5)
    project_catalog()
    log = tmp_path / "followers.log"
    followers = start_followers(log, *ALL)
    try:
        with running_server(tmp_path / "server.log", **SERVER_SETTINGS) as started:
            yield started
        alive(followers, log)
    finally:
        stop(followers, log)


@pytest.fixture
def bearer(server, settings) -> dict[str, str]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = User.objects.create_user("one-click@example.com", "a-long-password-9", role=Role.CUSTOMER)
    return {"Authorization": f"Bearer {issue_token_pair(user, 'password')['access']}"}


async def copies_while_held(server: Server, body: dict, headers: dict[str, str]) -> list[httpx.Response]:
    """All the copies at once while the placement is held; the hold ends once every other copy has answered."""
    holder = psycopg.connect(postgres_conninfo("order-idempotency-hold"))
    holder.execute(f"LOCK TABLE {VariantView._meta.db_table} IN ACCESS EXCLUSIVE MODE")
    watcher = psycopg.connect(postgres_conninfo("order-idempotency-watch"), autocommit=True)

    def held() -> bool:
        query = "SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))"
        return watcher.execute(query, (holder.info.backend_pid,)).fetchone()[0] > 0

    try:
        limits = httpx.Limits(max_connections=COPIES, max_keepalive_connections=COPIES)
        async with httpx.AsyncClient(base_url=server.base, timeout=60, limits=limits) as client:
            calls = [asyncio.ensure_future(client.post("/graphql", json=body, headers=headers)) for _ in range(COPIES)]
            deadline = time.monotonic() + 30
            while sum(call.done() for call in calls) < COPIES - 1 or not held():
                assert time.monotonic() < deadline, f"{sum(call.done() for call in calls)} copies answered"
                await asyncio.sleep(0.05)
            assert not any(call.done() and call.result().status_code == 200 for call in calls)
            holder.rollback()
            return await asyncio.gather(*calls)
    finally:
        holder.close()
        watcher.close()


def orders_log() -> Counter:
    notifications = applications.get("orders").recorder.select_notifications(start=0, limit=1000)
    return Counter(notification.topic.rsplit(":", 1)[1] for notification in notifications)


def test_fifty_identical_calls_with_one_key_place_one_order(server, bearer):
    key = str(uuid.uuid4())
    body = {"query": PLACE, "variables": {"input": checkout(), "key": key}}
    responses = asyncio.run(copies_while_held(server, body, bearer))

    assert Counter(r.status_code for r in responses) == {409: COPIES - 1, 200: 1}
    for refused in (r for r in responses if r.status_code == 409):
        assert refused.headers["Retry-After"] == "1"
        assert refused.json()["errors"][0]["extensions"]["code"] == "idempotency_key_in_flight"
    [original] = [r for r in responses if r.status_code == 200]
    placed = original.json()["data"]["orderPlace"]
    assert placed["errors"] == [] and len(placed["orderIds"]) == 1
    assert placed["pending"] or placed["result"]["orders"][0]["itemCount"] == 2, "pending: the projection lagged"

    wait_until(lambda: OrderView.objects.filter(status="confirmed").count() == 1, 30, "the order confirmed")
    assert orders_log() == {"Order.Placed": 1, "Order.Confirmed": 1}, "one order, from one checkout"
    assert OrderView.objects.count() == 1
    assert str(OrderView.objects.get().checkout_id) == placed["checkoutId"]
    wait_until(lambda: VariantView.objects.get(sku=SKU).reserved == 2, 30, "its units held, once")

    replay = httpx.post(f"{server.base}/graphql", json=body, headers=bearer, timeout=30)
    assert (replay.status_code, replay.headers.get("Idempotent-Replayed")) == (200, "true")
    assert replay.content == original.content

    other = {"query": PLACE, "variables": {"input": checkout(quantity=1), "key": key}}
    mismatch = httpx.post(f"{server.base}/graphql", json=other, headers=bearer, timeout=30)
    assert mismatch.status_code == 422
    assert mismatch.json()["errors"][0]["extensions"]["code"] == "idempotency_key_reused"
    assert orders_log() == {"Order.Placed": 1, "Order.Confirmed": 1}
    assert OrderView.objects.count() == 1 and VariantView.objects.get(sku=SKU).reserved == 2
