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

import functools
import logging
import math
import os
import subprocess
import time
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.management import call_command

from ocg.orders.bench import cancel, realign_policies, sign_in
from ocg.orders.bench.seed import ensure_shop
from ocg.payments.bench.cpu import CpuMeter
from ocg.payments.bench.payer import Payer
from ocg.payments.bench.provider import raw_provider
from ocg.payments.bench.seed import CUSTOMER_PASSWORD, customers, seed_orders, wait_settled
from ocg.payments.localstripe import LocalStripe
from ocg.spine.bench import common
from ocg.spine.bench.common import percentile, process_log, run_loops, say, start_server, stop_processes
from ocg.spine.localbroker import free_port

CLIENTS = 8
SECONDS, QUICK_SECONDS = 20.0, 5.0
REPLAY_SECONDS, QUICK_REPLAY_SECONDS = 4.0, 2.0
# Orders placed for the platform run: the provider's measured rate over the run, with this much to spare.
SPARE = 1.25
WEBHOOK_SECRET = "whsec_ocg_payments_bench"  # noqa: S105 - between this run's localstripe and server only
# The followers as deployed by default: one `run_projections` process running every policy and projection.
FOLLOWER_PROCESSES = ((),)


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
    users = customers(CLIENTS)
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
    with process_log() as log:
        try:
            say(f"the bare Stripe SDK against localstripe: {CLIENTS} clients for {seconds:.0f} s")
            raw_cpu = CpuMeter({"provider": [localstripe.process.pid]})
            raw_per_s, raw_done = raw_provider(localstripe, CLIENTS, seconds, raw_cpu)
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

            server = start_server(port, redis_url, log)
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
            elapsed = run_loops(seconds, [payer.pay_next for payer in payers])
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
            run_loops(replay_seconds, [functools.partial(payers[0].replay, alone)])
            rounds: list[list[float]] = [[] for _ in payers]
            run_loops(
                replay_seconds,
                [functools.partial(payer.replay, replayed) for payer, replayed in zip(payers, rounds, strict=True)],
            )
            unpaid = leftovers(users)
            say(f"cancelling the {len(unpaid)} seeded orders left unpaid")
            cancel(unpaid)
            wait_settled(600, "releasing their stock", followers)
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
