"""The panel's pages and its cookie sign-in: who may drive them, what the cookie is, and the CSP."""

from __future__ import annotations

import json

import pytest

from ocg.identity.browser_session import COOKIE_NAME, COOKIE_PATH
from ocg.identity.models import Role, User
from tests.orders.api_support import PASSWORD

SITE = "http://testserver"
ME = '{"query": "{ me { email } }"}'


@pytest.fixture
def cleo(db, settings) -> User:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.RATE_LIMITS = {scope: (100_000, window) for scope, (_limit, window) in settings.RATE_LIMITS.items()}
    return User.objects.create_user("cleo-panel@example.com", PASSWORD, role=Role.CUSTOMER)


def post(client, path: str, body: object = None, origin: str | None = SITE, **extra):
    headers = {"HTTP_ORIGIN": origin} if origin else {}
    data = body if isinstance(body, str) else json.dumps(body or {})
    return client.post(path, data, content_type=extra.pop("content_type", "application/json"), **headers, **extra)


def sign_in(client, email: str = "cleo-panel@example.com", password: str = PASSWORD):
    return post(client, "/panel/session", {"email": email, "password": password})


def me(client, access: str):
    return client.post("/graphql", ME, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {access}")


def test_sign_in_answers_an_access_token_and_keeps_the_refresh_token_in_a_strict_httponly_cookie(client, cleo):
    response = sign_in(client)
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"access", "access_expires_in"}, "the refresh token never reaches the script"
    cookie = response.cookies[COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == COOKIE_PATH
    assert cookie["secure"], "Secure outside DEBUG"
    assert response["Cache-Control"] == "no-store"
    assert me(client, body["access"]).json()["data"]["me"]["email"] == cleo.email


def test_refresh_rotates_the_cookie_and_a_replayed_one_ends_the_session(client, cleo):
    first = sign_in(client).cookies[COOKIE_NAME].value
    refreshed = post(client, "/panel/session/refresh")
    assert refreshed.status_code == 200
    second = refreshed.cookies[COOKIE_NAME].value
    assert second != first
    assert me(client, refreshed.json()["access"]).json()["data"]["me"]["email"] == cleo.email

    client.cookies[COOKIE_NAME] = first
    replayed = post(client, "/panel/session/refresh")
    assert (replayed.status_code, replayed.json()["code"]) == (401, "token_revoked")
    assert replayed.cookies[COOKIE_NAME].value == "", "the dead cookie is cleared"
    client.cookies[COOKIE_NAME] = second
    assert post(client, "/panel/session/refresh").status_code == 401, "the whole family went"


def test_sign_out_revokes_the_refresh_token(client, cleo):
    held = sign_in(client).cookies[COOKIE_NAME].value
    assert post(client, "/panel/session/end").status_code == 200
    client.cookies[COOKIE_NAME] = held
    assert post(client, "/panel/session/refresh").status_code == 401


@pytest.mark.parametrize(
    ("why", "call", "status", "code"),
    [
        ("wrong password", lambda c: sign_in(c, password="not-the-password"), 401, "invalid_credentials"),
        ("unknown account", lambda c: sign_in(c, email="nobody@example.com"), 401, "invalid_credentials"),
        ("another site", lambda c: post(c, "/panel/session", {}, origin="https://evil.example"), 403, "foreign_origin"),
        ("no origin", lambda c: post(c, "/panel/session", {}, origin=None), 403, "foreign_origin"),
        (
            "a form post",
            lambda c: post(c, "/panel/session", "a=b", content_type="application/x-www-form-urlencoded"),
            415,
            "unsupported_media_type",
        ),
        ("not JSON", lambda c: post(c, "/panel/session", "{nope"), 400, "malformed_json"),
        ("no password", lambda c: post(c, "/panel/session", {"email": "x@example.com"}), 422, "invalid"),
        ("a list", lambda c: post(c, "/panel/session", "[]"), 422, "invalid"),
        ("no cookie", lambda c: post(c, "/panel/session/refresh"), 401, "not_signed_in"),
    ],
)
def test_refused_sign_ins_set_no_cookie(client, cleo, why, call, status, code):
    response = call(client)
    assert (response.status_code, response.json()["code"]) == (status, code), why
    assert COOKIE_NAME not in response.cookies or response.cookies[COOKIE_NAME].value == ""


def test_the_session_endpoints_take_posts_only(client, cleo):
    assert client.get("/panel/session").status_code == 405
    assert client.get("/panel/session/refresh").status_code == 405


@pytest.mark.parametrize("path", ["/panel/", "/panel/orders/", "/panel/orders/00000000-0000-4000-8000-000000000001/"])
def test_pages_are_sent_under_a_strict_csp_and_hold_no_data(client, db, settings, path):
    settings.STRIPE_API_BASE = "http://127.0.0.1:8420"
    response = client.get(path)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert b"<script>" not in response.content, "no inline script"
    stripe = "http://127.0.0.1:8420" in policy
    assert stripe == path.endswith("1/"), "Stripe's origin only on the order page"
    assert client.post(path).status_code == 405


def test_the_panels_password_sign_in_counts_as_a_sign_in_surface(cleo):
    from ocg.spine.sign_in_surfaces import surfaces

    rest = surfaces().rest
    assert rest.match("/panel/session")
    assert not rest.match("/panel/session/refresh"), "a page load is no guess"
    assert not rest.match("/panel/orders/")
