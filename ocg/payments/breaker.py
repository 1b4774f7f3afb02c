"""A circuit breaker per payment provider (pybreaker), its state shared by every process through Redis.

After PAYMENTS_BREAKER_FAILURES consecutive outages (`ProviderUnavailable`: a timeout, a refused connection, a
5xx) the circuit opens: calls then fail at once with `PaymentsUnavailable` (503 `payments_unavailable`, with
Retry-After the cool-down left) and never reach the provider. After PAYMENTS_BREAKER_RESET_SECONDS the next call
goes through as a trial: success closes the circuit, an outage opens it for another cool-down. A refusal
(`ProviderError`: a declined card, a bad request) is an answer, so it is no failure and ends a run of them.

With Redis the circuit's state lives there (pybreaker's CircuitRedisStorage), so one web worker's failures open
it for all of them and for the Celery workers; embedded mode (no Redis) keeps it in the process.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import pybreaker
import redis
from django.conf import settings
from django.utils.module_loading import import_string

from ocg.payments.domain.errors import PaymentsUnavailable
from ocg.payments.providers.base import (
    PaymentProvider,
    ProviderPaymentState,
    ProviderRefund,
    ProviderUnavailable,
    StartedPayment,
    WebhookEvent,
)
from ocg.spine.domain.money import Money

logger = logging.getLogger(__name__)
T = TypeVar("T")
NAMESPACE = "ocg:payments:breaker"


def _not_an_outage(error: BaseException) -> bool:
    return not isinstance(error, ProviderUnavailable)


class ProviderBreaker(pybreaker.CircuitBreaker):
    """pybreaker's breaker without its process-wide lock around the guarded call.

    pybreaker holds one RLock for the whole call, which would let one provider call at a time through each
    process. The state moves (open, half-open, close) still take the lock; the counters are Redis's.
    """

    def call(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return self.state.call(func, *args, **kwargs)

    def cool_down_left(self) -> float:
        opened_at = self._state_storage.opened_at
        if opened_at is None:
            return float(self.reset_timeout)
        return (opened_at.timestamp() + self.reset_timeout) - datetime.now(UTC).timestamp()

    def retry_after(self) -> int:
        """Whole seconds left of the cool-down, at least 1 (Retry-After)."""
        return max(1, math.ceil(self.cool_down_left()))


class _LogTransitions(pybreaker.CircuitBreakerListener):
    def state_change(self, cb, old_state, new_state) -> None:
        if old_state is not None and old_state.name != new_state.name:
            logger.warning("payments circuit %s: %s -> %s", cb.name, old_state.name, new_state.name)


_breakers: dict[tuple, ProviderBreaker] = {}
_lock = threading.Lock()


def _storage(name: str) -> pybreaker.CircuitBreakerStorage:
    if not settings.REDIS_URL:
        return pybreaker.CircuitMemoryStorage(pybreaker.STATE_CLOSED)
    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=0.5, socket_connect_timeout=0.5)
    # When Redis itself is away, pybreaker answers `closed`: payments go on, unguarded, rather than stop.
    return pybreaker.CircuitRedisStorage(pybreaker.STATE_CLOSED, client, namespace=f"{NAMESPACE}:{name}")


def breaker(name: str) -> ProviderBreaker:
    """The circuit of provider `name` as this process sees it (one object per provider and configuration)."""
    key = (name, settings.REDIS_URL, settings.PAYMENTS_BREAKER_FAILURES, settings.PAYMENTS_BREAKER_RESET_SECONDS)
    found = _breakers.get(key)
    if found is not None:
        return found
    with _lock:
        found = _breakers.get(key)
        if found is not None:
            return found
        try:
            storage = _storage(name)
        except redis.RedisError:
            logger.warning("payments circuit %s: Redis is unreachable, this call is not guarded", name)
            return _new_breaker(name, pybreaker.CircuitMemoryStorage(pybreaker.STATE_CLOSED))
        found = _breakers[key] = _new_breaker(name, storage)
        return found


def _new_breaker(name: str, storage: pybreaker.CircuitBreakerStorage) -> ProviderBreaker:
    return ProviderBreaker(
        fail_max=settings.PAYMENTS_BREAKER_FAILURES,
        reset_timeout=settings.PAYMENTS_BREAKER_RESET_SECONDS,
        exclude=[_not_an_outage],
        state_storage=storage,
        listeners=[_LogTransitions()],
        name=name,
        throw_new_error_on_trip=False,  # the call that trips it reports its own outage
    )


def guarded(name: str, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call the provider through its circuit; an open circuit raises `PaymentsUnavailable` at once."""
    circuit = breaker(name)
    try:
        return circuit.call(func, *args, **kwargs)
    except pybreaker.CircuitBreakerError:
        seconds = circuit.retry_after()
        raise PaymentsUnavailable(
            f"Payments by {name} are unavailable for now: try again in {seconds} seconds.",
            retry_after=seconds,
            field="provider",
        ) from None


class GuardedProvider:
    """A provider behind its circuit: the same port, every call to the provider guarded.

    `verify_webhook` is handed straight on: Stripe verifies a signature locally, and PayPal's adapter guards its
    own verification call (after checks that never reach PayPal, so a forged notification cannot reset the run
    of failures).
    """

    def __init__(self, provider: PaymentProvider) -> None:
        self.provider = provider
        self.name = provider.name

    def start(
        self, *, amount: Money, order_number: str, idempotency_key: str, metadata: dict[str, str]
    ) -> StartedPayment:
        return guarded(
            self.name,
            self.provider.start,
            amount=amount,
            order_number=order_number,
            idempotency_key=idempotency_key,
            metadata=metadata,
        )

    def state(self, provider_payment_id: str) -> ProviderPaymentState:
        return guarded(self.name, self.provider.state, provider_payment_id)

    def refund(self, *, provider_payment_id: str, amount: Money, idempotency_key: str) -> ProviderRefund:
        return guarded(
            self.name,
            self.provider.refund,
            provider_payment_id=provider_payment_id,
            amount=amount,
            idempotency_key=idempotency_key,
        )

    def verify_webhook(self, *, body: bytes, headers: dict[str, str]) -> WebhookEvent:
        return self.provider.verify_webhook(body=body, headers=headers)


def _offered(name: str) -> bool:
    from ocg.payments.providers import ADAPTERS

    configured = getattr(import_string(ADAPTERS[name]), "is_configured", None)
    return bool(configured()) if configured is not None else True


def circuit_report(name: str) -> dict[str, Any]:
    circuit = breaker(name)
    state = circuit.current_state
    report: dict[str, Any] = {
        "status": "ok" if state == pybreaker.STATE_CLOSED else "degraded",
        "state": state,
        "offered": _offered(name),
        "failures": circuit.fail_counter,
        "fail_max": circuit.fail_max,
        "reset_seconds": circuit.reset_timeout,
        "shared": bool(settings.REDIS_URL),
    }
    if state == pybreaker.STATE_OPEN:
        report["cool_down_left"] = max(0, math.ceil(circuit.cool_down_left()))  # 0: the next call is a trial
    return report


def stripe_circuit() -> dict[str, Any]:
    """/readyz and the admin's health page: Stripe's circuit (open or half-open degrades the report)."""
    return circuit_report("stripe")


def paypal_circuit() -> dict[str, Any]:
    return circuit_report("paypal")


def forget_circuits() -> None:
    """Close and forget every provider's circuit, here and in Redis: after an incident's cause is fixed, an
    operator need not wait out the cool-down (and each test starts from closed circuits)."""
    with _lock:
        _breakers.clear()
    if settings.REDIS_URL:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2)
        keys = list(client.scan_iter(f"{NAMESPACE}:*"))
        if keys:
            client.delete(*keys)
