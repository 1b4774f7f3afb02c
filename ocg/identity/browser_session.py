"""A browser's sign-in for the server-rendered panel: the refresh token lives in an HttpOnly cookie.

The page's script keeps only the short-lived access token, in memory; on each page load it asks
`/panel/session/refresh` for a fresh one, which rotates the cookie's refresh token (reuse revokes the family).
The cookie is SameSite=Strict, path-scoped to these endpoints, and Secure unless DEBUG; the endpoints also
accept only JSON posts whose Origin is this site, so no other site can drive them.
"""

from __future__ import annotations

import json
from contextlib import suppress
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ocg.identity import services, tokens
from ocg.identity.domain import IdentityError
from ocg.identity.sign_in import RateLimited

COOKIE_NAME = "ocg_panel_refresh"
COOKIE_PATH = "/panel/session"
MAX_BODY_BYTES = 8192


def error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, "errors": []}, status=status)


def same_origin(request: HttpRequest) -> bool:
    origin = request.headers.get("Origin")
    return origin is not None and origin == f"{request.scheme}://{request.get_host()}"


def guarded(view: Any) -> Any:
    """JSON posts from this site's own pages only (a form on another site can send neither)."""

    @csrf_exempt
    @require_POST
    def wrapper(request: HttpRequest) -> JsonResponse:
        if request.content_type != "application/json":
            return error(415, "unsupported_media_type", "Send JSON.")
        if not same_origin(request):
            return error(403, "foreign_origin", "This endpoint answers this site's own pages only.")
        if len(request.body) > MAX_BODY_BYTES:
            return error(413, "payload_too_large", "The body is too large.")
        try:
            return view(request)
        except RateLimited as refused:
            response = error(429, refused.code, str(refused))
            if refused.retry_after:
                response["Retry-After"] = str(refused.retry_after)
            return response
        except IdentityError as refused:
            response = error(401, getattr(refused, "code", "token_invalid"), str(refused))
            if view is not sign_in:
                response.delete_cookie(COOKIE_NAME, path=COOKIE_PATH, samesite="Strict")
            return response

    return wrapper


def with_cookie(pair: dict[str, Any]) -> JsonResponse:
    response = JsonResponse({"access": pair["access"], "access_expires_in": pair["access_expires_in"]})
    response.set_cookie(
        COOKIE_NAME,
        pair["refresh"],
        max_age=int(tokens.jwt_settings().REFRESH_TOKEN_LIFETIME.total_seconds()),
        path=COOKIE_PATH,
        secure=not settings.DEBUG,
        httponly=True,
        samesite="Strict",
    )
    response["Cache-Control"] = "no-store"
    return response


def sign_in(request: HttpRequest) -> JsonResponse:
    try:
        body = json.loads(request.body)
    except ValueError:
        return error(400, "malformed_json", "The body is not valid JSON.")
    if not isinstance(body, dict) or not all(isinstance(body.get(k), str) for k in ("email", "password")):
        return error(422, "invalid", "Give an email and a password.")
    user = services.authenticate_password(body["email"], body["password"], request=request)
    return with_cookie(tokens.issue_token_pair(user, "password"))


def refresh(request: HttpRequest) -> JsonResponse:
    held = request.COOKIES.get(COOKIE_NAME)
    if not held:
        return error(401, "not_signed_in", "Sign in first.")
    return with_cookie(tokens.refresh(held))


def sign_out(request: HttpRequest) -> JsonResponse:
    held = request.COOKIES.get(COOKIE_NAME)
    if held:
        with suppress(IdentityError):  # already unusable: signing out of it succeeds
            tokens.revoke_session(held)
    response = JsonResponse({"signed_out": True})
    response.delete_cookie(COOKIE_NAME, path=COOKIE_PATH, samesite="Strict")
    return response


sign_in_view = guarded(sign_in)
refresh_view = guarded(refresh)
sign_out_view = guarded(sign_out)
