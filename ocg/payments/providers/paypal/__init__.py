"""PayPal through its Orders v2 REST API: create an order (intent CAPTURE), the customer approves it at PayPal,
we capture it, and refund the capture.

- OAuth2 client credentials; the access token is kept until a minute before PayPal says it expires, and fetched
  again once when a call answers 401 (a token revoked early).
- Every call that makes something at PayPal carries a `PayPal-Request-Id`: our idempotency key for the order and
  the refund, one derived from the PayPal order id for its capture, so a retried call answers what the first made.
- The customer's approval is the instruction to take the money: `state()` of an approved order captures it (and
  so do the CHECKOUT.ORDER.APPROVED webhook and reconciliation, which both ask `state()`), then reports the
  capture. The PayPal order id is our `provider_payment_id`.
- Webhooks are verified by PayPal itself (`POST /v1/notifications/verify-webhook-signature` with our
  PAYPAL_WEBHOOK_ID and the event exactly as received), after a transmission-time tolerance check of our own.
- A timeout, a refused connection, a 429 or a 5xx raise `ProviderUnavailable` (what the circuit breaker counts);
  a refusal or an answer that is not what PayPal documents raises `ProviderError`.

The package holds the adapter (adapter.py: the port and what PayPal's answers mean) and the client it builds
on (client.py: token, request ids, errors); the names below are what the rest of the project imports.
"""

from ocg.payments.providers.paypal.adapter import (
    CAPTURE_STATUSES,
    CURRENCIES,
    HEADER_MAX_LENGTH,
    NO_DECIMALS,
    ORDER_STATUSES,
    WEBHOOK_HEADERS,
    WEBHOOK_RETRY_AFTER_SECONDS,
    PayPalProvider,
    parse_amount,
    paypal_value,
)
from ocg.payments.providers.paypal.client import PayPalClient
from ocg.payments.providers.paypal.client import _tokens as _tokens  # the token cache, which tests empty

__all__ = [
    "CAPTURE_STATUSES",
    "CURRENCIES",
    "HEADER_MAX_LENGTH",
    "NO_DECIMALS",
    "ORDER_STATUSES",
    "WEBHOOK_HEADERS",
    "WEBHOOK_RETRY_AFTER_SECONDS",
    "PayPalClient",
    "PayPalProvider",
    "parse_amount",
    "paypal_value",
]
