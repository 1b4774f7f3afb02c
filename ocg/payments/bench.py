"""`payments`: OrderPay over HTTP against localstripe, side by side with the bare Stripe SDK against it.

One localstripe process serves both runs; its objects are flushed before each. First the provider's own limit:
CLIENTS threads of the bare `stripe` SDK create PaymentIntents as our adapter does (amount, currency, metadata,
an idempotency key) and confirm them as Stripe.js would (the card on the intent, then confirm), for SECONDS.
Then the platform, as deployed (uvicorn, two workers, the pool; the followers as processes of their own): as
many signed-in customers each pay their own confirmed orders, awaiting payment, one after another: `orderPay`
(GraphQL, with an idempotency key) answers the client secret, then the customer confirms the intent at
localstripe, whose webhooks come back to the platform and pay the order through the saga. A payment counts
when both steps are done; `paid_orders` counts the run's orders the saga has made `paid` once the webhooks are
in. `ratio` is platform over bare SDK. `replay_p99_ms` is the latency of OrderPay sent again with the key and body
of a request that finished (the stored answer, nothing new at the provider), one client after another once the
followers are idle; `replay_p99_ms_8_clients` the same with CLIENTS clients replaying at once.

The shop (published SKUs with stock) is the orders benchmark's, made once through the catalog's commands and
kept; the confirmed orders to pay are placed fresh each run (enough for the provider's measured rate), through
the orders' commands and the real saga, and the run's leftovers are cancelled so their stock goes back.
"""

from __future__ import annotations

import http.client
import json
import logging
import math
import os
import random
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from uuid import UUID

import stripe
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from ocg.orders import queries as order_queries
from ocg.orders.bench import cancel, realign_policies, sign_in, stop_processes
from ocg.orders.bench.seed import Sku, ensure_shop
from ocg.payments.localstripe import LocalStripe
from ocg.spine.bench import common
from ocg.spine.bench.common import percentile, say, start_server
from ocg.spine.eventstore import applications
from ocg.spine.localbroker import free_port
from ocg.spine.projections import lag, registered_projections

CLIENTS = 8
SECONDS, QUICK_SECONDS = 20.0, 5.0
REPLAY_SECONDS, QUICK_REPLAY_SECONDS = 4.0, 2.0
# Orders placed for the platform run: the provider's measured rate over the run, with this much to spare.
SPARE = 1.25
CUSTOMER_PASSWORD = "payments-bench-password-1"  # noqa: S105 - throwaway accounts in the benchmark database
WEBHOOK_SECRET = "whsec_ocg_payments_bench"  # noqa: S105 - between this run's localstripe and server only
# The followers as deployed by default: one `run_projections` process running every policy and projection.
FOLLOWER_PROCESSES = ((),)
CARD = "pm_card_visa"
PAY = """mutation Pay($orderId: UUID!, $key: String!) {
  orderPay(orderId: $orderId, provider: STRIPE, idempotencyKey: $key) {
    errors { field code message } result { paymentId clientSecret status } } }"""
CONTACT = {"email": "bench@example.com", "name": "Bench Customer"}
ADDRESS = {
    "name": "Bench Customer",
    "line1": "1 Rue de la Paix",
    "city": "Paris",
    "postal_code": "75002",
    "country": "FR",
}


def stripe_client(server: LocalStripe) -> stripe.StripeClient:
    """The bare SDK as a customer's browser or a script would use it: no retries, generous timeouts."""
    return stripe.StripeClient(
        server.secret_key,
        base_addresses={"api": server.url},
        http_client=stripe.RequestsClient(timeout=30),
        max_network_retries=0,
    )


def confirm(client: stripe.StripeClient, intent_id: str) -> None:
    """What Stripe.js does with the client secret: the card on the intent, then confirm."""
    client.v1.payment_intents.update(intent_id, params={"payment_method": CARD})
    confirmed = client.v1.payment_intents.confirm(intent_id)
    if confirmed.status != "succeeded":
        raise RuntimeError(f"intent {intent_id} is {confirmed.status} after confirming")


def run_threads(count: int, seconds: float, setup: Callable[[int], Any], step: Callable[[Any], bool]) -> float:
    """`step(state)` on each of `count` threads until the time is up (or it answers False: nothing left)."""
    states = [setup(index) for index in range(count)]
    barrier = threading.Barrier(count + 1)
    errors: list[BaseException] = []
    deadline = 0.0

    def loop(state: Any) -> None:
        barrier.wait()
        try:
            while time.perf_counter() < deadline and step(state):
                pass
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=loop, args=(state,), daemon=True) for state in states]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    deadline = started + seconds
    barrier.wait()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return time.perf_counter() - started


# Where the CPU goes (Linux's /proc): each group's processes, children included.


def cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        with open(f"/proc/{pid}/task/{pid}/children") as listed:
            children = [int(child) for child in listed.read().split()]
    except (OSError, IndexError, ValueError):
        return 0.0
    return own + sum(cpu_seconds(child) for child in children)


class CpuMeter:
    """CPU seconds used by each group of processes between `start()` and `stop()`; this process is `clients`."""

    def __init__(self, groups: dict[str, list[int]]) -> None:
        self.groups = groups
        self.started: dict[str, float] = {}
        self.used: dict[str, float] = {}

    def sample(self) -> dict[str, float]:
        found = {name: sum(cpu_seconds(pid) for pid in pids) for name, pids in self.groups.items()}
        times = os.times()
        found["clients"] = times.user + times.system
        return found

    def start(self) -> None:
        self.started = self.sample()

    def stop(self) -> None:
        ended = self.sample()
        self.used = {name: ended[name] - self.started[name] for name in ended}

    def per(self, count: int) -> dict[str, float]:
        """Milliseconds of CPU per operation, by group."""
        return {name: round(seconds * 1000 / count, 2) for name, seconds in self.used.items()} if count else {}


# The provider's own limit.


def raw_provider(server: LocalStripe, seconds: float, meter: CpuMeter) -> tuple[float, int]:
    """Intents created as the adapter creates them and confirmed as the client does, with nothing between."""
    done = [0] * CLIENTS

    def setup(index: int) -> tuple[int, stripe.StripeClient]:
        return index, stripe_client(server)

    def step(state: tuple[int, stripe.StripeClient]) -> bool:
        index, client = state
        payment_id, order_id = uuid.uuid4(), uuid.uuid4()
        intent = client.v1.payment_intents.create(
            params={
                "amount": 120000,
                "currency": "eur",
                "metadata": {"payment_id": str(payment_id), "order_id": str(order_id), "order_number": "BENCH"},
            },
            options={"idempotency_key": f"ocg-payment-{payment_id}"},
        )
        confirm(client, intent.id)
        done[index] += 1
        return True

    server.flush()
    meter.start()
    elapsed = run_threads(CLIENTS, seconds, setup, step)
    meter.stop()
    return sum(done) / elapsed, sum(done)


# Seeding: confirmed orders awaiting payment, placed through the orders' commands and the real saga.


def customers() -> list[Any]:
    from ocg.identity.models import Role, User

    found = []
    for index in range(CLIENTS):
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
    deadline = time.monotonic() + timeout
    while behind():
        if any(process.poll() is not None for process in followers):
            raise RuntimeError("a follower process exited")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the followers did not finish {what} within {timeout:.0f} s")
        time.sleep(0.1)


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
    with ThreadPoolExecutor(CLIENTS) as pool:
        placed = list(pool.map(returning_connection(place), wanted))
    wait_settled(600, "confirming the seeded orders", followers)

    def ask_payment(pair: tuple[Any, UUID]) -> UUID | None:
        user, order_id = pair
        view = order_queries.order(order_id)
        if view is None or view.status != "confirmed":
            return None
        orders.request_payment(order_id, actor_id=user.id, acting_customer_id=user.id)
        return order_id

    with ThreadPoolExecutor(CLIENTS) as pool:
        asked = list(pool.map(returning_connection(ask_payment), zip(wanted, placed, strict=True)))
    wait_settled(600, "projecting the seeded orders", followers)
    queues: list[list[UUID]] = [[] for _ in users]
    for index, order_id in enumerate(asked):
        if order_id is not None:
            queues[index // per_client].append(order_id)
    say(f"seeded {sum(map(len, queues))} orders awaiting payment in {time.perf_counter() - started:.1f} s")
    return queues


# The platform.


class Payer:
    """One signed-in customer on one keep-alive connection to the platform, and one to localstripe."""

    def __init__(self, port: int, token: str, orders: list[UUID], server: LocalStripe) -> None:
        self.port = port
        self.headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        self.orders = list(orders)
        self.link = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.stripe = stripe_client(server)
        self.paid: list[tuple[dict[str, Any], dict[str, Any]]] = []  # (variables, result) of finished requests
        self.latencies: list[float] = []
        self.pay_latencies: list[float] = []

    def reconnect(self) -> None:
        """A fresh keep-alive connection: the server drops idle ones (uvicorn's keep-alive timeout)."""
        self.link.close()
        self.link = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def order_pay(self, variables: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps({"query": PAY, "variables": variables})
        try:
            self.link.request("POST", "/graphql", body=body, headers=self.headers)
            response = self.link.getresponse()
        except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
            # The server closed an idle connection: sent again, safely, since the key makes it one request.
            self.reconnect()
            self.link.request("POST", "/graphql", body=body, headers=self.headers)
            response = self.link.getresponse()
        payload = response.read()
        if response.status != 200:
            raise RuntimeError(f"orderPay answered {response.status}: {payload[:300]!r}")
        answer = json.loads(payload)
        paid = (answer.get("data") or {}).get("orderPay") or {}
        if answer.get("errors") or paid.get("errors") or not paid.get("result"):
            raise RuntimeError(f"orderPay answered {answer}")
        return paid["result"]

    def pay_next(self) -> bool:
        if not self.orders:
            return False
        variables = {"orderId": str(self.orders.pop()), "key": uuid.uuid4().hex}
        started = time.perf_counter()
        result = self.order_pay(variables)
        self.pay_latencies.append((time.perf_counter() - started) * 1000)
        confirm(self.stripe, result["clientSecret"].split("_secret_")[0])
        self.latencies.append((time.perf_counter() - started) * 1000)
        self.paid.append((variables, result))
        return True

    def replay(self, rounds: list[float]) -> None:
        """OrderPay again with a finished request's key and body: the stored answer, measured."""
        variables, first = self.paid[len(rounds) % len(self.paid)]
        started = time.perf_counter()
        again = self.order_pay(variables)
        rounds.append((time.perf_counter() - started) * 1000)
        if again != first:
            raise RuntimeError(f"a replay answered {again}, not {first}")

    def close(self) -> None:
        self.link.close()


def start_followers(log: Any) -> list[subprocess.Popen]:
    return common.start_followers(FOLLOWER_PROCESSES, log)


def paid_count(order_ids: list[str]) -> int:
    from ocg.orders.models import OrderView

    return OrderView.objects.filter(id__in=order_ids, status="paid").count()


def leftovers(users: list[Any]) -> list[UUID]:
    """Bench orders still waiting for their payment (unpaid by an earlier run, or this one's spares)."""
    from ocg.orders.models import OrderView

    waiting = ("placed", "confirmed", "awaiting_payment")
    return list(
        OrderView.objects.filter(customer_id__in=[u.id for u in users], status__in=waiting).values_list("id", flat=True)
    )


def run(quick: bool) -> dict[str, Any]:
    logging.getLogger("stripe").setLevel(logging.WARNING)  # a line per SDK call would time the logging
    seconds = QUICK_SECONDS if quick else SECONDS
    replay_seconds = QUICK_REPLAY_SECONDS if quick else REPLAY_SECONDS
    call_command("migrate", verbosity=0, interactive=False)
    skus, _seed_seconds = ensure_shop()
    users = customers()
    realign_policies()
    localstripe = LocalStripe().start()
    os.environ.update(
        STRIPE_SECRET_KEY=localstripe.secret_key,
        STRIPE_API_BASE=localstripe.url,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        RATE_LIMIT_AUTH_PER_MINUTE="1000000",
    )
    redis_url = settings.REDIS_URL or "redis://127.0.0.1:6379/0"
    port = free_port()
    processes: list[subprocess.Popen] = []
    payers: list[Payer] = []
    with tempfile.TemporaryFile() as log:
        try:
            say(f"the bare Stripe SDK against localstripe: {CLIENTS} clients for {seconds:.0f} s")
            raw_cpu = CpuMeter({"provider": [localstripe.process.pid]})
            raw_per_s, raw_done = raw_provider(localstripe, seconds, raw_cpu)
            say(f"  {raw_per_s:.1f} intents created and confirmed per second")

            followers = start_followers(log)
            processes.extend(followers)
            wait_settled(600, "catching up", followers)
            stale = leftovers(users)
            if stale:
                say(f"cancelling {len(stale)} orders an earlier run left unpaid")
                cancel(stale)
                wait_settled(600, "releasing them", followers)
            per_client = math.ceil(raw_per_s * seconds * SPARE / CLIENTS) + 3
            queues = seed_orders(users, skus, per_client, followers)

            server = start_server(port, redis_url)
            processes.append(server)
            localstripe.flush()
            localstripe.register_webhook(f"http://127.0.0.1:{port}/api/payments/webhooks/stripe", WEBHOOK_SECRET)
            for user, queue in zip(users, queues, strict=True):
                payers.append(Payer(port, sign_in(port, user.email, CUSTOMER_PASSWORD), queue, localstripe))
            for payer in payers:  # warm-up: every worker and connection has served one payment
                payer.pay_next()
                payer.latencies.clear()
                payer.pay_latencies.clear()
            warmed = [variables["orderId"] for payer in payers for variables, _ in payer.paid]

            say(f"OrderPay over HTTP, then the customer confirming at Stripe: {CLIENTS} clients for {seconds:.0f} s")
            cpu = CpuMeter(
                {
                    "provider": [localstripe.process.pid],
                    "server": [server.pid],
                    "followers": [process.pid for process in followers],
                }
            )
            cpu.start()
            elapsed = run_threads(CLIENTS, seconds, lambda index: payers[index], Payer.pay_next)
            time.sleep(2.0)  # localstripe posts each event a second after it: the run's webhooks land
            wait_settled(120, "the run's payments", followers)
            cpu.stop()
            done = sum(len(payer.latencies) for payer in payers)
            exhausted = sum(1 for payer in payers if not payer.orders)
            run_orders = [v["orderId"] for payer in payers for v, _ in payer.paid if v["orderId"] not in warmed]
            say(f"  {done / elapsed:.1f} payments per second")
            paid = paid_count(run_orders)

            say(f"replaying finished OrderPay requests: one client, then {CLIENTS}, {replay_seconds:.0f} s each")
            for payer in payers:
                payer.reconnect()
                payer.replay([])  # the new connection's first request is not the replay's latency
            alone: list[float] = []
            run_threads(1, replay_seconds, lambda index: payers[0], lambda payer: payer.replay(alone) or True)
            rounds: list[list[float]] = [[] for _ in payers]
            run_threads(
                CLIENTS,
                replay_seconds,
                lambda index: (payers[index], rounds[index]),
                lambda state: state[0].replay(state[1]) or True,
            )
            unpaid = leftovers(users)
            say(f"cancelling the {len(unpaid)} seeded orders left unpaid")
            cancel(unpaid)
            wait_settled(600, "releasing their stock", followers)
        except BaseException:
            log.seek(0)
            say(log.read().decode(errors="replace")[-4000:])
            raise
        finally:
            for payer in payers:
                payer.close()
            stop_processes(processes)
            localstripe.stop()
    payments_per_s = done / elapsed
    latencies = sorted(value for payer in payers for value in payer.latencies)
    pay_latencies = sorted(value for payer in payers for value in payer.pay_latencies)
    replays = sorted(alone)
    crowded = sorted(value for replayed in rounds for value in replayed)
    return {
        "payments_per_s": round(payments_per_s, 1),
        "raw_provider_per_s": round(raw_per_s, 1),
        "ratio": round(payments_per_s / raw_per_s, 3) if raw_per_s else None,
        "replay_p99_ms": round(percentile(replays, 0.99), 2),
        "replay_p50_ms": round(percentile(replays, 0.5), 2),
        "replays": len(replays),
        "replay_p99_ms_8_clients": round(percentile(crowded, 0.99), 2),
        "replay_p50_ms_8_clients": round(percentile(crowded, 0.5), 2),
        "payment_p50_ms": round(percentile(latencies, 0.5), 1),
        "payment_p99_ms": round(percentile(latencies, 0.99), 1),
        "order_pay_p50_ms": round(percentile(pay_latencies, 0.5), 1),
        "order_pay_p99_ms": round(percentile(pay_latencies, 0.99), 1),
        "payments": done,
        "raw_payments": raw_done,
        "paid_orders": paid,
        "clients_out_of_orders": exhausted,
        "clients": CLIENTS,
        "seconds": round(elapsed, 1),
        "follower_processes": len(FOLLOWER_PROCESSES),
        # CPU per payment by process group (the platform's includes its webhooks and saga), against the SDK's.
        "cpu_ms_per_payment": cpu.per(done),
        "raw_cpu_ms_per_payment": raw_cpu.per(raw_done),
    }
