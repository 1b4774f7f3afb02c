"""`make run` without Stripe keys: demo payments against localstripe, a local fake Stripe.

`manage.py serve` (in DEBUG) calls `start_services(base_url)`: with no STRIPE_SECRET_KEY set it starts
localstripe on a free port, points the Stripe adapter at it (a test key, a webhook secret made for this run),
labels its payments demo (`demo: true` in OrderPay's answer) and registers our webhook endpoint with it, so
a payment confirmed there comes back as a signed `payment_intent.succeeded` and the order becomes paid. With
real keys set it does nothing. No money ever moves: localstripe only keeps objects in memory.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable

from django.conf import settings

logger = logging.getLogger(__name__)

_running: dict[str, object] = {}


def start_services(base_url: str) -> Callable[[], None] | None:
    """Start localstripe for this process when Stripe is not configured; returns how to stop it."""
    if settings.STRIPE_SECRET_KEY:
        return None
    try:
        from ocg.payments.localstripe import LocalStripe
    except ImportError:  # pragma: no cover - localstripe is a dev dependency, `make install` has it
        logger.warning("localstripe is not installed: Stripe is not offered")
        return None
    server = LocalStripe().start()
    settings.STRIPE_SECRET_KEY = server.secret_key
    settings.STRIPE_API_BASE = server.url
    settings.STRIPE_WEBHOOK_SECRET = f"whsec_demo_{secrets.token_urlsafe(24)}"
    settings.STRIPE_DEMO = True
    server.register_webhook(f"{base_url}/api/payments/webhooks/stripe", settings.STRIPE_WEBHOOK_SECRET)
    _running["localstripe"] = server
    return server.stop


def banner() -> list[str]:
    server = _running.get("localstripe")
    if server is None:
        return []
    return [
        f"  demo payments       Stripe is localstripe at {server.url} (no money moves; orderPay answers demo: true)",
        "                      pay as Stripe.js would: POST /v1/payment_intents/<pi> payment_method=pm_card_visa,",
        f"                      then POST /v1/payment_intents/<pi>/confirm, with the key {server.secret_key}",
    ]
