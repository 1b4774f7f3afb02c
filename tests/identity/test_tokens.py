"""Access tokens: what they carry, and every way a token is refused (forged with PyJWT), directly and over HTTP."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest

from ocg.identity import tokens
from ocg.identity.domain import InvalidToken
from tests.identity.conftest import bearer, claims_for, forge, new_rsa_pem


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hand_signed_hs256(claims: dict, secret: bytes) -> str:
    """HS256 signed by hand: PyJWT itself refuses a PEM key as an HMAC secret."""
    signing_input = f"{b64(json.dumps({'alg': 'HS256', 'typ': 'JWT'}).encode())}.{b64(json.dumps(claims).encode())}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def refused(token: str) -> str:
    with pytest.raises(InvalidToken) as caught:
        tokens.verify_access(token)
    return caught.value.code


def test_a_token_pair_carries_the_agreed_claims(user):
    pair = tokens.issue_token_pair(user, "password")
    assert set(pair) == {"access", "refresh", "access_expires_in"}
    assert pair["access_expires_in"] == 300
    access = tokens.verify_access(pair["access"])
    refresh = jwt.decode(pair["refresh"], options={"verify_signature": False})
    for claims, kind in ((access, "access"), (refresh, "refresh")):
        assert claims["typ"] == kind
        assert claims["sub"] == str(user.id)
        assert claims["roles"] == ["customer"]
        assert (claims["iss"], claims["aud"]) == ("ocg-webstore", "ocg-storefront")
        assert {"jti", "iat", "exp", "fam"} <= set(claims)
    assert access["fam"] == refresh["fam"]
    assert access["jti"] != refresh["jti"]
    assert refresh["exp"] - access["exp"] == 14 * 24 * 3600 - 300
    assert jwt.get_unverified_header(pair["access"])["alg"] == "HS256"


def test_a_token_we_forged_the_right_way_is_accepted(user):
    """The forging helper is faithful, so each refusal below is down to the one thing changed."""
    assert tokens.verify_access(forge(claims_for(user)))["sub"] == str(user.id)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"exp": -1}, "token_expired"),
        ({"nbf": 60}, "token_invalid"),
        ({"iat": 60}, "token_invalid"),
        ({"iss": "someone-else"}, "token_invalid"),
        ({"iss": None}, "token_invalid"),
        ({"aud": "another-audience"}, "token_invalid"),
        ({"aud": None}, "token_invalid"),
        ({"typ": "refresh"}, "token_wrong_type"),
        ({"typ": None}, "token_wrong_type"),
        ({"jti": None}, "token_invalid"),
        ({"fam": None}, "token_invalid"),
        ({"sub": None}, "token_invalid"),
        ({"sub": "not-a-uuid"}, "token_invalid"),
        ({"sub": "00000000-0000-0000-0000-000000000000"}, "token_invalid"),
        ({"exp": None}, "token_invalid"),
    ],
)
def test_bad_claims_are_refused(user, change, code):
    """Times are given relative to now: the cases are built at collection, long before they run."""
    now = int(time.time())
    change = {
        name: now + value if name in {"exp", "nbf", "iat"} and value is not None else value
        for name, value in change.items()
    }
    assert refused(forge(claims_for(user, **change))) == code


def test_the_none_algorithm_is_refused(user):
    assert refused(jwt.encode(claims_for(user), None, algorithm="none")) == "token_invalid"


def test_a_token_signed_with_another_key_is_refused(user):
    assert refused(forge(claims_for(user), key="another-secret-of-thirty-two-bytes!!")) == "token_invalid"


def test_another_hmac_algorithm_is_refused(user):
    from rest_framework_simplejwt import settings as simplejwt_settings

    key = simplejwt_settings.api_settings.SIGNING_KEY
    assert refused(forge(claims_for(user), key=key, algorithm="HS512")) == "token_invalid"


def test_an_rs256_token_is_refused_when_hs256_is_configured(user):
    assert refused(forge(claims_for(user), key=new_rsa_pem(), algorithm="RS256")) == "token_invalid"


def test_a_tampered_token_is_refused(user):
    header, payload, signature = tokens.issue_token_pair(user, "password")["access"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["roles"] = ["admin"]
    assert refused(f"{header}.{b64(json.dumps(claims).encode())}.{signature}") == "token_invalid"


@pytest.mark.parametrize("garbage", ["", "not-a-jwt", "a.b.c", "x" * 9000])
def test_garbage_is_refused(user, garbage):
    assert refused(garbage) == "token_invalid"


def test_a_refresh_token_is_not_an_access_token(user):
    pair = tokens.issue_token_pair(user, "password")
    assert refused(pair["refresh"]) == "token_wrong_type"
    with pytest.raises(InvalidToken) as caught:
        tokens.refresh(pair["access"])
    assert caught.value.code == "token_wrong_type"


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ("Bearer not-a-jwt", "token_invalid"),
        ("Bearer ", "token_invalid"),
    ],
)
def test_a_bad_bearer_header_gets_401_with_a_challenge(client, user, header, code):
    response = client.get("/api/auth/me", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert response.json() == {"code": code, "message": response.json()["message"], "errors": []}


def test_an_expired_token_gets_401_over_http_too(client, user):
    response = client.get("/graphql", **bearer(forge(claims_for(user, exp=int(time.time()) - 5))))
    assert response.status_code == 401
    assert response.json() == {
        "errors": [{"message": "The token has expired.", "extensions": {"code": "token_expired"}}]
    }


def test_a_good_token_makes_the_request_its_users(client, user):
    access = tokens.issue_token_pair(user, "password")["access"]
    response = client.get("/api/auth/me", **bearer(access))
    assert response.status_code == 200
    assert response.json() == {
        "id": str(user.id),
        "email": "ada@example.com",
        "display_name": "Ada",
        "roles": ["customer"],
    }


def test_another_scheme_is_left_alone(client, user):
    """Basic auth from a proxy in front of a staging site is not a bad bearer token."""
    response = client.get("/api/auth/me", HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz")
    assert (response.status_code, response.json()["code"]) == (401, "unauthenticated")
    assert "WWW-Authenticate" not in response


def test_without_a_header_the_session_user_stays(admin_client):
    """The admin signs in with cookies: no Authorization header, no interference."""
    assert admin_client.get("/admin/").status_code == 200


def test_jwks_is_empty_with_a_shared_secret(client):
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert response.json() == {"keys": []}


def test_a_token_verified_once_is_still_refused_once_expired_or_its_key_is_replaced(user, time_machine, rs256):
    """Verified tokens are kept per process (tokens._verified); expiry and the signing keys still decide."""
    time_machine.move_to(time.time(), tick=False)
    access = tokens.issue_token_pair(user, "password")["access"]
    assert tokens.verify_access(access)["sub"] == str(user.id)
    assert tokens.verify_access(access)["sub"] == str(user.id), "the second check comes from the kept copy"
    assert tokens._verified.cache_info().hits >= 1

    tokens.verify_access(access)["sub"] = "someone else"
    assert tokens.verify_access(access)["sub"] == str(user.id), "callers get copies, never the kept claims"

    time_machine.shift(10 * 24 * 3600)
    assert refused(access) == "token_expired"


def test_a_kept_token_is_checked_afresh_once_the_signing_key_changes(user, settings):
    from ocg.identity.jwtconfig import simple_jwt_settings
    from tests.identity.conftest import new_rsa_pem

    access = tokens.issue_token_pair(user, "password")["access"]
    assert tokens.verify_access(access)["sub"] == str(user.id)
    settings.JWT = {**settings.JWT, "PRIVATE_KEY": new_rsa_pem(), "KEY_ID": "replacement"}
    settings.SIMPLE_JWT = simple_jwt_settings(settings.JWT)
    assert refused(access) == "token_invalid"
