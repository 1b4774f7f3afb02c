"""RS256 mode: tokens verify against the published JWK set, and no HMAC or foreign key gets in."""

from __future__ import annotations

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import ImproperlyConfigured

from ocg.identity import tokens
from ocg.identity.domain import InvalidToken
from ocg.identity.jwtconfig import public_pem, simple_jwt_settings
from tests.identity.conftest import claims_for, forge, new_rsa_pem
from tests.identity.test_tokens import hand_signed_hs256


def refused(token: str) -> str:
    with pytest.raises(InvalidToken) as caught:
        tokens.verify_access(token)
    return caught.value.code


def test_tokens_are_signed_with_the_private_key_and_verify_with_the_jwks(client, user, rs256):
    access = tokens.issue_token_pair(user, "password")["access"]
    header = jwt.get_unverified_header(access)
    assert (header["alg"], header["kid"]) == ("RS256", "test-key")

    jwks = client.get("/.well-known/jwks.json").json()
    [key] = jwks["keys"]
    assert {key["kty"], key["alg"], key["use"], key["kid"]} == {"RSA", "RS256", "sig", "test-key"}
    assert "d" not in key
    verifying_key = jwt.PyJWKSet.from_dict(jwks)["test-key"].key
    claims = jwt.decode(access, verifying_key, algorithms=["RS256"], audience="ocg-storefront", issuer="ocg-webstore")
    assert claims["sub"] == str(user.id)
    assert tokens.verify_access(access)["sub"] == str(user.id)


def test_an_hmac_token_keyed_with_the_public_key_is_refused(user, rs256):
    """The classic RS/HS confusion: the public key is public, so it must never work as an HMAC secret."""
    assert refused(hand_signed_hs256(claims_for(user), public_pem(rs256).encode())) == "token_invalid"


def test_a_token_signed_with_the_old_shared_secret_is_refused(user, rs256, settings):
    assert refused(forge(claims_for(user), key=settings.JWT["SIGNING_KEY"])) == "token_invalid"


def test_a_token_signed_with_another_private_key_is_refused(user, rs256):
    assert refused(forge(claims_for(user), key=new_rsa_pem(), algorithm="RS256")) == "token_invalid"


def test_the_none_algorithm_is_refused_here_too(user, rs256):
    assert refused(jwt.encode(claims_for(user), None, algorithm="none")) == "token_invalid"


def test_rotation_works_in_rs256_mode(user, rs256):
    pair = tokens.issue_token_pair(user, "password")
    rotated = tokens.refresh(pair["refresh"])
    assert jwt.get_unverified_header(rotated["refresh"])["alg"] == "RS256"
    assert tokens.verify_access(rotated["access"])["typ"] == "access"


def test_going_back_to_hs256_refuses_the_rs256_tokens(user, settings):
    """The settings fixture restores SIMPLE_JWT afterwards; simplejwt's cached settings must follow."""
    settings.JWT = {**settings.JWT, "PRIVATE_KEY": new_rsa_pem()}
    settings.SIMPLE_JWT = simple_jwt_settings(settings.JWT)
    access = tokens.issue_token_pair(user, "password")["access"]
    settings.JWT = {**settings.JWT, "PRIVATE_KEY": None}
    settings.SIMPLE_JWT = simple_jwt_settings(settings.JWT)
    assert refused(access) == "token_invalid"
    assert jwt.get_unverified_header(tokens.issue_token_pair(user, "password")["access"])["alg"] == "HS256"


def small_rsa_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@pytest.mark.parametrize("pem", ["not a key", small_rsa_pem()])
def test_a_bad_private_key_stops_start_up_with_a_clear_message(settings, pem):
    with pytest.raises(ImproperlyConfigured, match="JWT_PRIVATE_KEY"):
        simple_jwt_settings({**settings.JWT, "PRIVATE_KEY": pem})
