"""The orders context's timed jobs (Celery beat; threads of `manage.py serve` in embedded mode)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from ocg.orders import queries
from ocg.spine.eventstore import applications
from ocg.spine.periodic import sweep

BATCH = 500


@shared_task(ignore_result=True)
def expire_unpaid_orders() -> int:
    """Cancel confirmed orders still unpaid past their deadline; the inventory policy releases their stock.

    The read model only proposes candidates: the command re-checks each order itself, so an order paid or
    put into negotiation meanwhile is left alone.
    """
    now = timezone.now()
    orders = applications.get("orders")
    return sweep(
        queries.overdue_order_ids(now, limit=BATCH),
        lambda order_id: orders.expire(order_id, now=now),
        "unpaid orders expired",
    )
