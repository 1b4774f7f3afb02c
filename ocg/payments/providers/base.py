"""The port every payment provider adapter implements, and what it answers.

Amounts cross it in the currency's minor units as the provider counts them (an adapter converts with its
provider's own table: for a few currencies CLDR's digits, which `Money` uses, differ from a provider's).
Every call that creates something at the provider takes our idempotency key, so a retried call creates
nothing new there. Adapters raise `ProviderError` for a refusal or an answer they cannot use, and
`ProviderUnavailable` for a timeout or an outage (what the circuit breaker counts).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from ocg.spine.domain.money import Money


class ProviderUnavailable(Exception):
    """The provider did not answer (timeout, connection refused, 5xx): the call may be retried later."""


@dataclass(frozen=True)
class StartedPayment:
    """What the provider made, and what the client needs next (never stored in events: a client secret is one)."""

    provider_payment_id: str
    needs_action: bool
    client_secret: str | None = None  # Stripe: the PaymentIntent's client secret, for Stripe.js
    approval_url: str | None = None  # PayPal: where the customer approves the order


@dataclass(frozen=True)
class ProviderPaymentState:
    """The provider's view of a payment, for reconciliation: `status` is one of ours (succeeded, failed...)."""

    provider_payment_id: str
    status: str
    captured: Money | None = None
    reason: str = ""


@dataclass(frozen=True)
class ProviderRefund:
    provider_refund_id: str
    confirmed: bool


@dataclass(frozen=True)
class WebhookEvent:
    """A verified provider notification, mapped onto our vocabulary."""

    provider_event_id: str
    kind: str  # the provider's own event type, for the audit trail
    provider_payment_id: str | None
    status: str | None = None  # succeeded / failed / requires_action / cancelled, when it says so
    captured: Money | None = None
    provider_refund_id: str | None = None
    refund_status: str | None = None  # confirmed / failed
    raw: dict[str, Any] = field(default_factory=dict)
    reason: str = ""  # why it failed or was cancelled, when the provider says


class PaymentProvider(Protocol):
    name: str

    def start(
        self, *, amount: Money, order_number: str, idempotency_key: str, metadata: dict[str, str]
    ) -> StartedPayment:
        """Create the provider's payment (a PaymentIntent, a PayPal order) for `amount`."""

    def state(self, provider_payment_id: str) -> ProviderPaymentState:
        """Ask the provider where a payment stands (reconciliation after a missed webhook)."""

    def refund(self, *, provider_payment_id: str, amount: Money, idempotency_key: str) -> ProviderRefund:
        """Send money back; `confirmed` when the provider says it is done at once."""

    def verify_webhook(self, *, body: bytes, headers: dict[str, str]) -> WebhookEvent:
        """Check the notification is the provider's (signature, timestamp tolerance) and read it; raises
        `ProviderError` for anything forged, stale or unreadable."""
