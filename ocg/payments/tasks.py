"""The payments context's timed jobs (Celery beat; threads of `manage.py serve` in embedded mode)."""

from __future__ import annotations

import logging

from celery import shared_task

from ocg.spine.eventstore import applications

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def send_approved_refunds() -> int:
    """Send approved refunds still not with the provider: those an outage held back, and the automatic ones
    for payments an order could not take (see ocg/payments/policies.py)."""
    sent = applications.get("payments").send_approved_refunds()
    if sent:
        logger.info("sent %d approved refund(s)", sent)
    return sent
