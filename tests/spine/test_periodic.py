"""Embedded mode runs the beat schedule in a thread: each job at its interval, a failing one does not stop the rest."""

from __future__ import annotations

import threading
import time

from celery import shared_task

from ocg.spine.periodic import run_periodic_jobs

CALLS: list[str] = []


@shared_task
def record_tick() -> None:
    CALLS.append("tick")


@shared_task
def always_fails() -> None:
    CALLS.append("fail")
    raise RuntimeError("broken job")


def test_jobs_run_at_their_interval_and_a_failure_does_not_stop_the_others(settings):
    CALLS.clear()
    settings.CELERY_BEAT_SCHEDULE = {
        "tick": {"task": f"{__name__}.record_tick", "schedule": 0.05},
        "fail": {"task": f"{__name__}.always_fails", "schedule": 0.05},
    }
    stop = threading.Event()
    thread = threading.Thread(target=run_periodic_jobs, args=(stop,), daemon=True)
    thread.start()
    time.sleep(0.4)
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert CALLS.count("tick") >= 3
    assert CALLS.count("fail") >= 3


def test_every_scheduled_task_is_known_to_a_process_that_is_no_worker(settings):
    """Embedded mode runs the beat schedule itself: each job's task must be importable by its name."""
    from ocg.celery import app
    from ocg.spine.periodic import import_tasks_modules

    import_tasks_modules()
    assert [task for entry in settings.CELERY_BEAT_SCHEDULE.values() if (task := entry["task"]) not in app.tasks] == []
