"""How a call reaches PayPal: the shared OAuth2 token, request ids, and each answer sorted into data,
`ProviderUnavailable` (an outage) or `ProviderError` (a refusal).

Apart from the adapter (adapter.py) so that its mapping of orders and notifications reads without the HTTP.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import requests
from django.conf import settings

from ocg.payments.domain.errors import ProviderError
from ocg.payments.providers.base import ProviderUnavailable


class _Token:
    """One access token per credentials and process, shared by every thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.value: str | None = None
        self.expires_at = 0.0


_tokens: dict[tuple[str, str], _Token] = {}
_tokens_lock = threading.Lock()


class PayPalClient:
    """The calls to PayPal, built from the PAYPAL_* settings unless given other values."""

    def __init__(
        self,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        api_base: str | None = None,
        webhook_id: str | None = None,
        timeout: float | None = None,
        return_url: str | None = None,
        cancel_url: str | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.client_id = client_id if client_id is not None else settings.PAYPAL_CLIENT_ID
        self.client_secret = client_secret if client_secret is not None else settings.PAYPAL_CLIENT_SECRET
        self.api_base = (api_base or settings.PAYPAL_API_BASE).rstrip("/")
        self.webhook_id = webhook_id if webhook_id is not None else settings.PAYPAL_WEBHOOK_ID
        self.timeout = timeout or settings.PAYPAL_TIMEOUT_SECONDS
        self.return_url = return_url or settings.PAYPAL_RETURN_URL
        self.cancel_url = cancel_url or settings.PAYPAL_CANCEL_URL
        self.session = session or requests.Session()
        with _tokens_lock:
            self._token = _tokens.setdefault((self.api_base, self.client_id or ""), _Token())

    # PayPal's own steps.

    def get_order(self, order_id: str) -> dict[str, Any]:
        return self._call("GET", f"/v2/checkout/orders/{self._path_id(order_id)}")

    def capture(self, order_id: str) -> dict[str, Any]:
        """Take the money the customer approved; the request id makes a second capture answer the first."""
        try:
            return self._call(
                "POST",
                f"/v2/checkout/orders/{self._path_id(order_id)}/capture",
                json_body={},
                request_id=f"cap-{order_id}",
            )
        except ProviderError as error:
            if getattr(error, "paypal_issue", None) == "ORDER_ALREADY_CAPTURED":
                return self.get_order(order_id)
            raise

    # HTTP.

    @staticmethod
    def _text(data: dict[str, Any], key: str) -> str:
        value = data.get(key) if isinstance(data, dict) else None
        if not isinstance(value, str) or not value or len(value) > 255:
            raise ProviderError(f"PayPal answered without a usable {key}.")
        return value

    @staticmethod
    def _path_id(value: str) -> str:
        """PayPal's ids are short and alphanumeric; anything else never goes into a URL path."""
        if not value or len(value) > 64 or not value.replace("-", "").replace("_", "").isalnum():
            raise ProviderError("Not a PayPal id.", field="provider_payment_id")
        return value

    def _access_token(self, *, renew: bool = False) -> str:
        token = self._token
        with token.lock:
            if not renew and token.value and time.monotonic() < token.expires_at:
                return token.value
            if not self.client_id or not self.client_secret:
                raise ProviderError("PayPal is not configured here (PAYPAL_CLIENT_ID, PAYPAL_CLIENT_SECRET).")
            answer = self._send(
                "POST",
                "/v1/oauth2/token",
                data={"grant_type": "client_credentials"},
                auth=(self.client_id, self.client_secret),
                headers={"Accept": "application/json"},
            )
            value = answer.get("access_token")
            if not isinstance(value, str) or not value:
                raise ProviderError("PayPal answered a token request without a token.")
            lifetime = answer.get("expires_in")
            lifetime = lifetime if isinstance(lifetime, int) and lifetime > 0 else 300
            token.value = value
            token.expires_at = time.monotonic() + max(lifetime - 60, lifetime / 2)
            return value

    def _call(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        raw_body: bytes | None = None,
        request_id: str | None = None,
    ) -> dict[str, Any]:
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if request_id:
            headers["PayPal-Request-Id"] = request_id[:108]
        if method == "POST" and path.startswith("/v2/checkout/orders"):
            headers["Prefer"] = "return=representation"
        data = raw_body if raw_body is not None else (json.dumps(json_body) if json_body is not None else None)
        for attempt in (1, 2):
            headers["Authorization"] = f"Bearer {self._access_token(renew=attempt == 2)}"
            try:
                return self._send(method, path, headers=headers, data=data)
            except _Unauthorized:
                if attempt == 2:
                    raise ProviderError("PayPal refused our credentials.") from None
        raise AssertionError("unreachable")

    def _send(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self.session.request(method, self.api_base + path, timeout=self.timeout, **kwargs)
        except requests.Timeout as error:
            raise ProviderUnavailable(f"PayPal did not answer within {self.timeout} s.") from error
        except requests.RequestException as error:
            raise ProviderUnavailable(f"PayPal could not be reached ({type(error).__name__}).") from error
        if response.status_code == 429 or response.status_code >= 500:
            raise ProviderUnavailable(f"PayPal answered {response.status_code}.")
        if response.status_code == 401 and path != "/v1/oauth2/token":
            raise _Unauthorized
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise ProviderError(f"PayPal answered {response.status_code} with something that is not its JSON.")
        if response.status_code >= 400:
            raise self._refusal(response.status_code, answer)
        return answer

    @staticmethod
    def _refusal(status: int, answer: dict[str, Any]) -> ProviderError:
        """PayPal's error name and issue, never its whole body (it may echo what we sent)."""
        name = str(answer.get("name") or answer.get("error") or "ERROR")[:60]
        details = answer.get("details") if isinstance(answer.get("details"), list) else []
        issue = str(details[0].get("issue") or "")[:60] if details and isinstance(details[0], dict) else ""
        error = ProviderError(f"PayPal refused the request ({status} {name}{': ' + issue if issue else ''}).")
        error.paypal_status = status  # type: ignore[attr-defined]
        error.paypal_issue = issue  # type: ignore[attr-defined]
        return error


class _Unauthorized(Exception):
    """A 401 on a call: the token is fetched again once."""
