"""PayPal behind the payment provider port: start, state, refund, and notifications read as events.

What PayPal's orders, captures and refunds mean in our words; the calls themselves go through client.py.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from django.conf import settings

from ocg.payments.breaker import guarded
from ocg.payments.domain.errors import PaymentsUnavailable, ProviderError
from ocg.payments.providers.base import (
    ProviderPaymentState,
    ProviderRefund,
    ProviderUnavailable,
    StartedPayment,
    WebhookEvent,
)
from ocg.payments.providers.paypal.client import PayPalClient
from ocg.spine.domain.money import InvalidMoney, Money

# PayPal's currencies (developer.paypal.com/api/rest/reference/currency-codes); these three take no decimals.
CURRENCIES = frozenset(
    {"AUD", "BRL", "CAD", "CNY", "CZK", "DKK", "EUR", "HKD", "HUF", "ILS", "JPY", "MYR"}
    | {"MXN", "TWD", "NZD", "NOK", "PHP", "PLN", "GBP", "SGD", "SEK", "CHF", "THB", "USD"}
)
NO_DECIMALS = frozenset({"HUF", "JPY", "TWD"})

# Where a PayPal order stands, in our words; APPROVED is captured before it is reported.
ORDER_STATUSES = {
    "CREATED": "requires_action",
    "SAVED": "requires_action",
    "PAYER_ACTION_REQUIRED": "requires_action",
    "VOIDED": "cancelled",
}
CAPTURE_STATUSES = {
    "COMPLETED": "succeeded",
    "PARTIALLY_REFUNDED": "succeeded",
    "REFUNDED": "succeeded",
    "PENDING": "requires_action",  # held by PayPal (a review, an eCheck): a webhook or reconciliation finishes it
    "DECLINED": "failed",
    "FAILED": "failed",
}
WEBHOOK_HEADERS = {
    "auth_algo": "paypal-auth-algo",
    "cert_url": "paypal-cert-url",
    "transmission_id": "paypal-transmission-id",
    "transmission_sig": "paypal-transmission-sig",
    "transmission_time": "paypal-transmission-time",
}
HEADER_MAX_LENGTH = 500
WEBHOOK_RETRY_AFTER_SECONDS = 30


def paypal_value(amount: Money) -> str:
    """The amount as PayPal writes it: two decimals, none for HUF, JPY and TWD."""
    if amount.currency not in CURRENCIES:
        raise ProviderError(f"PayPal does not take payments in {amount.currency}.", field="currency")
    places = 0 if amount.currency in NO_DECIMALS else 2
    quantum = Decimal(1).scaleb(-places)
    value = amount.amount.quantize(quantum)
    if value != amount.amount:
        raise ProviderError(f"PayPal takes {amount.currency} amounts with {places} decimals.", field="amount")
    return f"{value:.{places}f}"


def parse_amount(data: Any) -> Money:
    """PayPal's `{currency_code, value}` as Money; anything else is an answer we cannot use."""
    try:
        return Money(Decimal(str(data["value"])), str(data["currency_code"]))
    except (KeyError, TypeError, InvalidOperation, InvalidMoney) as error:
        raise ProviderError("PayPal answered an amount we cannot read.") from error


class PayPalProvider(PayPalClient):
    name = "paypal"
    # The settings it is built from: the provider registry builds a new one when any of them changes.
    settings_names: ClassVar[tuple[str, ...]] = (
        "PAYPAL_CLIENT_ID",
        "PAYPAL_CLIENT_SECRET",
        "PAYPAL_API_BASE",
        "PAYPAL_WEBHOOK_ID",
        "PAYPAL_TIMEOUT_SECONDS",
        "PAYPAL_RETURN_URL",
        "PAYPAL_CANCEL_URL",
    )

    @staticmethod
    def is_configured() -> bool:
        return bool(settings.PAYPAL_CLIENT_ID and settings.PAYPAL_CLIENT_SECRET)

    # The port.

    def start(
        self, *, amount: Money, order_number: str, idempotency_key: str, metadata: dict[str, str]
    ) -> StartedPayment:
        body = {
            "intent": "CAPTURE",
            "purchase_units": [
                {
                    "reference_id": order_number[:256],
                    "custom_id": str(metadata.get("payment_id", ""))[:127] or None,
                    "description": f"Order {order_number}"[:127],
                    "amount": {"currency_code": amount.currency, "value": paypal_value(amount)},
                }
            ],
            "payment_source": {
                "paypal": {
                    "experience_context": {
                        "user_action": "PAY_NOW",
                        "shipping_preference": "NO_SHIPPING",
                        "return_url": self.return_url,
                        "cancel_url": self.cancel_url,
                    }
                }
            },
        }
        body["purchase_units"][0] = {k: v for k, v in body["purchase_units"][0].items() if v is not None}
        order = self._call("POST", "/v2/checkout/orders", json_body=body, request_id=idempotency_key)
        order_id = self._text(order, "id")
        link = next(
            (item.get("href") for item in order.get("links") or [] if item.get("rel") in ("payer-action", "approve")),
            None,
        )
        if not isinstance(link, str) or not link.startswith(("https://", "http://")):
            raise ProviderError("PayPal answered an order without its approval link.")
        return StartedPayment(provider_payment_id=order_id, needs_action=True, approval_url=link)

    def state(self, provider_payment_id: str) -> ProviderPaymentState:
        """Where the PayPal order stands; an approved one is captured first (see the package's docstring)."""
        order = self.get_order(provider_payment_id)
        if order.get("status") == "APPROVED":
            try:
                order = self.capture(provider_payment_id)
            except ProviderError as error:
                if getattr(error, "paypal_status", None) != 422:
                    raise
                # PayPal would not take the money (INSTRUMENT_DECLINED, a payer restriction): the attempt failed.
                reason = f"PayPal refused the capture ({getattr(error, 'paypal_issue', '') or 'unprocessable'})"
                return ProviderPaymentState(provider_payment_id=provider_payment_id, status="failed", reason=reason)
        return self._order_state(provider_payment_id, order)

    def refund(self, *, provider_payment_id: str, amount: Money, idempotency_key: str) -> ProviderRefund:
        capture = self._capture_of(self.get_order(provider_payment_id))
        if capture is None:
            raise ProviderError("This PayPal order has no capture to refund.", field="order_id")
        body = {"amount": {"currency_code": amount.currency, "value": paypal_value(amount)}}
        refund = self._call(
            "POST",
            f"/v2/payments/captures/{self._path_id(self._text(capture, 'id'))}/refund",
            json_body=body,
            request_id=idempotency_key,
        )
        status = refund.get("status")
        if status in ("CANCELLED", "FAILED"):
            raise ProviderError(f"PayPal refused the refund ({status}).")
        return ProviderRefund(provider_refund_id=self._text(refund, "id"), confirmed=status == "COMPLETED")

    def verify_webhook(self, *, body: bytes, headers: dict[str, str]) -> WebhookEvent:
        lowered = {key.lower(): value for key, value in headers.items()}
        signed = {}
        for field, header in WEBHOOK_HEADERS.items():
            value = lowered.get(header)
            if not value or len(value) > HEADER_MAX_LENGTH:
                raise ProviderError(f"The notification lacks a valid {header.upper()} header.", field=header)
            signed[field] = value
        self._check_transmission_time(signed["transmission_time"])
        try:
            event = json.loads(body)
        except (ValueError, UnicodeDecodeError) as error:
            raise ProviderError("The notification is not JSON.", field="body") from error
        if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not event["id"]:
            raise ProviderError("The notification has no event id.", field="body")
        if not self.webhook_id:
            raise ProviderError("PayPal webhooks are not configured here (PAYPAL_WEBHOOK_ID).")
        # Only what reaches PayPal goes through the circuit: the checks above never count for or against it.
        try:
            return guarded(self.name, self._verified_event, body, signed, event)
        except ProviderUnavailable as error:
            # PayPal delivers the notification again later (503: it keeps it); nothing was applied.
            raise PaymentsUnavailable(
                f"PayPal could not be asked to verify this notification ({error}).",
                retry_after=WEBHOOK_RETRY_AFTER_SECONDS,
                field="provider",
            ) from error

    def _verified_event(self, body: bytes, signed: dict[str, str], event: dict[str, Any]) -> WebhookEvent:
        # PayPal checks the signature over the event as it sent it: pass the received bytes, never a re-encoding.
        prefix = {**signed, "webhook_id": self.webhook_id}
        payload = json.dumps(prefix)[:-1].encode() + b', "webhook_event": ' + body + b"}"
        answer = self._call("POST", "/v1/notifications/verify-webhook-signature", raw_body=payload)
        if answer.get("verification_status") != "SUCCESS":
            raise ProviderError("The notification's signature does not verify.", field="signature")
        return self._webhook_event(event)

    # Mapping.

    def _order_state(self, order_id: str, order: dict[str, Any]) -> ProviderPaymentState:
        status = order.get("status")
        if status == "COMPLETED":
            capture = self._capture_of(order)
            if capture is None:
                raise ProviderError("PayPal answered a completed order without a capture.")
            ours = CAPTURE_STATUSES.get(capture.get("status"))
            if ours is None:
                raise ProviderError("PayPal answered a capture status we do not know.")
            captured = parse_amount(capture.get("amount")) if ours == "succeeded" else None
            reason = "" if ours != "failed" else f"PayPal capture {capture.get('status', '').lower()}"
            return ProviderPaymentState(provider_payment_id=order_id, status=ours, captured=captured, reason=reason)
        ours = ORDER_STATUSES.get(status)  # type: ignore[arg-type]
        if ours is None:
            raise ProviderError("PayPal answered an order status we do not know.")
        reason = "PayPal order voided" if ours == "cancelled" else ""
        return ProviderPaymentState(provider_payment_id=order_id, status=ours, reason=reason)

    @staticmethod
    def _capture_of(order: dict[str, Any]) -> dict[str, Any] | None:
        try:
            captures = order["purchase_units"][0]["payments"]["captures"]
        except (KeyError, IndexError, TypeError):
            return None
        return captures[0] if isinstance(captures, list) and captures and isinstance(captures[0], dict) else None

    def _webhook_event(self, event: dict[str, Any]) -> WebhookEvent:
        kind = str(event.get("event_type") or "")[:100]
        resource = event.get("resource") if isinstance(event.get("resource"), dict) else {}
        base = WebhookEvent(provider_event_id=event["id"][:255], kind=kind, provider_payment_id=None, raw=event)
        if kind == "CHECKOUT.ORDER.APPROVED":
            order_id = self._text(resource, "id")
            # The approval's consequence (the capture) is what we record: state() takes it and reports it.
            found = self.state(order_id)
            return replace(base, provider_payment_id=order_id, status=found.status, captured=found.captured)
        if kind in ("PAYMENT.CAPTURE.COMPLETED", "PAYMENT.CAPTURE.DENIED"):
            order_id = self._related_order(resource)
            if kind == "PAYMENT.CAPTURE.COMPLETED":
                return replace(
                    base,
                    provider_payment_id=order_id,
                    status="succeeded",
                    captured=parse_amount(resource.get("amount")),
                )
            return replace(base, provider_payment_id=order_id, status="failed")
        if kind == "PAYMENT.CAPTURE.REFUNDED":
            # The resource is the refund; its `up` link names the capture, whose order is ours.
            refund_id = self._text(resource, "id")
            capture_id = self._up_capture(resource)
            order_id = self._related_order(resource, capture_id=capture_id)
            status = {"COMPLETED": "confirmed", "FAILED": "failed", "CANCELLED": "failed"}.get(resource.get("status"))
            return replace(base, provider_payment_id=order_id, provider_refund_id=refund_id, refund_status=status)
        return base  # another kind: recorded for the trail, acted on by nobody

    def _related_order(self, resource: dict[str, Any], capture_id: str | None = None) -> str:
        related = ((resource.get("supplementary_data") or {}).get("related_ids") or {}).get("order_id")
        if isinstance(related, str) and related:
            return related
        if capture_id:
            capture = self._call("GET", f"/v2/payments/captures/{self._path_id(capture_id)}")
            related = ((capture.get("supplementary_data") or {}).get("related_ids") or {}).get("order_id")
            if isinstance(related, str) and related:
                return related
        raise ProviderError("The notification does not name its PayPal order.", field="body")

    @staticmethod
    def _up_capture(resource: dict[str, Any]) -> str | None:
        for link in resource.get("links") or []:
            href = link.get("href") if isinstance(link, dict) else None
            if isinstance(link, dict) and link.get("rel") == "up" and isinstance(href, str) and "/captures/" in href:
                return href.rstrip("/").rsplit("/", 1)[-1]
        return None

    def _check_transmission_time(self, text: str) -> None:
        try:
            sent = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError as error:
            raise ProviderError("The notification's transmission time is unreadable.", field="timestamp") from error
        if sent.tzinfo is None:
            sent = sent.replace(tzinfo=UTC)
        age = abs((datetime.now(UTC) - sent).total_seconds())
        if age > settings.PAYPAL_WEBHOOK_TOLERANCE_SECONDS:
            raise ProviderError("The notification is too old (or from the future).", field="timestamp")
