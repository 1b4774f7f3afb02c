"""The orders context's timed jobs (Celery beat; threads of `manage.py serve` in embedded mode)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from ocg.orders import queries
from ocg.spine.eventstore import applications

logger = logging.getLogger(__name__)
BATCH = 500


@shared_task(ignore_result=True)
def expire_unpaid_orders() -> int:
    """Cancel confirmed orders still unpaid past their deadline; the inventory policy releases their stock.

    The read model only proposes candidates: the command re-checks each order itself, so an order paid or
    put into negotiation meanwhile is left alone.
    """
    now = timezone.now()
    expired = 0
    for order_id in queries.overdue_order_ids(now, limit=BATCH):
        try:
            expired += applications.get("orders").expire(order_id, now=now)
        except Exception:
            logger.exception("order %s could not be expired; the next run tries again", order_id)
    if expired:
        logger.info("expired %d unpaid order(s)", expired)
    return expired
