"""Social sign-in (Google, GitHub, Keycloak for staff) ending in a one-time code, never tokens in a URL.

The pipeline (settings.SOCIAL_AUTH_PIPELINE) signs in by verified email only: it ignores any
browser session, refuses a provider that does not assert the email is verified, links to the
account with that email or registers one without a password, mirrors the Keycloak admin role
onto staff rights, and redirects to `{STOREFRONT_URL}/login/callback?code=...`. The storefront
exchanges the code (60 s, single use) for the JWT pair; the login event is recorded then.
Failures redirect to `{STOREFRONT_URL}/login/callback?error=<code>` with no detail. A provider
whose keys are not configured is not offered: its URLs answer 404 (see `configured_providers_only`).
"""

from __future__ import annotations

import logging
import secrets
from functools import wraps
from typing import Any
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound, HttpResponseRedirect, JsonResponse
from social_core.exceptions import (
    AuthCanceled,
    AuthException,
    AuthMissingParameter,
    AuthStateForbidden,
    AuthStateMissing,
    MissingBackend,
    SocialAuthBaseException,
)
from social_core.utils import setting_name
from social_django.utils import load_backend, load_strategy

from ocg.identity import services
from ocg.identity.domain import AccountDisabled, EmailTaken, IdentityError, clean_display_name
from ocg.identity.models import Role, User
from ocg.identity.passwordless import CodeInvalid, digest
from ocg.identity.tokens import issue_token_pair

logger = logging.getLogger(__name__)

CALLBACK_PATH = "/login/callback"
EXCHANGE_CODE_MAX_LENGTH = 128
METHODS = {"google-oauth2": "google", "github": "github", "keycloak": "keycloak"}
# Settings (SOCIAL_AUTH_<BACKEND>_<NAME>) a provider cannot work without, beyond its client id and secret.
REQUIRED_SETTINGS = {"keycloak": ("PUBLIC_KEY", "AUTHORIZATION_URL", "ACCESS_TOKEN_URL")}
NOT_CONFIGURED = {"code": "provider_not_configured", "message": "This sign-in provider is not available."}


class EmailNotVerified(AuthException):
    def __str__(self) -> str:
        return "The provider did not assert a verified email address."


class AccountInactive(AuthException):
    def __str__(self) -> str:
        return "This account is disabled."


def method_for(backend: Any) -> str:
    return METHODS.get(backend.name, backend.name)


def storefront_callback(**params: str) -> str:
    return f"{settings.STOREFRONT_URL}{CALLBACK_PATH}?{urlencode(params)}"


def asserted_verified_email(backend: Any, details: dict[str, Any], response: dict[str, Any]) -> str | None:
    """GitHub: the primary address marked verified; OIDC providers: `email_verified` true."""
    if backend.name == "github":
        for entry in response.get("emails") or []:
            if isinstance(entry, dict) and entry.get("primary") and entry.get("verified") is True:
                return entry.get("email")
        return None
    if response.get("email_verified") in (True, "true"):
        return details.get("email") or response.get("email")
    return None


def require_verified_email(backend: Any, details: dict[str, Any], response: dict[str, Any], *args, **kwargs):
    """Sign-in is by verified email alone: a signed-in browser session never decides whose account this is."""
    email = asserted_verified_email(backend, details, response)
    if not email:
        raise EmailNotVerified(backend)
    try:
        email = services.normalize_email(email)
    except IdentityError:
        raise EmailNotVerified(backend) from None
    return {"user": None, "verified_email": email}


def create_user_without_password(email: str, method: str, display_name: str = "") -> User:
    """The one place a social sign-up makes an account; `register` records the registration event.

    The provider's name is only a suggestion: one the text rule refuses is dropped, not the sign-up.
    """
    try:
        display_name = clean_display_name(display_name)
    except IdentityError:
        display_name = ""
    try:
        return services.register(email, None, method=method, display_name=display_name)
    except EmailTaken:
        return User.objects.get(email=email)


def link_or_create_user(
    backend: Any, verified_email: str, details: dict[str, Any], user: User | None = None, *args, **kwargs
):
    """An account already linked to this provider id wins; else the one with this email; else a new one."""
    if user is None:
        user = User.objects.filter(email=verified_email).first()
        is_new = user is None
        if user is None:
            user = create_user_without_password(verified_email, method_for(backend), details.get("fullname") or "")
    else:
        is_new = False
    if not user.is_active:
        raise AccountInactive(backend)
    return {"user": user, "is_new": is_new}


def keycloak_roles(claims: dict[str, Any], client_id: str | None) -> set[str]:
    """Realm roles, this client's roles and group names (without the leading slash)."""
    realm = claims.get("realm_access")
    client = (claims.get("resource_access") or {}).get(client_id or "")
    roles: set[str] = set()
    for holder in (realm, client):
        if isinstance(holder, dict) and isinstance(holder.get("roles"), list):
            roles.update(role for role in holder["roles"] if isinstance(role, str))
    groups = claims.get("groups")
    if isinstance(groups, list):
        roles.update(group.strip("/") for group in groups if isinstance(group, str))
    return roles


def sync_keycloak_staff(backend: Any, user: User, response: dict[str, Any], *args, **kwargs) -> None:
    """Keycloak decides staff rights at every sign-in: the admin role grants them, its absence takes them away."""
    if backend.name != "keycloak":
        return
    is_admin = settings.KEYCLOAK_ADMIN_ROLE in keycloak_roles(response, backend.setting("KEY"))
    with transaction.atomic():
        if is_admin and user.role != Role.ADMIN:
            services.grant_role(user, Role.ADMIN)
        elif not is_admin and user.role == Role.ADMIN:
            services.revoke_role(user, Role.ADMIN)
        if user.is_staff != is_admin:
            user.is_staff = is_admin
            user.save(update_fields=["is_staff"])


def redirect_with_exchange_code(backend: Any, user: User, *args, **kwargs) -> HttpResponseRedirect:
    """Ends the pipeline with a redirect, so no Django session login happens: the storefront gets JWTs."""
    backend.strategy.session_pop(f"{backend.name}_state")
    code = issue_exchange_code(user, method_for(backend))
    return HttpResponseRedirect(storefront_callback(code=code))


def exchange_key(code: str) -> str:
    return f"social:exchange:{digest('social-exchange', code)}"


def issue_exchange_code(user: User, method: str) -> str:
    code = secrets.token_urlsafe(32)
    cache.set(
        exchange_key(code),
        {"user_id": str(user.id), "method": method},
        timeout=settings.SOCIAL_EXCHANGE_CODE_TTL_SECONDS,
    )
    return code


def social_token_exchange(code: str) -> dict[str, Any]:
    """Single use: of two concurrent exchanges only the one whose delete removed the entry wins."""
    if not isinstance(code, str) or not code or len(code) > EXCHANGE_CODE_MAX_LENGTH:
        raise CodeInvalid()
    key = exchange_key(code)
    entry = cache.get(key)
    if not isinstance(entry, dict) or not cache.delete(key):
        raise CodeInvalid()
    user = User.objects.filter(pk=entry["user_id"], is_active=True).first()
    if user is None:
        raise CodeInvalid()
    return issue_token_pair(user, entry["method"])


def social_error_code(error: BaseException) -> str | None:
    """A bare code for the storefront; anything not listed is a bug and stays a 500."""
    if isinstance(error, AuthStateMissing | AuthStateForbidden) or (
        isinstance(error, AuthMissingParameter) and error.parameter == "state"
    ):
        return "state_mismatch"
    if isinstance(error, AuthCanceled):
        return "cancelled"
    if isinstance(error, EmailNotVerified):
        return "email_unverified"
    if isinstance(error, AccountInactive | AccountDisabled):
        return "account_disabled"
    if isinstance(error, SocialAuthBaseException | requests.RequestException | jwt.PyJWTError):
        return "provider_error"
    return None


class SocialLoginErrorMiddleware:
    """A failed social sign-in goes back to the storefront with an error code; details stay in our log."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        return self.get_response(request)

    def process_exception(self, request: Any, exception: Exception) -> HttpResponseRedirect | None:
        if getattr(request, "social_strategy", None) is None:
            return None
        code = social_error_code(exception)
        if code is None:
            return None
        provider = getattr(getattr(request, "backend", None), "name", "unknown")
        logger.warning("Social sign-in via %s failed: %s (%s)", provider, code, type(exception).__name__)
        return HttpResponseRedirect(storefront_callback(error=code))


def provider_configured(request: HttpRequest, name: str) -> bool:
    """Known to social-auth and given its keys: otherwise starting it would send the browser off with client_id=None."""
    try:
        backend = load_backend(load_strategy(request), name, redirect_uri=None)
    except MissingBackend:
        return False
    required = ("KEY", "SECRET", *REQUIRED_SETTINGS.get(backend.name, ()))
    # Read raw: social-auth's own reader turns an unset *_URL setting into a failed URL reversal.
    return all(getattr(settings, setting_name(backend.name, setting), None) for setting in required)


def provider_not_configured(request: HttpRequest) -> HttpResponse:
    """404 as a tiny page for a browser, else the JSON error; the provider's name is not echoed."""
    if "text/html" in request.headers.get("Accept", ""):
        page = (
            "<!doctype html><html><head><title>Not available</title></head>"
            f"<body><p>{NOT_CONFIGURED['message']}</p></body></html>"
        )
        return HttpResponseNotFound(page, content_type="text/html; charset=utf-8")
    return JsonResponse(NOT_CONFIGURED, status=404)


def configured_providers_only(view: Any) -> Any:
    """Wraps social-auth's begin and complete views."""

    @wraps(view)
    def wrapper(request: HttpRequest, backend: str, *args: Any, **kwargs: Any) -> HttpResponse:
        if not provider_configured(request, backend):
            return provider_not_configured(request)
        return view(request, backend, *args, **kwargs)

    return wrapper
