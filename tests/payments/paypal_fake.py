"""A stateful PayPal at the HTTP layer (`responses`): OAuth2 tokens, Orders v2, captures, refunds, and the
verify-webhook-signature call, answering as PayPal documents. The test plays the customer (`approve`) and
PayPal's notifier (`notification`), and can take PayPal down (`down`), make it time out (`slow`), answer
garbage (`garbage`) or decline captures (`decline_captures`)."""

from __future__ import annotations

import base64
import itertools
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
import responses

API = "https://api-m.sandbox.paypal.test"
CLIENT_ID = "test-client-id"
CLIENT_SECRET = "test-client-secret"
WEBHOOK_ID = "8PT597110X687430LKGECATA"


class FakePayPal:
    def __init__(self, mock: responses.RequestsMock) -> None:
        self.mock = mock
        self.orders: dict[str, dict[str, Any]] = {}
        self.captures: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.by_request_id: dict[tuple[str, str], tuple[int, dict]] = {}
        self.tokens: set[str] = set()
        self.token_requests = 0
        self.signatures: set[str] = set()
        self.verified_events: list[bytes] = []
        self.down = False
        self.slow = False
        self.decline_captures = False
        self.garbage = False
        self._ids = itertools.count(1)
        routes = [
            ("POST", r"/v1/oauth2/token$", self._token),
            ("POST", r"/v2/checkout/orders$", self._create),
            ("GET", r"/v2/checkout/orders/(?P<id>[^/]+)$", self._get_order),
            ("POST", r"/v2/checkout/orders/(?P<id>[^/]+)/capture$", self._capture),
            ("GET", r"/v2/payments/captures/(?P<id>[^/]+)$", self._get_capture),
            ("POST", r"/v2/payments/captures/(?P<id>[^/]+)/refund$", self._refund),
            ("POST", r"/v1/notifications/verify-webhook-signature$", self._verify),
        ]
        for method, path, handler in routes:
            mock.add_callback(method, re.compile(re.escape(API) + path), callback=self._wrap(handler, path))

    # What the test does.

    def approve(self, order_id: str) -> None:
        """The customer approves the order at PayPal."""
        order = self.orders[order_id]
        assert order["status"] == "PAYER_ACTION_REQUIRED", order["status"]
        order["status"] = "APPROVED"

    def notification(
        self, event_type: str, resource: dict, *, signed: bool = True, sent_at: datetime | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """A webhook as PayPal posts it: the body and its transmission headers."""
        event_id = f"WH-{self._new_id()}"
        body = json.dumps(
            {
                "id": event_id,
                "create_time": datetime.now(UTC).isoformat(),
                "resource_type": "checkout-order" if event_type.startswith("CHECKOUT") else "capture",
                "event_type": event_type,
                "summary": event_type.lower(),
                "resource": resource,
            },
            indent=1,  # PayPal's own spacing is not ours: the verification must get these bytes as they are
        ).encode()
        signature = base64.b64encode(f"sig-{event_id}".encode()).decode()
        if signed:
            self.signatures.add(signature)
        when = sent_at or datetime.now(UTC)
        headers = {
            "PAYPAL-AUTH-ALGO": "SHA256withRSA",
            "PAYPAL-CERT-URL": f"{API}/v1/notifications/certs/CERT-360caa42-fca2a594-ab66f33d",
            "PAYPAL-TRANSMISSION-ID": f"{self._new_id()}-transmission",
            "PAYPAL-TRANSMISSION-SIG": signature,
            "PAYPAL-TRANSMISSION-TIME": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        return body, headers

    def order_approved(self, order_id: str, **kwargs: Any) -> tuple[bytes, dict[str, str]]:
        return self.notification("CHECKOUT.ORDER.APPROVED", self.orders[order_id], **kwargs)

    def capture_completed(self, order_id: str, **kwargs: Any) -> tuple[bytes, dict[str, str]]:
        capture = self.orders[order_id]["purchase_units"][0]["payments"]["captures"][0]
        return self.notification("PAYMENT.CAPTURE.COMPLETED", self.captures[capture["id"]], **kwargs)

    def refund_completed(self, refund_id: str, **kwargs: Any) -> tuple[bytes, dict[str, str]]:
        return self.notification("PAYMENT.CAPTURE.REFUNDED", self.refunds[refund_id], **kwargs)

    def calls_to(self, path: str) -> int:
        return sum(1 for call in self.mock.calls if call.request.url.split("?")[0].endswith(path))

    # PayPal's side.

    def _new_id(self, prefix: str = "W") -> str:
        return f"{prefix}{next(self._ids):016d}"

    def _wrap(self, handler, path):
        def callback(request):
            if self.down:
                raise requests.ConnectionError("Connection refused")
            if self.slow:
                raise requests.ReadTimeout("Read timed out")
            if self.garbage:
                return 200, {"Content-Type": "text/html"}, "<html>gateway</html>"
            if not path.startswith("/v1/oauth2") and request.headers.get("Authorization", "")[7:] not in self.tokens:
                answer = {"error": "invalid_token", "error_description": "Token signature verification failed"}
                return 401, {"Content-Type": "application/json"}, json.dumps(answer)
            match = re.search(path, request.url.split("?")[0])
            request_id = request.headers.get("PayPal-Request-Id")
            if request_id and (path, request_id) in self.by_request_id:
                status, answer = self.by_request_id[(path, request_id)]
                return status, {"Content-Type": "application/json"}, json.dumps(answer)
            status, answer = handler(request, **match.groupdict())
            if request_id and status < 400:
                self.by_request_id[(path, request_id)] = (status, answer)
            return status, {"Content-Type": "application/json"}, json.dumps(answer)

        return callback

    def _token(self, request):
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if request.headers.get("Authorization") != expected or "grant_type=client_credentials" not in request.body:
            return 401, {"error": "invalid_client", "error_description": "Client Authentication failed"}
        self.token_requests += 1
        token = f"A21AA-{self._new_id('T')}"
        self.tokens.add(token)
        return 200, {"scope": "https://uri.paypal.com/services/payments", "access_token": token, "expires_in": 32400}

    def _create(self, request):
        body = json.loads(request.body)
        unit = body["purchase_units"][0]
        order_id = self._new_id("B")
        order = {
            "id": order_id,
            "intent": body["intent"],
            "status": "PAYER_ACTION_REQUIRED",
            "purchase_units": [{"reference_id": unit["reference_id"], "amount": unit["amount"]}],
            "links": [
                {"href": f"{API}/v2/checkout/orders/{order_id}", "rel": "self", "method": "GET"},
                {"href": f"https://www.sandbox.paypal.test/checkoutnow?token={order_id}", "rel": "payer-action"},
            ],
        }
        self.orders[order_id] = order
        return 200, order

    def _get_order(self, request, id):
        if id not in self.orders:
            return 404, {"name": "RESOURCE_NOT_FOUND", "message": "not found"}
        return 200, self.orders[id]

    def _capture(self, request, id):
        order = self.orders.get(id)
        if order is None:
            return 404, {"name": "RESOURCE_NOT_FOUND", "message": "not found"}
        if order["status"] == "COMPLETED":
            return 422, {"name": "UNPROCESSABLE_ENTITY", "details": [{"issue": "ORDER_ALREADY_CAPTURED"}]}
        if order["status"] != "APPROVED":
            return 422, {"name": "UNPROCESSABLE_ENTITY", "details": [{"issue": "ORDER_NOT_APPROVED"}]}
        if self.decline_captures:
            return 422, {"name": "UNPROCESSABLE_ENTITY", "details": [{"issue": "INSTRUMENT_DECLINED"}]}
        capture_id = self._new_id("C")
        capture = {
            "id": capture_id,
            "status": "COMPLETED",
            "amount": order["purchase_units"][0]["amount"],
            "supplementary_data": {"related_ids": {"order_id": id}},
            "links": [{"href": f"{API}/v2/checkout/orders/{id}", "rel": "up", "method": "GET"}],
        }
        self.captures[capture_id] = capture
        order["status"] = "COMPLETED"
        order["purchase_units"][0]["payments"] = {"captures": [capture]}
        return 201, order

    def _get_capture(self, request, id):
        if id not in self.captures:
            return 404, {"name": "RESOURCE_NOT_FOUND", "message": "not found"}
        return 200, self.captures[id]

    def _refund(self, request, id):
        capture = self.captures.get(id)
        if capture is None:
            return 404, {"name": "RESOURCE_NOT_FOUND", "message": "not found"}
        amount = json.loads(request.body)["amount"]
        refund_id = self._new_id("R")
        refund = {
            "id": refund_id,
            "status": "COMPLETED",
            "amount": amount,
            "links": [
                {"href": f"{API}/v2/payments/refunds/{refund_id}", "rel": "self", "method": "GET"},
                {"href": f"{API}/v2/payments/captures/{id}", "rel": "up", "method": "GET"},
            ],
        }
        self.refunds[refund_id] = refund
        capture["status"] = "PARTIALLY_REFUNDED"
        return 201, refund

    def _verify(self, request):
        body = request.body if isinstance(request.body, bytes) else request.body.encode()
        parsed = json.loads(body)
        missing = {"auth_algo", "cert_url", "transmission_id", "transmission_sig", "transmission_time"} - set(parsed)
        if missing or parsed.get("webhook_id") != WEBHOOK_ID:
            return 400, {"name": "VALIDATION_ERROR", "message": "Invalid request"}
        marker = b'"webhook_event": '
        self.verified_events.append(body[body.index(marker) + len(marker) : -1])
        ok = parsed["transmission_sig"] in self.signatures
        return 200, {"verification_status": "SUCCESS" if ok else "FAILURE"}


def stale(seconds: int) -> datetime:
    return datetime.now(UTC) - timedelta(seconds=seconds)
