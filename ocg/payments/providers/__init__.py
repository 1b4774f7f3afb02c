"""The provider port and its adapters (Stripe, PayPal): the application talks only to `PaymentProvider`.

`get_provider(name)` is the one way to reach an adapter: built once per configuration (an adapter lists the
settings it reads in `settings_names`, so a changed setting builds a new one) and always behind its circuit
breaker (ocg/payments/breaker.py).
"""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from ocg.payments.domain.errors import PaymentsError, PaymentsUnavailable
from ocg.payments.providers.base import PaymentProvider

ADAPTERS = {
    "stripe": "ocg.payments.providers.stripe.StripeProvider",
    "paypal": "ocg.payments.providers.paypal.PayPalProvider",
}

# Seconds a client is told to wait when a provider did not answer.
RETRY_AFTER_SECONDS = 5

_built: dict[tuple[Any, ...], PaymentProvider] = {}
_lock = threading.Lock()


def get_provider(name: str) -> PaymentProvider:
    """The adapter of provider `name`, guarded; refuses a provider that is unknown or not configured here."""
    path = ADAPTERS.get(name)
    if path is None:
        raise PaymentsError(f"The provider must be one of {', '.join(ADAPTERS)}.", field="provider")
    adapter_class = import_string(path)
    configured = getattr(adapter_class, "is_configured", None)
    if configured is not None and not configured():
        raise PaymentsError(f"Payments by {name} are not offered here.", field="provider")
    key = (name, *(getattr(settings, setting, None) for setting in getattr(adapter_class, "settings_names", ())))
    found = _built.get(key)
    if found is None:
        from ocg.payments.breaker import GuardedProvider

        with _lock:
            found = _built.get(key)
            if found is None:
                found = _built[key] = GuardedProvider(adapter_class())
    return found


def unguarded(provider: PaymentProvider) -> Any:
    """The adapter itself behind its guard, for what the port does not name (Stripe's `cancel`)."""
    return getattr(provider, "provider", provider)


def unavailable(provider: str, error: Exception) -> PaymentsUnavailable:
    return PaymentsUnavailable(
        f"{provider.capitalize()} did not answer ({error}); nothing was charged: try again shortly.",
        retry_after=RETRY_AFTER_SECONDS,
        field="provider",
    )
