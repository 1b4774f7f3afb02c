"""What the Stripe tests share: the adapter pointed at localstripe, orders brought to `awaiting_payment` by
the real saga, the customer's side at localstripe, signed webhooks, and small local HTTP servers standing in
for a Stripe that hangs, answers garbage or is held at a gate."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from uuid import UUID

import pytest
import requests
import stripe

from ocg.identity.models import User
from ocg.orders.models import OrderView
from ocg.payments.models import PaymentView
from ocg.spine.eventstore import applications
from tests.orders.api_support import bearer, place
from tests.orders.shop import settle

WEBHOOK_SECRET = "whsec_ocg_test_signing_secret"
PAY = """
mutation($orderId: UUID!, $provider: PaymentProvider!, $key: String) {
  orderPay(orderId: $orderId, provider: $provider, idempotencyKey: $key) {
    errors { field code message }
    result { paymentId orderId provider status amount { amount currency } clientSecret approvalUrl demo }
  }
}
"""


@pytest.fixture
def stripe_on(localstripe, settings) -> Any:
    """Stripe offered, against the session's localstripe, with a webhook secret of the tests' own."""
    settings.STRIPE_SECRET_KEY = localstripe.secret_key
    settings.STRIPE_API_BASE = localstripe.url
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_TIMEOUT_SECONDS = 5.0
    settings.STRIPE_DEMO = False
    return localstripe


def stripe_client(localstripe: Any) -> stripe.StripeClient:
    """The customer's side and the test's eyes at localstripe (the bare SDK, no platform in between)."""
    return stripe.StripeClient(localstripe.secret_key, base_addresses={"api": localstripe.url}, max_network_retries=0)


def awaiting_payment(customer: User, **lines: int) -> UUID:
    """An order of the customer's, confirmed by the stock saga and asked to be paid, as the read side shows."""
    [order_id] = place(customer, **lines)
    settle()
    applications.get("orders").request_payment(order_id, actor_id=customer.id, acting_customer_id=customer.id)
    settle()
    assert status_of(order_id) == "awaiting_payment"
    return order_id


def status_of(order_id: UUID) -> str:
    return OrderView.objects.get(id=order_id).status


def pay(client: Any, user: User | None, order_id: UUID, key: str | None, provider: str = "STRIPE") -> Any:
    """OrderPay over HTTP; the whole response, for its status and headers."""
    return client.post(
        "/graphql",
        {"query": PAY, "variables": {"orderId": str(order_id), "provider": provider, "key": key}},
        content_type="application/json",
        **bearer(user),
    )


def paid_payload(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.content
    return response.json()["data"]["orderPay"]


def intent_of(payment_id: Any) -> str:
    return applications.get("payments").payment(UUID(str(payment_id))).provider_payment_id


def confirm_at_stripe(localstripe: Any, intent_id: str, payment_method: str = "pm_card_visa") -> Any:
    """What Stripe.js does with the client secret: a card on the intent, then confirm."""
    client = stripe_client(localstripe)
    client.v1.payment_intents.update(intent_id, params={"payment_method": payment_method})
    return client.v1.payment_intents.confirm(intent_id)


def intents_for_order(localstripe: Any, order_id: UUID) -> list[Any]:
    """Every PaymentIntent localstripe holds for the order (our metadata names it)."""
    found = stripe_client(localstripe).v1.payment_intents.list(params={"limit": 100}).auto_paging_iter()
    return [intent for intent in found if intent.to_dict()["metadata"].get("order_id") == str(order_id)]


def stripe_event(localstripe: Any, kind: str, intent_id: str) -> dict[str, Any]:
    """The event localstripe made for the intent, as it would post it."""
    events = stripe_client(localstripe).v1.events.list(params={"type": kind})
    for event in events.data:
        found = event.to_dict()
        if found["data"]["object"].get("id") == intent_id:
            return found
    raise AssertionError(f"localstripe has no {kind} event for {intent_id}")


def signed(payload: dict[str, Any] | bytes, *, at: int | None = None, secret: str = WEBHOOK_SECRET) -> dict[str, Any]:
    """The body and the Stripe-Signature header Stripe would send (`at`: the signing time, default now)."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    at = int(time.time()) if at is None else at
    signature = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return {"data": body, "content_type": "application/json", "HTTP_STRIPE_SIGNATURE": f"t={at},v1={signature}"}


def post_webhook(client: Any, payload: dict[str, Any] | bytes, **signing: Any) -> Any:
    return client.post("/api/payments/webhooks/stripe", **signed(payload, **signing))


def payment_row(payment_id: Any) -> PaymentView:
    settle()
    return PaymentView.objects.get(id=payment_id)


def wait_until(condition: Callable[[], Any], what: str, timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class LocalServer:
    """A small HTTP server on a free port of 127.0.0.1, answering with `respond(handler)`."""

    def __init__(self, respond: Callable[[BaseHTTPRequestHandler], None]) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                outer.requests += 1
                respond(self)

            do_POST = do_GET

        self.requests = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def local_server() -> Iterator[Callable[[Callable[[BaseHTTPRequestHandler], None]], LocalServer]]:
    started: list[LocalServer] = []

    def start(respond: Callable[[BaseHTTPRequestHandler], None]) -> LocalServer:
        server = LocalServer(respond)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()


def gated_proxy(target: str, gate: threading.Event, arrived: threading.Event) -> Callable[[Any], None]:
    """Forwards to `target`, but holds each PaymentIntent create at `gate` (set `arrived` when one waits)."""

    def respond(handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else None
        if handler.command == "POST" and handler.path == "/v1/payment_intents":
            arrived.set()
            gate.wait(30)
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in ("host", "content-length")}
        answer = requests.request(handler.command, target + handler.path, data=body, headers=headers, timeout=10)
        handler.send_response(answer.status_code)
        handler.send_header("Content-Type", answer.headers.get("Content-Type", "application/json"))
        handler.send_header("Content-Length", str(len(answer.content)))
        handler.end_headers()
        handler.wfile.write(answer.content)

    return respond
