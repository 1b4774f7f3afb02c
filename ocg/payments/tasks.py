"""The payments context's timed jobs (Celery beat; threads of `manage.py serve` in embedded mode)."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from ocg.orders import queries as orders
from ocg.payments import queries
from ocg.payments.domain import PaymentsUnavailable
from ocg.payments.domain import payment as states
from ocg.payments.providers import get_provider
from ocg.payments.providers.base import ProviderUnavailable, WebhookEvent
from ocg.payments.sla import signal_refund_slas  # noqa: F401 - Celery finds tasks in `tasks` modules
from ocg.spine.eventstore import applications

logger = logging.getLogger(__name__)
RECONCILE_BATCH = 200
RECONCILIATION = "reconciliation"
# What the provider may say that ends a payment; anything else (still waiting on the customer) is left alone.
FINAL = frozenset({states.SUCCEEDED, states.FAILED, states.CANCELLED})
AWAITING_PAYMENT = "awaiting_payment"


@shared_task(ignore_result=True)
def send_approved_refunds() -> int:
    """Send approved refunds still not with the provider: those an outage held back, and the automatic ones
    for payments an order could not take (see ocg/payments/policies.py)."""
    sent = applications.get("payments").send_approved_refunds()
    if sent:
        logger.info("sent %d approved refund(s)", sent)
    return sent


@shared_task(ignore_result=True)
def reconcile_payments() -> dict[str, int]:
    """Ask the provider about payments still open PAYMENTS_RECONCILE_AFTER_SECONDS after they began."""
    outcomes = reconcile(timezone.now())
    if any(outcome != "pending" for outcome in outcomes):
        logger.info("reconciled payments: %s", dict(outcomes))
    return dict(outcomes)


def reconcile(now: datetime, limit: int = RECONCILE_BATCH) -> Counter[str]:
    """Finish each stale open payment as its provider says, through the command webhooks use.

    The provider's answer goes in as a notification whose id names the payment and the answer, so two runs
    (or a run and the late webhook) settle it once. A payment the provider never answered for (no intent
    recorded) was never shown to the customer, so nobody can pay it: it is cancelled, freeing the order. One
    still waiting on the customer is left, unless its order no longer awaits payment (expired, cancelled):
    then it is cancelled, at the provider too where the adapter can. A provider whose circuit is open is not
    asked again in this run, nor is one that did not answer.
    """
    payments = applications.get("payments")
    before = now - timedelta(seconds=settings.PAYMENTS_RECONCILE_AFTER_SECONDS)
    outcomes: Counter[str] = Counter()
    unavailable: set[str] = set()
    for row in queries.stale_open_payments(before, limit):
        if row.provider in unavailable:
            outcomes["unavailable"] += 1
            continue
        try:
            outcomes[reconcile_one(payments, row.id)] += 1
        except (PaymentsUnavailable, ProviderUnavailable):
            unavailable.add(row.provider)
            outcomes["unavailable"] += 1
            logger.warning("reconciliation: %s is unavailable; its payments wait for the next run", row.provider)
        except Exception:
            outcomes["error"] += 1
            logger.exception("payment %s could not be reconciled; the next run tries again", row.id)
    return outcomes


def reconcile_one(payments, payment_id) -> str:
    """Decided on the aggregate, not the read model, which may trail it."""
    payment = payments.payment(payment_id)
    if payment.status not in states.OPEN:
        return "settled"
    if payment.provider_payment_id is None:
        payments.cancel_payment(payment_id, reason="the provider never answered when it was started", actor_id=None)
        return "cancelled"
    found = get_provider(payment.provider).state(payment.provider_payment_id)
    if found.status not in FINAL:
        order = orders.order(payment.order_id)
        if order is not None and order.status != AWAITING_PAYMENT:
            # The order expired or was cancelled while the customer never paid: nobody may pay it later.
            payments.cancel_payment(payment_id, reason="abandoned: the order no longer awaits payment", actor_id=None)
            return "abandoned"
        return "pending"
    event = WebhookEvent(
        provider_event_id=f"{RECONCILIATION}:{payment.provider_payment_id}:{found.status}",
        kind=RECONCILIATION,
        provider_payment_id=payment.provider_payment_id,
        status=found.status,
        captured=found.captured,
        reason=found.reason,
    )
    return payments.handle_provider_event(payment.provider, event)
