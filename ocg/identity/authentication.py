"""Bearer-token authentication for every HTTP request.

A request without a Bearer Authorization header keeps its session user (the admin signs in with
cookies). A request that presents a bearer token is answered 401 unless the token is good, in the
shape its client reads: GraphQL's `errors` on /graphql, the REST error contract elsewhere. Either way
the code (`token_expired`, `token_revoked`, ...) tells a client whether refreshing can help.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from ocg.identity import tokens
from ocg.identity.domain import IdentityError
from ocg.spine.gateway import error_response

CHALLENGE = 'Bearer error="invalid_token"'


def unauthorized(request: HttpRequest, code: str, message: str) -> HttpResponse:
    response = error_response(401, code, message, path=request.path)
    response["WWW-Authenticate"] = CHALLENGE
    return response


def bearer_token(header: str) -> str | None:
    """The token of a Bearer header ("" when missing); None for another scheme, which is not ours to judge."""
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip()


def bearer_subject(request: HttpRequest) -> str | None:
    """The user a request's bearer token speaks for, signature checked, for the rate limiter (see ready())."""
    token = bearer_token(request.META.get("HTTP_AUTHORIZATION", ""))
    return tokens.access_subject(token) if token else None


class TokenAuthenticationMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = bearer_token(request.META.get("HTTP_AUTHORIZATION", ""))
        if token is None:
            return self.get_response(request)
        if not token:
            return unauthorized(request, "token_invalid", "Send the access token as: Authorization: Bearer <token>.")
        try:
            user, claims = tokens.authenticate(token)
        except IdentityError as error:
            return unauthorized(request, error.code, error.message)
        request.user = user

        async def auser() -> object:
            return user

        request.auser = auser  # type: ignore[attr-defined]
        request.token_claims = claims  # type: ignore[attr-defined]
        # A header a browser never adds on its own is no ambient credential: CSRF does not apply.
        request._dont_enforce_csrf_checks = True  # type: ignore[attr-defined]
        return self.get_response(request)
