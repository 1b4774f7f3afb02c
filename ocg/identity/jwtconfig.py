"""simplejwt's settings and the public JWK set, derived from settings.JWT.

Imported by the settings module, so it uses nothing of Django's that needs settings.
"""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import ImproperlyConfigured

MIN_RSA_BITS = 2048


def _private_key(pem: str) -> rsa.RSAPrivateKey:
    """A bad key stops start-up with a clear message rather than failing at the first sign-in."""
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ImproperlyConfigured("JWT_PRIVATE_KEY must be an unencrypted RSA private key in PEM format.")
    if key.key_size < MIN_RSA_BITS:
        raise ImproperlyConfigured(f"JWT_PRIVATE_KEY must have at least {MIN_RSA_BITS} bits.")
    return key


def public_pem(private_pem: str) -> str:
    return (
        _private_key(private_pem)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def simple_jwt_settings(jwt: dict[str, Any]) -> dict[str, Any]:
    """RS256 when a private key is configured (the public half verifies), HS256 with the signing key otherwise."""
    if jwt.get("PRIVATE_KEY"):
        keys = {
            "ALGORITHM": "RS256",
            "SIGNING_KEY": jwt["PRIVATE_KEY"],
            "VERIFYING_KEY": public_pem(jwt["PRIVATE_KEY"]),
        }
    else:
        keys = {"ALGORITHM": "HS256", "SIGNING_KEY": jwt["SIGNING_KEY"], "VERIFYING_KEY": ""}
    return {
        **keys,
        "ACCESS_TOKEN_LIFETIME": timedelta(seconds=jwt["ACCESS_TTL_SECONDS"]),
        "REFRESH_TOKEN_LIFETIME": timedelta(seconds=jwt["REFRESH_TTL_SECONDS"]),
        "ISSUER": jwt["ISSUER"],
        "AUDIENCE": jwt["AUDIENCE"],
        "LEEWAY": 0,
        "USER_ID_FIELD": "id",
        "USER_ID_CLAIM": "sub",
        "JTI_CLAIM": "jti",
        "TOKEN_TYPE_CLAIM": "typ",
        "AUTH_HEADER_TYPES": ("Bearer",),
        "ROTATE_REFRESH_TOKENS": True,
        "UPDATE_LAST_LOGIN": False,
        "CHECK_USER_IS_ACTIVE": True,
    }


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def public_jwks(algorithm: str, verifying_key: str, key_id: str | None) -> dict[str, list[dict[str, str]]]:
    """The JWK set clients verify with: the RSA public key, or nothing for a shared HMAC secret."""
    if algorithm != "RS256" or not verifying_key:
        return {"keys": []}
    public = serialization.load_pem_public_key(verifying_key.encode())
    if not isinstance(public, rsa.RSAPublicKey):
        return {"keys": []}
    numbers = public.public_numbers()
    jwk = {"kty": "RSA", "use": "sig", "alg": "RS256", "n": _b64(numbers.n), "e": _b64(numbers.e)}
    if key_id:
        jwk["kid"] = key_id
    return {"keys": [jwk]}
