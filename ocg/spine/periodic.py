"""Timed jobs without a Celery beat: embedded mode (`manage.py serve` with no Redis) runs the beat
schedule (settings.CELERY_BEAT_SCHEDULE) in a thread of its own, calling each task in-process."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

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


def run_periodic_jobs(stop: threading.Event) -> None:
    """Each job first runs one interval after start, then every interval, until `stop` is set."""
    from ocg.celery import app

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
