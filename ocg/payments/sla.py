"""Refund deadlines (EU 2011/83/EU Art. 13: the money back within 14 days; setting REFUND_SLA_DAYS).

A beat job (`signal_refund_slas`, every REFUND_SLA_CHECK_SECONDS) asks the payments application to signal
each pending refund whose at-risk moment (REFUND_SLA_AT_RISK_FRACTION of its window gone) or deadline has
come; the aggregate emits `RefundSlaAtRisk` and `RefundSlaBreached` at most once each, so running the job
again, or two copies at once, mails nobody twice. The orders' notification consumer mails staff on both.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.utils import timezone

from ocg.payments import queries
from ocg.spine.eventstore import applications

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def signal_refund_slas() -> int:
    """Signal every refund whose deadline is near or past; returns how many signals were emitted."""
    emitted = applications.get("payments").signal_refund_slas(timezone.now())
    if emitted:
        logger.info("refund SLA: %d signal(s) emitted", emitted)
    return emitted


def health() -> dict[str, Any]:
    """Pending refunds past or near their deadline, for /readyz and the admin's health page.

    A late refund is staff's work, and they are mailed about it; it does not make this process any less
    able to serve, so the check stays `ok` and carries the counts for whoever watches them.
    """
    return {"status": "ok", **queries.refund_sla_summary().as_dict()}
