"""Refresh rotation with reuse detection, revocation, logout everywhere and disabled accounts, over HTTP."""

from __future__ import annotations

import logging

import jwt
import pytest
import redis
from django.conf import settings
from django.core.cache import cache

from ocg.identity import services, tokens
from ocg.identity.domain import InvalidToken
from tests.identity.conftest import PASSWORD, bearer, graphql

TOKEN_CREATE = """
mutation($email: String!, $password: String!) {
  tokenCreate(email: $email, password: $password) {
    result { access refresh accessExpiresIn }
    errors { field code message }
  }
}"""

TOKEN_REFRESH = """
mutation($refresh: String!) {
  tokenRefresh(refresh: $refresh) { result { access refresh accessExpiresIn } errors { field code message } }
}"""

TOKEN_REVOKE = """
mutation($refresh: String!, $access: String) {
  tokenRevoke(refresh: $refresh, access: $access) { result errors { field code message } }
}"""

LOGOUT_EVERYWHERE = "mutation { logoutEverywhere { result errors { field code message } } }"

ME = "{ me { id email roles } }"


def sign_in(client, email: str = "ada@example.com") -> dict:
    payload = graphql(client, TOKEN_CREATE, email=email, password=PASSWORD)["data"]["tokenCreate"]
    assert payload["errors"] == []
    return payload["result"]


def rotate(client, refresh: str) -> dict:
    return graphql(client, TOKEN_REFRESH, refresh=refresh)["data"]["tokenRefresh"]


def me_status(client, access: str) -> tuple[int, str | None]:
    response = client.get("/api/auth/me", **bearer(access))
    return response.status_code, response.json().get("code")


def test_refreshing_rotates_the_pair_within_its_family(client, user):
    first = sign_in(client)
    payload = rotate(client, first["refresh"])
    assert payload["errors"] == []
    second = payload["result"]
    assert second["refresh"] != first["refresh"]
    old, new = (jwt.decode(t, options={"verify_signature": False}) for t in (first["refresh"], second["refresh"]))
    assert old["fam"] == new["fam"]
    assert me_status(client, second["access"]) == (200, None)
    assert me_status(client, first["access"]) == (200, None)


def test_reusing_a_refresh_token_revokes_its_whole_family(client, user, caplog):
    first = sign_in(client)
    second = rotate(client, first["refresh"])["result"]
    third = rotate(client, second["refresh"])["result"]
    other_session = sign_in(client)

    with caplog.at_level(logging.WARNING, logger="ocg.security"):
        replay = rotate(client, first["refresh"])
    assert replay["result"] is None
    assert [e["code"] for e in replay["errors"]] == ["token_revoked"]

    assert [e["code"] for e in rotate(client, third["refresh"])["errors"]] == ["token_revoked"]
    for access in (first["access"], second["access"], third["access"]):
        assert me_status(client, access) == (401, "token_revoked")
    assert me_status(client, other_session["access"]) == (200, None)
    assert rotate(client, other_session["refresh"])["errors"] == []

    [record] = [r for r in caplog.records if r.name == "ocg.security"]
    assert record.security_event == "refresh_token_reuse"
    assert record.user_id == str(user.id)
    logged = record.getMessage() + repr(record.__dict__)
    assert all(part not in logged for t in (first, second, third) for part in t["refresh"].split(".")[1:])


def test_only_one_of_two_uses_of_a_refresh_token_rotates(user):
    """cache.add is the atomic gate: the loser of a race is treated as a replay."""
    pair = tokens.issue_token_pair(user, "password")
    tokens.refresh(pair["refresh"])
    with pytest.raises(InvalidToken):
        tokens.refresh(pair["refresh"])


def test_revoking_a_session_stops_its_refresh_and_access_tokens(client, user):
    session = sign_in(client)
    other = sign_in(client)
    payload = graphql(client, TOKEN_REVOKE, refresh=session["refresh"], access=session["access"])["data"]
    assert payload["tokenRevoke"] == {"result": True, "errors": []}
    assert me_status(client, session["access"]) == (401, "token_revoked")
    assert [e["code"] for e in rotate(client, session["refresh"])["errors"]] == ["token_revoked"]
    assert me_status(client, other["access"]) == (200, None)


def test_a_revoked_token_is_denied_only_for_the_rest_of_its_life(user):
    pair = tokens.issue_token_pair(user, "password")
    tokens.revoke(pair["access"])
    claims = jwt.decode(pair["access"], options={"verify_signature": False})
    key = cache.make_key(f"ocg:identity:denied:{claims['jti']}")
    ttl = redis.Redis.from_url(settings.REDIS_URL).ttl(key)
    assert 290 <= ttl <= 301


def test_revoking_needs_the_right_kind_of_token(client, user):
    session = sign_in(client)
    payload = graphql(client, TOKEN_REVOKE, refresh=session["access"])["data"]["tokenRevoke"]
    assert [e["code"] for e in payload["errors"]] == ["token_wrong_type"]
    assert me_status(client, session["access"]) == (200, None)


def test_logout_everywhere_ends_every_session_but_not_the_next_one(client, user):
    one, two = sign_in(client), sign_in(client)
    payload = graphql(client, LOGOUT_EVERYWHERE, token=one["access"])["data"]["logoutEverywhere"]
    assert payload == {"result": True, "errors": []}
    for session in (one, two):
        assert me_status(client, session["access"]) == (401, "token_revoked")
        assert [e["code"] for e in rotate(client, session["refresh"])["errors"]] == ["token_revoked"]
    fresh = sign_in(client)
    assert me_status(client, fresh["access"]) == (200, None)


def test_logout_everywhere_needs_a_signed_in_user(client, user):
    payload = graphql(client, LOGOUT_EVERYWHERE)["data"]["logoutEverywhere"]
    assert payload["result"] is None
    assert [e["code"] for e in payload["errors"]] == ["unauthenticated"]


def test_a_disabled_account_loses_its_tokens_and_cannot_sign_in(client, user, identity):
    session = sign_in(client)
    services.disable_account(user, "chargeback fraud")
    assert me_status(client, session["access"]) == (401, "token_revoked")
    assert [e["code"] for e in rotate(client, session["refresh"])["errors"]] == ["token_revoked"]
    payload = graphql(client, TOKEN_CREATE, email="ada@example.com", password=PASSWORD)["data"]["tokenCreate"]
    assert [e["code"] for e in payload["errors"]] == ["invalid_credentials"]
    assert [type(e).__name__ for e in identity.events.get(user.id)][-1] == "Disabled"


def test_a_user_switched_off_in_the_admin_is_refused_at_once(client, user):
    """is_active alone, without a not-before time, already refuses the token."""
    session = sign_in(client)
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    assert me_status(client, session["access"]) == (401, "token_revoked")
    response = client.post("/graphql", {"query": ME}, content_type="application/json", **bearer(session["access"]))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_a_new_password_ends_the_sessions_of_the_old_one(client, user, identity):
    session = sign_in(client)
    services.change_password(user, "another-long-passphrase-7", old_password=PASSWORD)
    assert me_status(client, session["access"]) == (401, "token_revoked")
    assert [type(e).__name__ for e in identity.events.get(user.id)][-1] == "PasswordChanged"
    payload = graphql(client, TOKEN_CREATE, email="ada@example.com", password="another-long-passphrase-7")
    assert payload["data"]["tokenCreate"]["errors"] == []
