"""Contexts' own health checks, declared on their AppConfig, show in /readyz and the admin's health page."""

import pytest
from django.apps import apps


def ok_check() -> dict:
    return {"status": "ok", "detail": {"answered": True}}


def degraded_check() -> dict:
    return {"status": "degraded", "reason": "circuit open"}


def broken_check() -> dict:
    raise RuntimeError("the check itself failed")


@pytest.fixture
def declared(monkeypatch):
    """Declares checks on one installed context for the test, as its apps.py would."""
    config = next(c for c in apps.get_app_configs() if c.label == "backoffice")

    def declare(**checks: str) -> None:
        monkeypatch.setattr(config, "health_checks", {name: f"{__name__}.{path}" for name, path in checks.items()})

    return declare


def test_an_ok_check_shows_under_checks_and_keeps_the_report_ok(client, declared, db):
    declared(sample="ok_check")
    body = client.get("/readyz").json()
    assert body["status"] == "ok"
    assert body["checks"]["sample"] == {"status": "ok", "detail": {"answered": True}}


def test_a_degraded_or_raising_check_degrades_the_report_but_never_answers_503(client, declared, db):
    declared(sample="degraded_check", other="broken_check")
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "degraded"
    assert body["checks"]["sample"] == {"status": "degraded", "reason": "circuit open"}
    assert body["checks"]["other"] == {"status": "error", "error": "RuntimeError: the check itself failed"}


def test_the_admin_health_page_shows_the_checks_to_staff_only(client, declared, django_user_model, event_store):
    declared(sample="degraded_check")
    assert client.get("/admin/health/").status_code == 302  # to the admin's sign-in
    staff = django_user_model.objects.create_user(email="ops@example.com", password="x-long-password-1", is_staff=True)
    client.force_login(staff)
    page = client.get("/admin/health/").content.decode()
    assert 'id="health-status">degraded<' in page
    assert 'data-name="sample" data-state="degraded"' in page
    assert "circuit open" in page
