"""`orders`: checkouts placed over GraphQL over HTTP, each timed until it reads back `confirmed`.

The server is uvicorn with two workers and the pool, as deployed; the followers (the two policies and
the two projections) run as `manage.py run_projections` processes of their own. CLIENTS signed-in
customers each place a checkout (one to three lines of one designer's SKUs, out of two thousand) with
`OrderPlace` and its idempotency key, then ask `order(id) { status }`, backing off between polls, until the
saga has confirmed it: Order.Placed -> inventory policy (Stock.Reserved, Reservation.Made) -> orders
policy (Order.Confirmed) -> orders projection. The latency is from sending the mutation to the first
answer that says `confirmed`. `events_per_order` counts rows written to every context's events table
during the timed run, over the orders placed. Afterwards the run's orders are cancelled, so their
stock goes back and the next run starts from the same shop.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import connection, models

from ocg.orders.bench.seed import CUSTOMER_PASSWORD, Sku, customers, ensure_shop
from ocg.orders.models import OrderStatusChange, OrderView
from ocg.spine.bench import common
from ocg.spine.bench.common import percentile, process_log, run_loops, say, start_server, stop_processes
from ocg.spine.eventstore import applications, events_table
from ocg.spine.localbroker import free_port
from ocg.spine.models import ProjectionPosition

CLIENTS = 8
SECONDS, QUICK_SECONDS = 20.0, 5.0
# Polls back off from FIRST_POLL_SECONDS by POLL_BACKOFF up to MAX_POLL_SECONDS, as a storefront would: on two
# cores a client polling flat out takes the CPU the saga needs to confirm the order it waits for.
FIRST_POLL_SECONDS, POLL_BACKOFF, MAX_POLL_SECONDS = 0.005, 1.5, 0.04
CONFIRM_TIMEOUT_SECONDS = 10.0
# Each group runs as its own process; one process per policy keeps each saga step off the other's GIL.
FOLLOWER_PROCESSES = (("policy:catalog",), ("policy:orders",), ("orders",), ("catalog",))
PLACE = """mutation Place($input: OrderPlaceInput!, $key: String!) {
  orderPlace(input: $input, idempotencyKey: $key) {
    orderIds pending result { orders { status } } errors { field code message } } }"""
SIGN_IN = """mutation SignIn($email: String!, $password: String!) {
  tokenCreate(email: $email, password: $password) { result { access } errors { code } } }"""
STATUS = "query Status($id: UUID!) { order(id: $id) { status } }"
CONTACT = {"email": "bench@example.com", "name": "Bench Customer"}
ADDRESS = {
    "name": "Bench Customer",
    "line1": "1 Rue de la Paix",
    "city": "Paris",
    "postalCode": "75002",
    "country": "FR",
}


def sign_in(port: int, email: str, password: str) -> str:
    """An access token from the server itself: it signs with its own secret key."""
    link = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        body = json.dumps({"query": SIGN_IN, "variables": {"email": email, "password": password}})
        link.request("POST", "/graphql", body=body, headers={"Content-Type": "application/json"})
        answer = json.loads(link.getresponse().read())
    finally:
        link.close()
    created = (answer.get("data") or {}).get("tokenCreate") or {}
    if not created.get("result"):
        raise RuntimeError(f"sign-in of {email} failed: {answer}")
    return created["result"]["access"]


class Client:
    """One customer on one keep-alive connection."""

    def __init__(self, port: int, token: str, skus: dict[Any, list[Sku]], seed: int) -> None:
        self.port = port
        self.headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        self.by_designer = list(skus.values())
        self.random = random.Random(seed)
        self.link = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.latencies: list[float] = []
        self.placing: list[float] = []
        self.order_ids: list[str] = []

    def graphql(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        self.link.request(
            "POST", "/graphql", body=json.dumps({"query": query, "variables": variables}), headers=self.headers
        )
        response = self.link.getresponse()
        payload = response.read()
        if response.status != 200:
            raise RuntimeError(f"/graphql answered {response.status}: {payload[:300]!r}")
        answer = json.loads(payload)
        if answer.get("errors"):
            raise RuntimeError(f"/graphql answered errors: {answer['errors'][:2]}")
        return answer["data"]

    def lines(self) -> list[dict[str, Any]]:
        """One to three lines of one designer's pieces: one order per checkout."""
        offered = self.random.choice(self.by_designer)
        chosen = self.random.sample(offered, k=min(len(offered), self.random.choice((1, 1, 2, 3))))
        return [{"sku": sku.sku, "quantity": self.random.choice((1, 1, 2))} for sku in chosen]

    def place_and_wait(self) -> None:
        started = time.perf_counter()
        variables = {
            "input": {"lines": self.lines(), "contact": CONTACT, "shippingAddress": ADDRESS},
            "key": uuid.uuid4().hex,
        }
        placed = self.graphql(PLACE, variables)["orderPlace"]
        if placed["errors"] or len(placed["orderIds"] or []) != 1:
            raise RuntimeError(f"orderPlace answered {placed}")
        order_id = placed["orderIds"][0]
        self.order_ids.append(order_id)
        self.placing.append((time.perf_counter() - started) * 1000)
        deadline = started + CONFIRM_TIMEOUT_SECONDS
        pause = FIRST_POLL_SECONDS
        # The answer shows the order as the read model has it once it has caught up (or is pending).
        status = placed["result"]["orders"][0]["status"] if placed["result"] else None
        while status != "CONFIRMED":
            order = self.graphql(STATUS, {"id": order_id})["order"]
            status = order and order["status"]
            if status == "CONFIRMED":
                break
            if status == "REJECTED" or time.perf_counter() > deadline:
                raise RuntimeError(f"order {order_id} is {status} after {time.perf_counter() - started:.1f} s")
            time.sleep(pause)
            pause = min(pause * POLL_BACKOFF, MAX_POLL_SECONDS)
        self.latencies.append((time.perf_counter() - started) * 1000)

    def close(self) -> None:
        self.link.close()


def event_rows() -> dict[str, int]:
    """Rows in every context's events table (policies write to their context's table)."""
    counts = {}
    with connection.cursor() as cursor:
        for name in applications.names:
            cursor.execute(f"SELECT count(*) FROM {events_table(applications.get(name))}")
            counts[name] = cursor.fetchone()[0]
    return counts


def heads() -> dict[str, int]:
    return {name: applications.get(name).recorder.max_notification_id() or 0 for name in ("orders", "catalog")}


def realign_policies() -> None:
    """A policy's position past its source's head means another benchmark emptied that log (its reset):
    what is there now was written since, by seeding, with nothing for the policy to do."""
    for context in settings.POLICIES:
        reactor = applications.get(f"policy:{context}")
        recorder = reactor.recorder
        table = f"{recorder.datastore.schema}.{recorder.tracking_table_name}"
        for source in reactor.follows:
            head = applications.get(source).recorder.max_notification_id() or 0
            if (recorder.max_tracking_id(source) or 0) > head:
                say(f"{context}'s policy was past the {source} log's head; it restarts at {head}")
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"UPDATE {table} SET notification_id = %s WHERE application_name = %s",
                        [head, source],
                    )


def settled() -> bool:
    """Every follower has acted on every event, and nothing was written while this looked."""
    before = heads()
    reached = {
        "policy:catalog": applications.get("policy:catalog").recorder.max_tracking_id("orders") or 0,
        "policy:orders": applications.get("policy:orders").recorder.max_tracking_id("catalog") or 0,
        **dict(
            ProjectionPosition.objects.filter(
                follower__in=("orders", "catalog"), source=models.F("follower")
            ).values_list("follower", "position")
        ),
    }
    after = heads()
    expected = {
        "policy:catalog": after["orders"],
        "policy:orders": after["catalog"],
        "orders": after["orders"],
        "catalog": after["catalog"],
    }
    return before == after and reached == expected


def wait_settled(timeout: float, what: str, followers: list[subprocess.Popen]) -> None:
    common.wait_for_followers(settled, timeout, what, followers)


def start_followers(log: Any) -> list[subprocess.Popen]:
    return common.start_followers(FOLLOWER_PROCESSES, log)


def cancel(order_ids: list[Any]) -> int:
    """The run's orders give their stock back, through the command and the inventory policy."""
    orders = applications.get("orders")

    def one(order_id: Any) -> int:
        orders.cancel(order_id, reason="benchmark run over", actor_id=None, acting_customer_id=None)
        return 1

    with ThreadPoolExecutor(8) as pool:
        return sum(pool.map(one, order_ids))


def saga_lag_ms(order_ids: list[Any]) -> list[float]:
    """From Order.Placed to Order.Confirmed, by the events' own times: the two policies' share."""
    steps: dict[Any, dict[str, Any]] = {}
    for order_id, step, at in OrderStatusChange.objects.filter(
        order_id__in=order_ids, step__in=("place", "confirm")
    ).values_list("order_id", "step", "at"):
        steps.setdefault(order_id, {})[step] = at
    return sorted(
        (times["confirm"] - times["place"]).total_seconds() * 1000 for times in steps.values() if len(times) == 2
    )


def leftover_orders(customer_ids: list[Any]) -> list[Any]:
    """Confirmed bench orders a run stopped early did not cancel."""
    return list(
        OrderView.objects.filter(customer_id__in=customer_ids, status__in=("placed", "confirmed")).values_list(
            "id", flat=True
        )
    )


def run(quick: bool) -> dict[str, Any]:
    seconds = QUICK_SECONDS if quick else SECONDS
    call_command("migrate", verbosity=0, interactive=False)
    skus, seed_seconds = ensure_shop()
    by_designer: dict[Any, list[Sku]] = {}
    for sku in skus:
        by_designer.setdefault(sku.designer_id, []).append(sku)
    users = customers()
    realign_policies()
    redis_url = settings.REDIS_URL or "redis://127.0.0.1:6379/0"
    port = free_port()
    with process_log() as log:
        followers = start_followers(log)
        os.environ.setdefault("RATE_LIMIT_AUTH_PER_MINUTE", "1000000")  # eight sign-ins a run, runs back to back
        server = start_server(port, redis_url, log)
        clients: list[Client] = []
        try:
            for seed, user in enumerate(users):
                token = sign_in(port, user.email, CUSTOMER_PASSWORD)
                clients.append(Client(port, token, by_designer, seed))
            wait_settled(600, "catching up", followers)
            leftovers = leftover_orders([user.id for user in users])
            if leftovers:
                say(f"cancelling {len(leftovers)} orders an earlier run left")
                cancel(leftovers)
                wait_settled(600, "releasing them", followers)
            say(f"warming up, then {CLIENTS} clients place orders for {seconds:.0f} s")
            placing_orders = [client.place_and_wait for client in clients]
            run_loops(1.0, placing_orders)
            wait_settled(60, "the warm-up", followers)
            for client in clients:
                client.latencies.clear()
                client.placing.clear()
            before = event_rows()
            elapsed = run_loops(seconds, placing_orders)
            wait_settled(60, "the run", followers)
            after = event_rows()
            placed = sum(len(client.latencies) for client in clients)
            written = {name: after[name] - before[name] for name in after}
            order_ids = [order_id for client in clients for order_id in client.order_ids]
            saga = saga_lag_ms(order_ids)
            say(f"cancelling the {len(order_ids)} orders placed")
            cancel(order_ids)
            wait_settled(600, "releasing the stock", followers)
        finally:
            for client in clients:
                client.close()
            stop_processes([server, *followers])
    latencies = sorted(value for client in clients for value in client.latencies)
    placing = sorted(value for client in clients for value in client.placing)
    return {
        "orders_per_s": round(placed / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.5), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "events_per_order": round(sum(written.values()) / placed, 2),
        "place_p50_ms": round(percentile(placing, 0.5), 1),
        "place_p99_ms": round(percentile(placing, 0.99), 1),
        "saga_p50_ms": round(percentile(saga, 0.5), 1),
        "saga_p99_ms": round(percentile(saga, 0.99), 1),
        "orders": placed,
        "events": written,
        "clients": CLIENTS,
        "seconds": round(elapsed, 1),
        "skus": len(skus),
        "follower_processes": len(FOLLOWER_PROCESSES),
        "seed_seconds": round(seed_seconds, 1),
    }
