"""Identity fixtures: accounts, token forging with PyJWT, HTTP helpers, RS256 configuration."""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings as django_settings

from ocg.identity.jwtconfig import simple_jwt_settings
from tests.conftest import FORBID_ORM

PASSWORD = "correct-horse-battery-9"


@pytest.fixture(autouse=True)
def generous_rate_limits(request):
    """These tests sign in far more often than a client may: the gateway's limits are tested on their own."""
    if FORBID_ORM:
        return
    settings = request.getfixturevalue("settings")
    settings.RATE_LIMITS = {scope: (100_000, window) for scope, (_limit, window) in django_settings.RATE_LIMITS.items()}


@pytest.fixture(autouse=True)
def fresh_sign_in_throttle():
    """Failed sign-ins are remembered per account for a day: each test starts with none."""
    if FORBID_ORM:
        yield
        return
    import redis

    from ocg.spine import throttle
    from ocg.spine.ratelimit import KEY_PREFIX

    def forget() -> None:
        throttle.reset()
        if django_settings.REDIS_URL:
            client = redis.Redis.from_url(django_settings.REDIS_URL)
            for key in client.scan_iter(f"{KEY_PREFIX}fail:*"):
                client.delete(key)
            client.close()

    forget()
    yield
    forget()


@pytest.fixture
def identity(event_store):
    return event_store["identity"]


@pytest.fixture
def user(identity):
    from ocg.identity import services

    return services.register("ada@example.com", PASSWORD, display_name="Ada")


def graphql(client, query: str, token: str | None = None, **variables: Any) -> dict[str, Any]:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    response = client.post(
        "/graphql", {"query": query, "variables": variables}, content_type="application/json", **headers
    )
    assert response.status_code == 200, response.content
    return response.json()


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def claims_for(user, **overrides: Any) -> dict[str, Any]:
    """The claims our access tokens carry, valid now, before overrides (None removes a claim)."""
    now = time.time()
    claims = {
        "typ": "access",
        "sub": str(user.id),
        "roles": [user.role],
        "jti": uuid.uuid4().hex,
        "fam": uuid.uuid4().hex,
        "iat": now,
        "exp": int(now) + 300,
        "iss": django_settings.SIMPLE_JWT["ISSUER"],
        "aud": django_settings.SIMPLE_JWT["AUDIENCE"],
    }
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not None}


def forge(claims: dict[str, Any], key: Any = None, algorithm: str = "HS256", headers: dict | None = None) -> str:
    from rest_framework_simplejwt import settings as simplejwt_settings

    key = simplejwt_settings.api_settings.SIGNING_KEY if key is None else key
    return jwt.encode(claims, key, algorithm=algorithm, headers=headers)


def new_rsa_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@pytest.fixture
def rs256(settings) -> str:
    """Switch token signing to RS256 with a fresh key; returns the private key in PEM."""
    pem = new_rsa_pem()
    settings.JWT = {**django_settings.JWT, "PRIVATE_KEY": pem, "KEY_ID": "test-key"}
    settings.SIMPLE_JWT = simple_jwt_settings(settings.JWT)
    return pem
