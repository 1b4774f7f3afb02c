"""The negotiation context's timed jobs (Celery beat; threads of `manage.py serve` in embedded mode)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from ocg.negotiation import queries
from ocg.spine.eventstore import applications
from ocg.spine.periodic import sweep

BATCH = 500


@shared_task(ignore_result=True)
def expire_proposals() -> int:
    """Record `Expired` for open proposals past their `expires_at`.

    The read model only proposes candidates: the command re-checks each negotiation, so a proposal answered or
    already expired meanwhile is left alone, and a second run records nothing twice.
    """
    now = timezone.now()
    negotiation = applications.get("negotiation")
    return sweep(
        queries.due_proposal_orders(now, limit=BATCH),
        lambda order_id: negotiation.expire(order_id, now=now),
        "proposals expired",
    )
