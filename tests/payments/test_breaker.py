"""The circuit breaker around each provider, against a real localstripe process that the test stops and starts
again on the same port, and a Stripe that hangs: after N outages OrderPay fails fast with 503
`payments_unavailable` and Retry-After without reaching the provider, the order stays `awaiting_payment` and
nothing is charged; after the cool-down a trial call goes through and closes the circuit. The circuit's state
lives in Redis, so another process sees it, and it shows in /readyz."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pybreaker
import pytest

from ocg.payments import breaker
from ocg.payments.domain.errors import PaymentsUnavailable, ProviderError
from ocg.payments.localstripe import LocalStripe
from ocg.payments.models import PaymentView
from ocg.payments.providers.base import ProviderPaymentState, ProviderUnavailable
from ocg.spine.eventstore import applications
from tests.catalog.rest_support import bearer
from tests.orders import api_support
from tests.payments.stripe_support import WEBHOOK_SECRET, awaiting_payment, local_server, status_of, stripe_client

shop = api_support.shop
local_server = local_server
REPO = Path(__file__).resolve().parents[2]
FAILURES = 3
RESET_SECONDS = 2


@pytest.fixture
def circuits(settings):
    settings.PAYMENTS_BREAKER_FAILURES = FAILURES
    settings.PAYMENTS_BREAKER_RESET_SECONDS = RESET_SECONDS
    breaker.forget_circuits()
    yield
    breaker.forget_circuits()


@pytest.fixture
def own_stripe(settings, circuits):
    """A localstripe of this test's own, so stopping it takes nobody else's Stripe away."""
    server = LocalStripe().start()
    settings.STRIPE_SECRET_KEY = server.secret_key
    settings.STRIPE_API_BASE = server.url
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_TIMEOUT_SECONDS = 5.0
    settings.STRIPE_DEMO = False
    yield server
    server.stop()


def pay(client, user, order_id, key: str | None = None):
    started = time.monotonic()
    response = client.post(
        f"/api/payments/orders/{order_id}/pay",
        json.dumps({"provider": "stripe"}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key or str(uuid.uuid4()),
        **bearer(user),
    )
    return response, time.monotonic() - started


def intents_for_order(server: LocalStripe, order_id) -> list[str]:
    """The PaymentIntents localstripe holds for the order (our metadata names it)."""
    found = stripe_client(server).v1.payment_intents.list(params={"limit": 100}).to_dict()["data"]
    return [intent["id"] for intent in found if intent["metadata"].get("order_id") == str(order_id)]


def circuit(client, name: str = "stripe_circuit") -> dict:
    return client.get("/readyz").json()["checks"][name]


def test_stripe_down_opens_the_circuit_then_fast_503s_lose_nothing_and_it_recovers(client, shop, own_stripe):
    order_id = awaiting_payment(shop.cleo, **{"COAT-M": 1})
    own_stripe.stop()

    # Each outage is answered 503 at once (connection refused) and counted.
    for _ in range(FAILURES):
        response, _took = pay(client, shop.cleo, order_id)
        assert response.status_code == 503, response.content
        assert response.json()["code"] == "payments_unavailable"
        assert int(response["Retry-After"]) >= 1
    opened = circuit(client)
    assert opened["state"] == "open" and opened["status"] == "degraded"
    assert client.get("/readyz").json()["status"] == "degraded"

    # Stripe is back, but the circuit does not ask it before the cool-down: fast 503s, nothing made there.
    own_stripe.start()
    response, took = pay(client, shop.cleo, order_id)
    assert response.status_code == 503 and response.json()["code"] == "payments_unavailable"
    assert 1 <= int(response["Retry-After"]) <= RESET_SECONDS
    assert took < 0.5
    assert intents_for_order(own_stripe, order_id) == []
    assert status_of(order_id) == "awaiting_payment"
    payments = applications.get("payments")
    held = [payments.payment(row.id) for row in PaymentView.objects.filter(order_id=order_id)]
    assert all(p.provider_payment_id is None and p.status in ("created", "cancelled") for p in held)

    # After the cool-down a trial call goes through, the circuit closes, and the order can be paid.
    time.sleep(RESET_SECONDS + 0.5)
    response, _took = pay(client, shop.cleo, order_id)
    assert response.status_code == 200, response.content
    assert response.json()["client_secret"]
    assert circuit(client)["state"] == "closed"
    assert intents_for_order(own_stripe, order_id) == [
        payments.payment(uuid.UUID(response.json()["payment_id"])).provider_payment_id
    ]
    assert status_of(order_id) == "awaiting_payment"


def test_timeouts_count_and_the_open_circuit_answers_without_waiting(client, shop, settings, circuits, local_server):
    hanging = local_server(lambda handler: time.sleep(3))
    settings.STRIPE_SECRET_KEY = "sk_test_ocg_hanging"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = hanging.url
    settings.STRIPE_TIMEOUT_SECONDS = 0.5
    order_id = awaiting_payment(shop.cleo, **{"COAT-M": 1})

    slow = [pay(client, shop.cleo, order_id) for _ in range(FAILURES)]
    fast = [pay(client, shop.cleo, order_id) for _ in range(5)]

    assert [response.status_code for response, _ in slow + fast] == [503] * (FAILURES + 5)
    assert all(took >= 0.5 for _, took in slow)
    assert all(took < 0.3 for _, took in fast), [took for _, took in fast]
    assert hanging.requests == FAILURES
    assert status_of(order_id) == "awaiting_payment"


def test_a_failed_trial_opens_the_circuit_again_at_once(client, shop, own_stripe):
    order_id = awaiting_payment(shop.cleo, **{"COAT-M": 1})
    own_stripe.stop()
    for _ in range(FAILURES):
        pay(client, shop.cleo, order_id)
    time.sleep(RESET_SECONDS + 0.5)

    trial, _ = pay(client, shop.cleo, order_id)  # still down: one failure is enough now
    after, took = pay(client, shop.cleo, order_id)

    assert trial.status_code == 503 and after.status_code == 503
    assert circuit(client)["state"] == "open"
    assert took < 0.5 and int(after["Retry-After"]) >= 1


class Provider:
    """A provider at the port's boundary whose next answers the test scripts: an outage, a refusal, or a state."""

    name = "stripe"

    def __init__(self) -> None:
        self.calls = 0
        self.answers: list[str] = []

    def state(self, provider_payment_id: str) -> ProviderPaymentState:
        self.calls += 1
        answer = self.answers.pop(0)
        if answer == "down":
            raise ProviderUnavailable("connection refused")
        if answer == "refused":
            raise ProviderError("No such payment_intent")
        return ProviderPaymentState(provider_payment_id=provider_payment_id, status="succeeded")


def ask(guarded: breaker.GuardedProvider, times: int) -> list[str]:
    outcomes = []
    for _ in range(times):
        try:
            guarded.state("pi_1")
            outcomes.append("ok")
        except ProviderUnavailable:
            outcomes.append("down")
        except PaymentsUnavailable:
            outcomes.append("open")
        except ProviderError:
            outcomes.append("refused")
    return outcomes


def test_a_refusal_is_no_outage_and_ends_a_run_of_them(circuits):
    provider = Provider()
    guarded = breaker.GuardedProvider(provider)
    provider.answers = ["down", "down", "refused", "down", "down", "ok", "down", "down", "down", "never asked"]

    outcomes = ask(guarded, 10)

    assert outcomes == ["down", "down", "refused", "down", "down", "ok", "down", "down", "down", "open"]
    assert provider.calls == 9
    assert breaker.breaker("stripe").current_state == pybreaker.STATE_OPEN


def test_the_circuit_is_shared_with_other_processes_through_redis(circuits, settings):
    provider = Provider()
    provider.answers = ["down"] * FAILURES
    ask(breaker.GuardedProvider(provider), FAILURES)

    seen = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, json; django.setup(); from ocg.payments import breaker; "
            "print(json.dumps(breaker.circuit_report('stripe')))",
        ],
        cwd=REPO,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "ocg.settings",
            "REDIS_URL": settings.REDIS_URL,
            "PAYMENTS_BREAKER_FAILURES": str(FAILURES),
            "PAYMENTS_BREAKER_RESET_SECONDS": str(RESET_SECONDS),
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    report = json.loads(seen.stdout.strip().splitlines()[-1])
    assert report["state"] == "open" and report["shared"] is True and report["status"] == "degraded"
    assert report["failures"] >= FAILURES


def test_without_redis_the_circuit_lives_in_the_process(circuits, settings):
    settings.REDIS_URL = None
    provider = Provider()
    provider.answers = ["down"] * FAILURES
    outcomes = ask(breaker.GuardedProvider(provider), FAILURES + 1)
    assert outcomes == ["down"] * FAILURES + ["open"]
    assert breaker.circuit_report("stripe")["shared"] is False


def test_the_admin_health_page_shows_each_circuit(client, circuits, event_store, django_user_model):
    provider = Provider()
    provider.answers = ["down"] * FAILURES
    ask(breaker.GuardedProvider(provider), FAILURES)
    staff = django_user_model.objects.create_user(email="ops@example.com", password="x-long-password-1", is_staff=True)
    client.force_login(staff)

    page = client.get("/admin/health/").content.decode()

    assert 'data-name="stripe_circuit" data-state="degraded"' in page
    assert 'data-name="paypal_circuit" data-state="ok"' in page
    assert "&quot;state&quot;: &quot;open&quot;" in page
