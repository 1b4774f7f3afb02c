"""A signed-in customer paying their orders on the platform: `orderPay` over HTTP, then the intent confirmed
at localstripe as Stripe.js would, and replays of finished requests."""

from __future__ import annotations

import http.client
import json
import time
import uuid
from typing import Any
from uuid import UUID

from ocg.payments.bench.provider import confirm, stripe_client
from ocg.payments.localstripe import LocalStripe

PAY = """mutation Pay($orderId: UUID!, $key: String!) {
  orderPay(orderId: $orderId, provider: STRIPE, idempotencyKey: $key) {
    errors { field code message } result { paymentId clientSecret status } } }"""


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
