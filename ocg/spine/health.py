"""Liveness and readiness, as JSON for probes and operators."""

import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse

from ocg.spine.eventstore import applications
from ocg.spine.projections import lag, registered_projections
from ocg.spine.relay import RELAY_FOLLOWER

logger = logging.getLogger(__name__)


def healthz(request):
    """The process is up and serving."""
    return JsonResponse({"status": "ok"})


def readyz(request):
    """The database answers; how far projections and the relay trail the event store."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        projections = {name: lag(name, cls.sources) for name, cls in registered_projections().items()}
        relay = lag(RELAY_FOLLOWER, applications.names) if settings.KAFKA_BOOTSTRAP_SERVERS else None
    except Exception:
        logger.exception("readiness check failed")
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse(
        {
            "status": "ok",
            "database": "ok",
            "projection_lag": projections,
            "relay_lag": relay,
        }
    )
