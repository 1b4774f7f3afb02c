"""Access and refresh tokens (JWT) on simplejwt's token classes, with rotation and revocation.

Where the state lives:
- the signature, lifetimes and claims: the token itself (HS256, or RS256 when a private key is set);
- revoked token ids, retired refresh ids and revoked families: Django's cache (Redis when
  REDIS_URL is set), each entry expiring when the tokens it concerns would have anyway;
- "tokens issued before T are refused" (logout everywhere, disabling, a new password): the User
  row, which every authenticated request loads anyway.

simplejwt binds its lifetimes and key to its classes and to a module-level backend at import
time; these classes read the settings on each use so that a changed SIMPLE_JWT takes effect.
"""

from __future__ import annotations

import logging
import math
import time
import uuid
from functools import lru_cache
from typing import Any

import jwt
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import cache
from rest_framework_simplejwt import settings as simplejwt_settings
from rest_framework_simplejwt.backends import TokenBackend
from rest_framework_simplejwt.exceptions import ExpiredTokenError, TokenError
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken, Token

from ocg.identity import cached_users, services
from ocg.identity.domain import InvalidToken
from ocg.identity.jwtconfig import public_jwks
from ocg.identity.models import User

security_log = logging.getLogger("ocg.security")

ACCESS = "access"
REFRESH = "refresh"
CACHE_PREFIX = "ocg:identity:"
REQUIRED_CLAIMS = ("sub", "jti", "iat", "exp", "fam", "typ")
# Verified tokens kept per process (a few hundred bytes each): the signed-in clients of one server process.
VERIFIED_TOKENS_KEPT = 4096


def jwt_settings() -> Any:
    """simplejwt's settings object as it is now (it is replaced when SIMPLE_JWT changes)."""
    return simplejwt_settings.api_settings


class KeyedTokenBackend(TokenBackend):
    """simplejwt's backend, plus a `kid` header so verifiers can pick the key from the JWK set."""

    def __init__(self, *args: Any, key_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key_id = key_id

    def encode(self, payload: dict[str, Any]) -> str:
        claims = dict(payload)
        if self.audience is not None:
            claims["aud"] = self.audience
        if self.issuer is not None:
            claims["iss"] = self.issuer
        headers = {"kid": self.key_id} if self.key_id and not self.algorithm.startswith("HS") else None
        return jwt.encode(claims, self.prepared_signing_key, algorithm=self.algorithm, headers=headers)


@lru_cache(maxsize=4)
def _backend(
    algorithm: str, signing_key: str, verifying_key: str, audience: str, issuer: str, leeway: int, key_id: str | None
) -> KeyedTokenBackend:
    return KeyedTokenBackend(algorithm, signing_key, verifying_key, audience, issuer, None, leeway, None, key_id=key_id)


def token_backend() -> KeyedTokenBackend:
    """Only the configured algorithm is accepted when decoding: no `none`, no HS/RS swap."""
    config = jwt_settings()
    return _backend(
        config.ALGORITHM,
        config.SIGNING_KEY,
        config.VERIFYING_KEY,
        config.AUDIENCE,
        config.ISSUER,
        config.LEEWAY,
        settings.JWT.get("KEY_ID"),
    )


class _Configured(Token):
    """Reads keys and lifetimes at use, not at import; refuses any token missing one of our claims."""

    @property
    def token_backend(self) -> KeyedTokenBackend:  # type: ignore[override]
        return token_backend()

    def set_iat(self, claim: str = "iat", at_time: Any = None) -> None:
        """Sub-second, so a token issued just after "logout everywhere" is told apart from one just before."""
        at_time = at_time or self.current_time
        self.payload[claim] = round(at_time.timestamp(), 6)

    def verify_token_type(self) -> None:
        if self.payload.get(jwt_settings().TOKEN_TYPE_CLAIM) != self.token_type:
            raise InvalidToken("This is not the kind of token expected here.", code="token_wrong_type")

    def verify(self) -> None:
        super().verify()
        if any(claim not in self.payload for claim in REQUIRED_CLAIMS):
            raise TokenError("missing claim")
        if float(self.payload["iat"]) > time.time() + token_backend().get_leeway().total_seconds():
            raise TokenError("issued in the future")


class OCGAccessToken(_Configured, AccessToken):
    @property
    def lifetime(self) -> Any:  # type: ignore[override]
        return jwt_settings().ACCESS_TOKEN_LIFETIME


class OCGRefreshToken(_Configured, RefreshToken):
    access_token_class = OCGAccessToken

    @property
    def lifetime(self) -> Any:  # type: ignore[override]
        return jwt_settings().REFRESH_TOKEN_LIFETIME


class _AnyToken(_Configured, Token):
    """Either kind, for revocation: the caller checks the type."""

    token_type = "any"  # noqa: S105 (a token kind, not a secret)

    @property
    def lifetime(self) -> Any:  # type: ignore[override]
        return jwt_settings().ACCESS_TOKEN_LIFETIME

    def verify_token_type(self) -> None:
        if self.payload.get(jwt_settings().TOKEN_TYPE_CLAIM) not in (ACCESS, REFRESH):
            raise InvalidToken("This is not a token of ours.", code="token_wrong_type")


def _decode(token: str, token_class: type[_Configured]) -> dict[str, Any]:
    if not isinstance(token, str) or not token or len(token) > 8192:
        raise InvalidToken()
    config = jwt_settings()
    try:
        claims = _verified(token, token_class, config)
    except ExpiredTokenError:
        raise InvalidToken("The token has expired.", code="token_expired") from None
    except TokenError:
        raise InvalidToken() from None
    leeway = config.LEEWAY.total_seconds() if hasattr(config.LEEWAY, "total_seconds") else float(config.LEEWAY)
    if float(claims["exp"]) + leeway <= time.time():
        raise InvalidToken("The token has expired.", code="token_expired")
    return dict(claims)


@lru_cache(maxsize=VERIFIED_TOKENS_KEPT)
def _verified(token: str, token_class: type[_Configured], config: Any) -> dict[str, Any]:
    """A token's claims once its signature, type and claims are checked; kept so a client's next requests with
    the same token skip the signature check (about a fifth of a signed-in request's CPU). Keyed by the JWT
    settings object too, which is replaced when SIMPLE_JWT changes, so a retired key's tokens are checked
    afresh and refused. Only successes are kept; expiry is checked by the caller on every use, and revocation
    and the account are checked on every request anyway."""
    return token_class(token).payload  # type: ignore[arg-type]


def _denied_key(jti: str) -> str:
    return f"{CACHE_PREFIX}denied:{jti}"


def _retired_key(jti: str) -> str:
    return f"{CACHE_PREFIX}retired:{jti}"


def _family_key(family: str) -> str:
    return f"{CACHE_PREFIX}family:{family}"


def _remaining_seconds(claims: dict[str, Any]) -> int:
    return max(1, math.ceil(float(claims["exp"]) - time.time()))


def _token_user(claims: dict[str, Any]) -> User:
    """The active user the token names, unless the token or its family is revoked or predates their not-before.

    One cache round trip answers the deny-lists and, usually, the user too.
    """
    user_id = _subject(claims)
    user_key = cached_users.cache_key(user_id)
    found = cache.get_many([_denied_key(claims["jti"]), _family_key(claims["fam"]), user_key])
    return _checked_user(claims, user_id, found)


def _subject(claims: dict[str, Any]) -> uuid.UUID:
    try:
        return uuid.UUID(str(claims["sub"]))
    except ValueError:
        raise InvalidToken() from None


def _checked_user(claims: dict[str, Any], user_id: uuid.UUID, found: dict[str, Any]) -> User:
    """The checks of `_token_user` on cache entries already fetched (`found`)."""
    if _denied_key(claims["jti"]) in found or _family_key(claims["fam"]) in found:
        raise InvalidToken("The token has been revoked.", code="token_revoked")
    user = cached_users.load(user_id, found.get(cached_users.cache_key(user_id)))
    if user is None:
        raise InvalidToken()
    if user.tokens_valid_after is not None and float(claims["iat"]) < user.tokens_valid_after.timestamp():
        raise InvalidToken("The token has been revoked.", code="token_revoked")
    if not user.is_active:
        raise InvalidToken("This account is disabled.", code="token_revoked")
    return user


def _pair(user: User, family: str) -> dict[str, Any]:
    refresh = OCGRefreshToken.for_user(user)
    refresh["roles"] = services.roles(user)
    refresh["fam"] = family
    access = refresh.access_token
    return {
        "access": str(access),
        "refresh": str(refresh),
        "access_expires_in": int(jwt_settings().ACCESS_TOKEN_LIFETIME.total_seconds()),
    }


def issue_token_pair(user: User, method: str) -> dict[str, Any]:
    """Sign a user in: records the LoggedIn event, then starts a new token family."""
    services.record_login(user, method)
    return _pair(user, family=uuid.uuid4().hex)


def authenticate(token: str) -> tuple[User, dict[str, Any]]:
    """An access token's user and claims, after every check: signature, claims, deny-lists, the user's state."""
    claims = _decode(token, OCGAccessToken)
    return _token_user(claims), claims


def access_subject(token: str) -> str | None:
    """The user id an access token names, if its signature, type and expiry check out; revocation and the
    account are not looked at (the rate limiter counts the user's budget before authentication runs)."""
    try:
        return str(_subject(_decode(token, OCGAccessToken)))
    except InvalidToken:
        return None


def verify_access(token: str) -> dict[str, Any]:
    return authenticate(token)[1]


def authenticate_token(token: str) -> User:
    return authenticate(token)[0]


def recheck_many(claims_list: list[dict[str, Any]]) -> list[InvalidToken | None]:
    """Long-lived connections' check of the access tokens they opened with (or were last given), with ONE cache
    round trip for all of them: for each, None while its token is unexpired and unrevoked and its user active,
    else the InvalidToken (`token_expired`, `token_revoked`) that ends it."""
    now = time.time()
    keys = set()
    for claims in claims_list:
        keys.update((_denied_key(claims["jti"]), _family_key(claims["fam"]), cached_users.cache_key(claims["sub"])))
    found = cache.get_many(list(keys)) if keys else {}
    results: list[InvalidToken | None] = []
    for claims in claims_list:
        try:
            if float(claims["exp"]) <= now:
                raise InvalidToken("The token has expired.", code="token_expired")
            _checked_user(claims, _subject(claims), found)
        except InvalidToken as error:
            results.append(error)
        else:
            results.append(None)
    return results


aauthenticate = sync_to_async(authenticate)
aauthenticate_token = sync_to_async(authenticate_token)


def refresh(refresh_token: str) -> dict[str, Any]:
    """Rotate: the presented refresh token is retired and a new pair of the same family is issued.

    A retired token presented again means two parties hold the family: the whole family is
    revoked. `cache.add` is atomic (SET NX on Redis), so of two concurrent uses only one rotates.
    """
    claims = _decode(refresh_token, OCGRefreshToken)
    user = _token_user(claims)
    if not cache.add(_retired_key(claims["jti"]), 1, timeout=_remaining_seconds(claims)):
        revoke_family(claims["fam"])
        security_log.warning(
            "refresh token reuse: token family %s of user %s revoked",
            claims["fam"],
            user.id,
            extra={"security_event": "refresh_token_reuse", "user_id": str(user.id), "family": claims["fam"]},
        )
        raise InvalidToken("This refresh token was already used; the session has been ended.", code="token_revoked")
    return _pair(user, family=claims["fam"])


def revoke(token: str, expected_type: str | None = None) -> None:
    """Deny one token until it would have expired; an already expired token needs nothing."""
    try:
        claims = _decode(token, _AnyToken)
    except InvalidToken as error:
        if error.code == "token_expired":
            return
        raise
    if expected_type is not None and claims["typ"] != expected_type:
        raise InvalidToken(f"Expected a {expected_type} token.", code="token_wrong_type")
    cache.set(_denied_key(claims["jti"]), 1, timeout=_remaining_seconds(claims))


def revoke_session(refresh_token: str, access_token: str | None = None) -> None:
    """Sign out one session: its refresh token, and its current access token when given."""
    revoke(refresh_token, expected_type=REFRESH)
    if access_token:
        revoke(access_token, expected_type=ACCESS)


def revoke_family(family: str) -> None:
    """Every token of the family, access tokens included, for as long as any of them can live."""
    lifetime = max(jwt_settings().REFRESH_TOKEN_LIFETIME, jwt_settings().ACCESS_TOKEN_LIFETIME)
    cache.set(_family_key(family), 1, timeout=math.ceil(lifetime.total_seconds()))


def logout_everywhere(user: User) -> None:
    services.revoke_all_tokens(user)


def jwks() -> dict[str, Any]:
    config = jwt_settings()
    return public_jwks(config.ALGORITHM, config.VERIFYING_KEY, settings.JWT.get("KEY_ID"))
