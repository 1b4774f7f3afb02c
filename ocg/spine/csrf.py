"""CSRF on the API: one rule, in one place.

/graphql and /api/ are csrf-exempt views because the storefront authenticates with a Bearer token, which a
browser never attaches on its own. A session cookie is different: on a state-changing request to those paths it
is honoured only when the request also passes Django's CSRF check; otherwise the request simply continues
as anonymous (public reads still work, nothing is done in the user's name). Requests authenticated by token
(`request.token_claims`, set by the token middleware) skip the check.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware

from ocg.spine.gateway import is_api_path

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def csrf_protected_view(request: HttpRequest) -> None:
    """Stands in for the real (exempt) view when asking Django's CSRF middleware for its verdict."""


def session_needs_csrf_check(request: HttpRequest) -> bool:
    if request.method in SAFE_METHODS or not is_api_path(request.path):
        return False
    if getattr(request, "token_claims", None) or settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated


class ApiCsrfMiddleware:
    """After authentication: drops a session-only user on API writes that fail the CSRF check."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.csrf = CsrfViewMiddleware(get_response)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if session_needs_csrf_check(request) and self.csrf.process_view(request, csrf_protected_view, (), {}):
            anonymous = AnonymousUser()
            request.user = anonymous

            async def auser() -> AnonymousUser:
                return anonymous

            request.auser = auser
        return self.get_response(request)
