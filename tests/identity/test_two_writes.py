"""The User row and the account's events agree after a crash at the worst moment: neither, or both.

A child process registers an account or changes its role and is killed (SIGKILL) just before
Django commits the transaction (the event already inserted), or just after. The crash switch
lives only in the child's script below: it wraps the child's own database commit.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from ocg.identity.models import User
from tests.identity.conftest import PASSWORD

CHILD = """
import os, signal, sys
import django

django.setup()
from django.db import connection
from ocg.identity import services
from ocg.identity.models import User

action, moment, email = sys.argv[1:4]
commit = connection._commit


def crash_at_commit():
    if moment == "after-commit":
        commit()
    os.kill(os.getpid(), signal.SIGKILL)


connection._commit = crash_at_commit
if action == "register":
    services.register(email, sys.argv[4])
else:
    services.grant_role(User.objects.get(email=email), "designer")
sys.exit("the child should have died at the commit")
"""


def run_child(environment: dict[str, str], action: str, moment: str, email: str) -> None:
    child = subprocess.run(
        [sys.executable, "-c", CHILD, action, moment, email, PASSWORD],
        env={**environment, "DJANGO_SETTINGS_MODULE": "ocg.settings"},
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()[-3000:]


@pytest.fixture
def postgres_child_environment(identity) -> dict[str, str]:
    """The test database, as the child's DATABASE_URL."""
    database = settings.DATABASES["default"]
    user = database.get("USER") or "postgres"
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    host, port = database.get("HOST") or "127.0.0.1", database.get("PORT") or 5432
    return {**os.environ, "DATABASE_URL": f"postgresql://{user}{password}@{host}:{port}/{database['NAME']}"}


def event_names(identity, user_id) -> list[str]:
    return [type(e).__name__ for e in identity.events.get(user_id)]


def test_a_registration_killed_before_its_commit_leaves_neither_row_nor_event(postgres_child_environment, identity):
    run_child(postgres_child_environment, "register", "before-commit", "grace@example.com")

    assert not User.objects.filter(email="grace@example.com").exists()
    assert not identity.recorder.max_notification_id()


def test_a_registration_killed_after_its_commit_leaves_both(postgres_child_environment, identity):
    run_child(postgres_child_environment, "register", "after-commit", "grace@example.com")

    grace = User.objects.get(email="grace@example.com")
    assert event_names(identity, grace.id) == ["Registered"]


def test_a_role_change_killed_before_its_commit_leaves_the_role_and_the_stream_as_they_were(
    postgres_child_environment, identity, user
):
    run_child(postgres_child_environment, "grant", "before-commit", user.email)

    user.refresh_from_db()
    assert user.role == "customer"
    assert event_names(identity, user.id) == ["Registered"]
    assert identity.repository.get(user.id).roles == {"customer"}


def test_a_role_change_killed_after_its_commit_leaves_both_changed(postgres_child_environment, identity, user):
    run_child(postgres_child_environment, "grant", "after-commit", user.email)

    user.refresh_from_db()
    assert user.role == "designer"
    assert event_names(identity, user.id) == ["Registered", "RoleRevoked", "RoleGranted"]


def test_embedded_sqlite_keeps_the_same_guarantee(tmp_path: Path):
    """Embedded mode: the account events live in Django's SQLite file, written in Django's transaction."""
    database, events = tmp_path / "ocg.sqlite3", tmp_path / "events.sqlite3"
    environment = {name: value for name, value in os.environ.items() if name not in ("REDIS_URL", "DATABASE_URL")}
    environment.update(
        DATABASE_URL=f"sqlite:///{database}", EVENT_STORE_SQLITE_PATH=str(events), OCG_VAR_DIR=str(tmp_path)
    )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        env=environment,
        cwd=Path(settings.BASE_DIR),
        check=True,
        timeout=300,
    )

    run_child(environment, "register", "after-commit", "ada@example.com")
    run_child(environment, "grant", "before-commit", "ada@example.com")
    run_child(environment, "register", "before-commit", "grace@example.com")

    with sqlite3.connect(database) as connection:
        users = connection.execute("SELECT id, email, role FROM identity_user").fetchall()
        stored = connection.execute("SELECT originator_id, originator_version FROM stored_events").fetchall()
    [(ada_id, email, role)] = users
    assert (email, role) == ("ada@example.com", "customer")
    assert stored == [(uuid.UUID(ada_id).hex, 1)]
    with sqlite3.connect(events) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        shared = connection.execute("SELECT count(*) FROM stored_events").fetchone()[0] if tables else 0
    assert shared == 0, "account events went to the shared events file"
