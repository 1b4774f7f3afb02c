"""The REST face of identity under /api/auth/: the same rules, status codes from the one error mapping."""

from __future__ import annotations

from ocg.identity.models import User
from tests.identity.conftest import PASSWORD, bearer


def post(client, path: str, body: dict, **headers):
    return client.post(f"/api/auth/{path}", body, content_type="application/json", **headers)


def test_the_whole_session_over_rest(client, identity):
    created = post(client, "register", {"email": "grace@example.com", "password": PASSWORD, "display_name": "Grace"})
    assert created.status_code == 201
    assert created.json()["roles"] == ["customer"]

    signed_in = post(client, "token", {"email": "grace@example.com", "password": PASSWORD})
    assert signed_in.status_code == 200
    pair = signed_in.json()
    assert set(pair) == {"access", "refresh", "access_expires_in"}

    me = client.get("/api/auth/me", **bearer(pair["access"]))
    assert me.status_code == 200
    assert me.json()["email"] == "grace@example.com"

    rotated = post(client, "token/refresh", {"refresh": pair["refresh"]})
    assert rotated.status_code == 200
    replayed = post(client, "token/refresh", {"refresh": pair["refresh"]})
    assert (replayed.status_code, replayed.json()["code"]) == (401, "token_revoked")

    signed_in_again = post(client, "token", {"email": "grace@example.com", "password": PASSWORD}).json()
    revoked = post(client, "token/revoke", {"refresh": signed_in_again["refresh"], "access": signed_in_again["access"]})
    assert revoked.status_code == 204
    assert client.get("/api/auth/me", **bearer(signed_in_again["access"])).status_code == 401

    last = post(client, "token", {"email": "grace@example.com", "password": PASSWORD}).json()
    assert post(client, "logout-everywhere", {}, **bearer(last["access"])).status_code == 204
    assert client.get("/api/auth/me", **bearer(last["access"])).json()["code"] == "token_revoked"


def test_rest_errors_use_the_shared_codes_and_statuses(client, user):
    taken = post(client, "register", {"email": "ada@example.com", "password": PASSWORD})
    taken_message = "An account with this email already exists."
    assert (taken.status_code, taken.json()) == (
        409,
        {
            "code": "email_taken",
            "message": taken_message,
            "errors": [{"field": "email", "code": "email_taken", "message": taken_message}],
        },
    )
    weak = post(client, "register", {"email": "new@example.com", "password": "short"})
    assert (weak.status_code, weak.json()["code"], weak.json()["errors"][0]["field"]) == (
        400,
        "weak_password",
        "password",
    )
    missing = post(client, "register", {"email": "new@example.com"})
    assert missing.status_code == 422
    control = post(client, "register", {"email": "new@example.com", "password": PASSWORD, "display_name": "A\x00"})
    assert (control.status_code, control.json()["code"], control.json()["errors"][0]["field"]) == (
        400,
        "invalid",
        "display_name",
    )
    wrong = post(client, "token", {"email": "ada@example.com", "password": "wrong-password-123"})
    assert (wrong.status_code, wrong.json()["code"]) == (401, "invalid_credentials")
    assert User.objects.count() == 1


def test_signed_in_endpoints_need_a_token(client, user):
    for response in (client.get("/api/auth/me"), post(client, "logout-everywhere", {})):
        assert response.status_code == 401
        assert response.json()["code"] == "unauthenticated"


def test_the_endpoints_are_documented(client):
    schema = client.get("/api/openapi.json").json()
    paths = schema["paths"]
    for path in ("register", "token", "token/refresh", "token/revoke", "logout-everywhere", "me"):
        assert f"/api/auth/{path}" in paths
    assert set(paths["/api/auth/token"]["post"]["responses"]) >= {"200", "401", "422"}
    assert set(paths["/api/auth/register"]["post"]["responses"]) >= {"201", "400", "409"}
    assert paths["/api/auth/me"]["get"]["security"] == [{"BearerAuth": []}]
