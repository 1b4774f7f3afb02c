"""The provider's own limit: the bare `stripe` SDK against localstripe, as our adapter and Stripe.js use it."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import stripe

from ocg.payments.bench.cpu import CpuMeter
from ocg.payments.localstripe import LocalStripe
from ocg.spine.bench.common import run_loops

CARD = "pm_card_visa"


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


def raw_provider(server: LocalStripe, clients: int, seconds: float, meter: CpuMeter) -> tuple[float, int]:
    """Intents created as the adapter creates them and confirmed as the client does, with nothing between."""
    done = [0] * clients

    def paying(index: int) -> Callable[[], None]:
        client = stripe_client(server)

        def step() -> None:
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

        return step

    server.flush()
    meter.start()
    elapsed = run_loops(seconds, [paying(index) for index in range(clients)])
    meter.stop()
    return sum(done) / elapsed, sum(done)
