"""Stripe through PaymentIntents, with the `stripe` SDK's StripeClient.

- One client per configuration (STRIPE_SECRET_KEY, STRIPE_API_BASE: localstripe in tests and `make run`),
  with STRIPE_TIMEOUT_SECONDS per call and no SDK retries: a retry is ours to decide, and the circuit breaker
  must see an outage as it happens.
- Amounts go in Stripe's minor units, from Stripe's own tables (its zero-decimal and three-decimal lists),
  not CLDR's: ISK, HUF or TWD are whole amounts to CLDR but two-decimal to Stripe's API.
- Our idempotency key goes to Stripe as its `Idempotency-Key`, so a retried create is the same intent there.
- Webhooks are verified with STRIPE_WEBHOOK_SECRET and STRIPE_WEBHOOK_TOLERANCE_SECONDS (the SDK's
  `WebhookSignature`, over the body exactly as received), then mapped onto `WebhookEvent`.
- A timeout, a refused connection, a 429 or a 5xx raise `ProviderUnavailable`; a refusal, or an answer that is
  not what Stripe documents (garbage), raises `ProviderError`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, ClassVar, TypeVar

import stripe
from django.conf import settings

from ocg.payments.domain.errors import PaymentsError, ProviderError
from ocg.payments.providers.base import (
    ProviderPaymentState,
    ProviderRefund,
    ProviderUnavailable,
    StartedPayment,
    WebhookEvent,
)
from ocg.spine.domain.money import InvalidMoney, Money

logger = logging.getLogger(__name__)
T = TypeVar("T")

# docs.stripe.com/currencies: amounts in these are whole units; in the three-decimal ones the last digit is 0.
ZERO_DECIMAL = frozenset(
    ["BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"]
)
THREE_DECIMAL = frozenset(["BHD", "JOD", "KWD", "OMR", "TND"])

# A PaymentIntent's status, in our words; each open one waits on the customer (card details, 3-D Secure).
INTENT_STATUSES = {
    "requires_payment_method": "requires_action",
    "requires_confirmation": "requires_action",
    "requires_action": "requires_action",
    "processing": "requires_action",
    "requires_capture": "requires_action",
    "succeeded": "succeeded",
    "canceled": "cancelled",
}
NEEDS_CUSTOMER = frozenset({"requires_payment_method", "requires_confirmation", "requires_action"})
INTENT_EVENTS = {
    "payment_intent.succeeded": "succeeded",
    "payment_intent.payment_failed": "failed",
    "payment_intent.canceled": "cancelled",
    "payment_intent.requires_action": "requires_action",
}
REFUND_EVENTS = frozenset({"refund.created", "refund.updated", "refund.failed", "charge.refund.updated"})
REFUND_STATUSES = {"succeeded": "confirmed", "failed": "failed", "canceled": "failed"}
ID_MAX_LENGTH = 255


def stripe_exponent(currency: str) -> int:
    if currency in ZERO_DECIMAL:
        return 0
    return 3 if currency in THREE_DECIMAL else 2


def to_stripe_units(amount: Money) -> int:
    """The amount as Stripe counts it; one Stripe cannot charge (a 3rd decimal it refuses) is refused here."""
    exponent = stripe_exponent(amount.currency)
    units = amount.amount.scaleb(exponent)
    if units != units.to_integral_value() or (exponent == 3 and int(units) % 10):
        places = "whole units" if exponent == 0 else f"{min(exponent, 2)} decimals"
        raise ProviderError(f"Stripe charges {amount.currency} in {places}.", field="amount")
    return int(units)


def from_stripe_units(units: Any, currency: Any) -> Money:
    if not isinstance(units, int) or isinstance(units, bool) or not isinstance(currency, str):
        raise ProviderError("Stripe answered an amount we cannot read.")
    code = currency.upper()
    try:
        return Money(Decimal(units).scaleb(-stripe_exponent(code)), code)
    except InvalidMoney as error:
        raise ProviderError("Stripe answered an amount we cannot read.") from error


def stripe_id(value: Any, prefix: str) -> str:
    if not isinstance(value, str) or not value.startswith(prefix) or len(value) > ID_MAX_LENGTH:
        raise ProviderError("Stripe answered an id we cannot read.")
    return value


def plain(obj: Any) -> Any:
    """A StripeObject as plain dicts and lists."""
    to_dict = getattr(obj, "to_dict", None)
    return to_dict() if callable(to_dict) else obj


def header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


class StripeProvider:
    name = "stripe"
    # The settings it is built from: the provider registry builds a new one when any of them changes.
    settings_names: ClassVar[tuple[str, ...]] = (
        "STRIPE_SECRET_KEY",
        "STRIPE_WEBHOOK_SECRET",
        "STRIPE_API_BASE",
        "STRIPE_TIMEOUT_SECONDS",
        "STRIPE_WEBHOOK_TOLERANCE_SECONDS",
    )

    @staticmethod
    def is_configured() -> bool:
        return bool(settings.STRIPE_SECRET_KEY)

    def __init__(
        self,
        *,
        secret_key: str | None = None,
        webhook_secret: str | None = None,
        api_base: str | None = None,
        timeout: float | None = None,
        tolerance: int | None = None,
    ) -> None:
        secret_key = secret_key or settings.STRIPE_SECRET_KEY
        if not secret_key:
            raise PaymentsError("Payments by Stripe are not offered here.", field="provider")
        self.webhook_secret = webhook_secret or settings.STRIPE_WEBHOOK_SECRET
        self.tolerance = tolerance if tolerance is not None else settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS
        api_base = api_base or settings.STRIPE_API_BASE
        self.client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_base.rstrip("/")} if api_base else None,
            http_client=stripe.RequestsClient(timeout=timeout or settings.STRIPE_TIMEOUT_SECONDS),
            max_network_retries=0,
        )

    # The port.

    def start(
        self, *, amount: Money, order_number: str, idempotency_key: str, metadata: dict[str, str]
    ) -> StartedPayment:
        units = to_stripe_units(amount)
        params = {
            "amount": units,
            "currency": amount.currency.lower(),
            "metadata": {**metadata, "order_number": order_number},
        }
        intent = self._call(
            lambda: self.client.v1.payment_intents.create(params=params, options={"idempotency_key": idempotency_key})
        )
        status = intent.get("status")
        if intent.get("amount") != units or str(intent.get("currency", "")).upper() != amount.currency:
            raise ProviderError("Stripe answered an intent for another amount.")
        if status not in INTENT_STATUSES or not isinstance(intent.get("client_secret"), str):
            raise ProviderError("Stripe answered an intent we cannot read.")
        return StartedPayment(
            provider_payment_id=stripe_id(intent.get("id"), "pi_"),
            needs_action=status in NEEDS_CUSTOMER,
            client_secret=intent["client_secret"],
        )

    def state(self, provider_payment_id: str) -> ProviderPaymentState:
        intent = self._call(lambda: self.client.v1.payment_intents.retrieve(provider_payment_id))
        return self._intent_state(plain(intent))

    def refund(self, *, provider_payment_id: str, amount: Money, idempotency_key: str) -> ProviderRefund:
        params = {"payment_intent": provider_payment_id, "amount": to_stripe_units(amount)}
        refund = self._call(
            lambda: self.client.v1.refunds.create(params=params, options={"idempotency_key": idempotency_key})
        )
        status = refund.get("status")
        if status in ("failed", "canceled"):
            raise ProviderError(f"Stripe refused the refund ({status}).")
        if status not in ("succeeded", "pending", "requires_action"):
            raise ProviderError("Stripe answered a refund we cannot read.")
        return ProviderRefund(provider_refund_id=stripe_id(refund.get("id"), "re_"), confirmed=status == "succeeded")

    def cancel(self, provider_payment_id: str) -> None:
        """Cancel an intent the customer has not paid; Stripe refuses once it succeeded (ProviderError)."""
        self._call(lambda: self.client.v1.payment_intents.cancel(provider_payment_id))

    def verify_webhook(self, *, body: bytes, headers: dict[str, str]) -> WebhookEvent:
        if not self.webhook_secret:
            raise ProviderError("Stripe webhooks are not configured here.")
        signature = header(headers, "Stripe-Signature")
        if not signature:
            raise ProviderError("A Stripe webhook carries a Stripe-Signature header.", field="Stripe-Signature")
        try:
            stripe.WebhookSignature.verify_header(body.decode("utf-8"), signature, self.webhook_secret, self.tolerance)
            event = json.loads(body)
        except stripe.SignatureVerificationError as error:
            raise ProviderError(f"The webhook's signature does not verify: {error}", field="Stripe-Signature") from None
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise ProviderError("The webhook's body is not JSON.") from None
        return self.webhook_event(event)

    # Reading Stripe's answers.

    def webhook_event(self, event: Any) -> WebhookEvent:
        if not isinstance(event, dict) or not isinstance(event.get("data"), dict):
            raise ProviderError("The webhook is not a Stripe event.")
        event_id = stripe_id(event.get("id"), "evt_")
        kind = event.get("type")
        obj = event["data"].get("object")
        if not isinstance(kind, str) or not isinstance(obj, dict):
            raise ProviderError("The webhook is not a Stripe event.")
        if kind in INTENT_EVENTS:
            state = self._intent_state(obj) if kind == "payment_intent.succeeded" else None
            return WebhookEvent(
                provider_event_id=event_id,
                kind=kind,
                provider_payment_id=stripe_id(obj.get("id"), "pi_"),
                status=INTENT_EVENTS[kind],
                captured=state.captured if state else None,
                reason=self._failure(obj),
                raw=event,
            )
        if kind in REFUND_EVENTS:
            return WebhookEvent(
                provider_event_id=event_id,
                kind=kind,
                provider_payment_id=self._intent_of(obj),
                provider_refund_id=stripe_id(obj.get("id"), "re_"),
                refund_status=REFUND_STATUSES.get(obj.get("status")),
                raw=event,
            )
        if kind == "charge.refunded":
            refunds = (obj.get("refunds") or {}).get("data") or []
            latest = max(
                (r for r in refunds if isinstance(r, dict) and r.get("status") == "succeeded"),
                key=lambda r: r.get("created") or 0,
                default=None,
            )
            return WebhookEvent(
                provider_event_id=event_id,
                kind=kind,
                provider_payment_id=self._intent_of(obj),
                provider_refund_id=stripe_id(latest.get("id"), "re_") if latest else None,
                refund_status="confirmed" if latest else None,
                raw=event,
            )
        return WebhookEvent(provider_event_id=event_id, kind=kind[:100], provider_payment_id=None, raw=event)

    def _intent_state(self, intent: Any) -> ProviderPaymentState:
        if not isinstance(intent, dict) or intent.get("status") not in INTENT_STATUSES:
            raise ProviderError("Stripe answered an intent we cannot read.")
        status = INTENT_STATUSES[intent["status"]]
        captured = None
        if status == "succeeded":
            received = intent.get("amount_received")
            units = received if received is not None else intent.get("amount")
            captured = from_stripe_units(units, intent.get("currency"))
        return ProviderPaymentState(
            provider_payment_id=stripe_id(intent.get("id"), "pi_"),
            status=status,
            captured=captured,
            reason=self._failure(intent),
        )

    @staticmethod
    def _failure(intent: dict[str, Any]) -> str:
        error = intent.get("last_payment_error")
        if isinstance(error, dict):
            return str(error.get("message") or error.get("code") or "")[:500]
        reason = intent.get("cancellation_reason")
        return str(reason)[:500] if reason else ""

    @staticmethod
    def _intent_of(obj: dict[str, Any]) -> str | None:
        intent = obj.get("payment_intent")
        if isinstance(intent, dict):
            intent = intent.get("id")
        return stripe_id(intent, "pi_") if intent is not None else None

    @staticmethod
    def _call(request: Callable[[], Any]) -> dict[str, Any]:
        """One call to Stripe, its answer as a plain dict; Stripe's errors as the port's."""
        try:
            answer = plain(request())
        except (stripe.APIConnectionError, stripe.RateLimitError) as error:
            raise ProviderUnavailable(f"Stripe did not answer: {error.user_message or error}") from error
        except stripe.APIError as error:
            if (error.http_status or 0) >= 500:
                raise ProviderUnavailable(f"Stripe is failing ({error.http_status}).") from error
            raise ProviderError("Stripe answered something we cannot read.") from error
        except stripe.StripeError as error:
            if (error.http_status or 0) >= 500:
                raise ProviderUnavailable(f"Stripe is failing ({error.http_status}).") from error
            raise ProviderError(f"Stripe refused: {error.user_message or error}") from error
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            raise ProviderError("Stripe answered something we cannot read.") from error
        if not isinstance(answer, dict):
            raise ProviderError("Stripe answered something we cannot read.")
        return answer
