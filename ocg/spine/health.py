"""Liveness and readiness, as JSON for probes and operators.

A stalled follower makes /readyz answer 200 with `"status": "degraded"`, not 503: the web pods
still serve (reads may be stale), and taking them out of rotation for a read model would take the
whole site down. Only an unreachable database answers 503.
"""

import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse

from ocg.spine.eventstore import applications
from ocg.spine.models import FollowerStall
from ocg.spine.projections import lag, registered_projections
from ocg.spine.relay import RELAY_FOLLOWER
from ocg.spine.workers import follower_names

logger = logging.getLogger(__name__)


def healthz(request):
    """The process is up and serving."""
    return JsonResponse({"status": "ok"})


def all_follower_names() -> list[str]:
    """Every follower a deployment runs, named as the stall table and the operator commands name them."""
    return [*follower_names(), *([RELAY_FOLLOWER] if settings.KAFKA_BOOTSTRAP_SERVERS else [])]


def stall_report(stall: FollowerStall) -> dict:
    event = None
    if stall.event_position is not None:
        event = {
            "position": stall.event_position,
            "topic": stall.event_topic,
            "originator_id": str(stall.originator_id),
            "originator_version": stall.originator_version,
        }
    return {
        "state": "stalled",
        "source": stall.source or None,
        "position": stall.position,
        "event": event,
        "error": stall.error,
        "since": stall.since.isoformat(),
        "attempts": stall.attempts,
    }


def follower_states() -> dict[str, dict]:
    """`ok`, or `stalled` with where and why; a stall recorded under a name not configured here shows too."""
    states: dict[str, dict] = {name: {"state": "ok"} for name in all_follower_names()}
    for stall in FollowerStall.objects.order_by("follower"):
        states[stall.follower] = stall_report(stall)
    return states


def readyz(request):
    """The database answers; each follower's state, and how far projections and the relay trail the event store."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        projections = {name: lag(name, cls.sources) for name, cls in registered_projections().items()}
        relay = lag(RELAY_FOLLOWER, applications.names) if settings.KAFKA_BOOTSTRAP_SERVERS else None
        followers = follower_states()
    except Exception:
        logger.exception("readiness check failed")
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    stalled = any(state["state"] == "stalled" for state in followers.values())
    return JsonResponse(
        {
            "status": "degraded" if stalled else "ok",
            "database": "ok",
            "followers": followers,
            "projection_lag": projections,
            "relay_lag": relay,
        }
    )
