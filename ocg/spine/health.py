"""Liveness and readiness, as JSON for probes and operators.

A stalled follower makes /readyz answer 200 with `"status": "degraded"`, not 503: the web pods
still serve (reads may be stale), and taking them out of rotation for a read model would take the
whole site down. Only an unreachable database answers 503. Contexts add checks of their own
(`ContextConfig.health_checks`: a payment provider's circuit, say) under `checks`; a degraded or
failing check degrades the report the same way, it never answers 503.
"""

import json
import logging

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.module_loading import import_string

from ocg.spine import contexts
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


def context_checks() -> dict[str, dict]:
    """Every context's declared checks; one that raises reports `error` rather than failing the probe."""
    results: dict[str, dict] = {}
    for name, path in contexts.health_checks().items():
        try:
            results[name] = dict(import_string(path)())
        except Exception as error:
            logger.exception("health check %s failed", name)
            results[name] = {"status": "error", "error": f"{type(error).__name__}: {error}"[:500]}
    return results


def readiness() -> tuple[int, dict]:
    """The readiness report and its HTTP status, shared by /readyz and the admin's health page."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        projections = {name: lag(name, cls.sources) for name, cls in registered_projections().items()}
        relay = lag(RELAY_FOLLOWER, applications.names) if settings.KAFKA_BOOTSTRAP_SERVERS else None
        followers = follower_states()
    except Exception:
        logger.exception("readiness check failed")
        return 503, {"status": "unavailable", "database": "unreachable"}
    checks = context_checks()
    stalled = any(state["state"] == "stalled" for state in followers.values())
    failing = any(check.get("status") != "ok" for check in checks.values())
    return 200, {
        "status": "degraded" if stalled or failing else "ok",
        "database": "ok",
        "followers": followers,
        "projection_lag": projections,
        "relay_lag": relay,
        "checks": checks,
    }


def readyz(request):
    """The database answers; each follower's state, and how far projections and the relay trail the event store."""
    status, report = readiness()
    return JsonResponse(report, status=status)


@staff_member_required
def admin_health(request):
    """The readiness report for staff, inside the admin."""
    status, report = readiness()
    sections = ("checks", "followers")
    context = {
        **admin.site.each_context(request),
        "title": "Health",
        "status": report["status"],
        "database": report["database"],
        "sections": [
            (section, [(name, entry.get("status") or entry.get("state"), _pretty(entry)) for name, entry in rows])
            for section in sections
            if (rows := sorted(report.get(section, {}).items()))
        ],
        "lag": _pretty({"projections": report.get("projection_lag"), "relay": report.get("relay_lag")}),
    }
    return render(request, "admin/spine/health.html", context, status=status)


def _pretty(value) -> str:
    return json.dumps(value, indent=2, sort_keys=True, default=str)
