"""Timed jobs without a Celery beat: embedded mode (`manage.py serve` with no Redis) runs the beat
schedule (settings.CELERY_BEAT_SCHEDULE) in a thread of its own, calling each task in-process."""

from __future__ import annotations

import importlib
import importlib.util
import logging
import threading
import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from django.apps import apps
from django.conf import settings

logger = logging.getLogger(__name__)


def interval_seconds(schedule: object) -> float:
    if isinstance(schedule, timedelta):
        return schedule.total_seconds()
    if isinstance(schedule, int | float):
        return float(schedule)
    run_every = getattr(schedule, "run_every", None)  # a celery.schedules.schedule
    if isinstance(run_every, timedelta):
        return run_every.total_seconds()
    raise ValueError(f"embedded mode runs interval schedules only, not {schedule!r}")


def import_tasks_modules() -> None:
    """Each installed app's `tasks` module, as a Celery worker would import it, so its tasks are registered."""
    for config in apps.get_app_configs():
        if importlib.util.find_spec(f"{config.name}.tasks") is not None:
            importlib.import_module(f"{config.name}.tasks")


def run_periodic_jobs(stop: threading.Event) -> None:
    """Each job first runs one interval after start, then every interval, until `stop` is set."""
    from ocg.celery import app

    # A worker imports every installed app's tasks module when it starts; this process is no worker.
    import_tasks_modules()
    schedule = settings.CELERY_BEAT_SCHEDULE
    jobs = {name: (entry["task"], interval_seconds(entry["schedule"])) for name, entry in schedule.items()}
    due = {name: time.monotonic() + interval for name, (_task, interval) in jobs.items()}
    while not stop.is_set():
        now = time.monotonic()
        for name, (task, interval) in jobs.items():
            if due[name] <= now:
                due[name] = now + interval
                try:
                    app.tasks[task].apply(throw=True)
                except Exception:
                    logger.exception("periodic job %s failed; it runs again in %.0f s", name, interval)
        stop.wait(min((when - time.monotonic() for when in due.values()), default=60.0) if due else 60.0)


def sweep(candidates: Iterable[Any], command: Callable[[Any], int], what: str) -> int:
    """Runs a beat job's command on each candidate a read model proposed, and counts what it changed.

    The command re-checks each one on its aggregate, so a candidate that moved on meanwhile changes nothing.
    One that fails is logged and left for the next run: it never stops the others.
    """
    changed = 0
    for candidate in candidates:
        try:
            changed += command(candidate)
        except Exception:
            logger.exception("%s: %s failed; the next run tries again", what, candidate)
    if changed:
        logger.info("%s: %d", what, changed)
    return changed
