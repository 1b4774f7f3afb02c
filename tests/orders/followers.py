"""The followers (`manage.py run_projections`) as a real process on the test database, and what to watch them by."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import connection

from ocg.spine.eventstore import applications
from ocg.spine.models import ProjectionPosition

REPO = Path(__file__).resolve().parents[2]
ALL = ("policy:catalog", "policy:orders", "orders", "catalog")


def database_url() -> str:
    """The database pytest-django made for this test process, as a URL the subprocess's settings read."""
    database = settings.DATABASES["default"]
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    return (
        f"postgresql://{database.get('USER') or 'postgres'}{password}@{database.get('HOST') or '127.0.0.1'}"
        f":{database.get('PORT') or 5432}/{database['NAME']}"
    )


def start_followers(log: Path, *names: str, **overrides: str) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "SECRET_KEY": "followers-test-secret-key-of-32-bytes-at-least",
        "ALLOWED_HOSTS": "testserver",
        "DJANGO_SETTINGS_MODULE": "ocg.settings",
        # Small pools: PostgreSQL's connections are shared with the test process (and other suites).
        "EVENT_STORE_POOL_SIZE": "1",
        "DB_POOL_MIN_SIZE": "1",
        "PYTHONUNBUFFERED": "1",
        **overrides,
    }
    environment.pop("DEBUG", None)
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "manage.py", "run_projections", *names],
            cwd=REPO,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def alive(process: subprocess.Popen, log: Path) -> bool:
    if process.poll() is not None:
        raise AssertionError(f"run_projections exited with {process.returncode}:\n{log.read_text()[-3000:]}")
    return True


def kill(process: subprocess.Popen) -> None:
    """SIGKILL: no handler runs, no transaction in progress commits."""
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


def stop(process: subprocess.Popen, log: Path) -> None:
    """SIGTERM, as a deployment stops it: the followers finish their batch and exit cleanly."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
        raise AssertionError(f"run_projections ignored SIGTERM:\n{log.read_text()[-3000:]}") from None
    assert process.returncode == 0, log.read_text()[-3000:]


def wait_until(condition: Callable[[], object], timeout: float, what: str, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def head(context: str) -> int:
    return applications.get(context).recorder.max_notification_id() or 0


def tracked(policy_context: str, source: str) -> int:
    """How far a context's policy has acted on `source`'s log (its committed tracking rows)."""
    return applications.get(f"policy:{policy_context}").recorder.max_tracking_id(source) or 0


def projected(name: str) -> int:
    row = ProjectionPosition.objects.filter(follower=name, source=name).first()
    return row.position if row else 0


def positions() -> tuple[int, ...]:
    return (tracked("catalog", "orders"), tracked("orders", "catalog"), projected("orders"), projected("catalog"))


def settled() -> bool:
    """Every follower has acted on every event, and nothing was written while this looked."""
    before = (head("orders"), head("catalog"))
    reached = positions()
    after = (head("orders"), head("catalog"))
    return before == after and reached == (after[0], after[1], after[0], after[1])


def sessions_blocked_by(backend_pid: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))", [backend_pid])
        return [pid for (pid,) in cursor.fetchall()]


def terminate(pids: list[int]) -> None:
    """End the sessions a killed process left behind (waiting on a lock, they would not notice before it goes)."""
    with connection.cursor() as cursor:
        for pid in pids:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])

        def gone() -> bool:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", [pids])
            return cursor.fetchone()[0] == 0

        wait_until(gone, 10, "the killed process's sessions to end")
