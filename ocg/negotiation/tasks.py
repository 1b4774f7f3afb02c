"""The negotiation context's timed jobs (Celery beat; threads of `manage.py serve` in embedded mode)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from ocg.negotiation import queries
from ocg.spine.eventstore import applications

logger = logging.getLogger(__name__)
BATCH = 500


@shared_task(ignore_result=True)
def expire_proposals() -> int:
    """Record `Expired` for open proposals past their `expires_at`.

    The read model only proposes candidates: the command re-checks each negotiation, so a proposal answered or
    already expired meanwhile is left alone, and a second run records nothing twice.
    """
    now = timezone.now()
    expired = 0
    for order_id in queries.due_proposal_orders(now, limit=BATCH):
        try:
            expired += applications.get("negotiation").expire(order_id, now=now)
        except Exception:
            logger.exception("the proposal on order %s could not be expired; the next run tries again", order_id)
    if expired:
        logger.info("expired %d proposal(s)", expired)
    return expired
