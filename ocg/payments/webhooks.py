"""Provider webhooks: POST /api/payments/webhooks/stripe and /api/payments/webhooks/paypal.

No account signs these requests: the provider's signature is the credential. The body is read raw
(`request.body`, the exact bytes the provider signed; nothing parses and re-serialises it before the check)
and handed with the headers to the adapter's `verify_webhook`: Stripe's signing secret and timestamp
tolerance, PayPal's verify-webhook-signature call. Only then is the event applied, once per provider event id
(`Payment.record_provider_event`), so a replayed or twice-delivered notification changes nothing.

What the provider sees, as it expects: 200 for any verified event, whether it changed something, repeated one
already applied, or concerns a payment this shop does not know (so the provider stops sending it); 400
`webhook_invalid` for a forged, stale or unreadable one; 409 when the event contradicts the payment (it is
logged, and the provider's retries find it again once someone has looked); 503 while the event store is
unavailable. CSRF does not apply (/api/ views are exempt and nothing here reads a session), and these paths
are no sign-in surface, so the sign-in rate limit does not count them.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest

from ocg.payments.domain import PaymentsError, ProviderError
from ocg.payments.providers import get_provider
from ocg.spine.eventstore import applications

logger = logging.getLogger(__name__)


class WebhookRefused(PaymentsError):
    """Not the provider's notification, or not a readable one: nothing was applied."""

    code = "webhook_invalid"


def receive(provider: str, request: HttpRequest) -> dict[str, Any]:
    adapter = get_provider(provider)
    try:
        event = adapter.verify_webhook(body=request.body, headers=dict(request.headers))
    except ProviderError as error:
        logger.warning("%s webhook refused: %s", provider, error.message)
        raise WebhookRefused(error.message, field=error.field) from None
    outcome = applications.get("payments").handle_provider_event(provider, event)
    logger.info("%s webhook %s (%s): %s", provider, event.provider_event_id, event.kind, outcome)
    return {"received": True, "event_id": event.provider_event_id, "outcome": outcome}
