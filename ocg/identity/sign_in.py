"""Identity's sign-in rules: which endpoints are sign-in surfaces, and the per-account throttle on passwords.

Every password check ends in `django.contrib.auth.authenticate()`: `tokenCreate`, `POST /api/auth/token`
(both through services.authenticate_password) and the admin's login form. The throttle therefore sits in
the authentication backend, the one place none of them can go around. It is keyed by an HMAC of the
normalised email, so Redis holds no address and an unknown email is throttled exactly like a known one
(being refused says nothing about whether the account exists). While an account is locked, a sign-in is
refused before any password hash is computed.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.base_user import BaseUserManager
from django.core.exceptions import ValidationError
from django.utils.crypto import salted_hmac

from ocg.identity.domain import IdentityError
from ocg.identity.models import User
from ocg.spine.sign_in_surfaces import register_sign_in_surfaces
from ocg.spine.throttle import FailureThrottle, backoff_from_settings

# The REST router is mounted at /api/auth/ (ocg/api.py) and the admin at /admin/ (ocg/urls.py).
# The panel's password sign-in (ocg/identity/browser_session.py) is /panel/session. Its refresh is not a
# surface: the panel refreshes on every page load, and a signed refresh token cannot be guessed anyway.
REST_PATHS = (
    r"^/api/auth/token(?:/refresh)?/?$",
    r"^/panel/session/?$",
    r"^/api/auth/passwordless/",
    r"^/api/auth/social/exchange/?$",
)
GRAPHQL_FIELDS = ("tokenCreate", "tokenRefresh", "passwordlessRequest", "passwordlessVerify", "socialTokenExchange")
FORM_PATHS = (r"^/admin/login/?$",)

throttle = FailureThrottle("sign-in", backoff_from_settings("SIGN_IN_THROTTLE"))


class RateLimited(IdentityError):
    """Too many attempts; `retry_after` is the wait in seconds when it is known."""

    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


def register_surfaces() -> None:
    """Called from ready(), before the first request; the admin's login page is a sign-in surface too.

    Identity registers the admin's login path rather than the URLconf because it owns sign-in, and because
    the URLconf is only imported on the first request, after the limiter has already seen that request.
    """
    register_sign_in_surfaces(rest_paths=REST_PATHS, graphql_fields=GRAPHQL_FIELDS, form_paths=FORM_PATHS)
    admin.site.login_form = ThrottledAdminLoginForm


def account_key(email: str) -> str:
    """The throttle's key: lower-cased as accounts are stored, then HMAC'd so no address reaches Redis."""
    normalized = BaseUserManager.normalize_email((email or "").strip()).lower()
    return salted_hmac("ocg.identity.sign_in.account", normalized, algorithm="sha256").hexdigest()


def check_account_not_locked(email: str) -> str:
    """Counts this attempt for the account, or refuses it while the account is locked out; returns the key."""
    key = account_key(email)
    decision = throttle.attempt(key)
    if not decision.allowed:
        raise RateLimited(
            f"Too many failed sign-ins with this email. Try again in {decision.retry_after} seconds.",
            retry_after=decision.retry_after,
        )
    return key


class ThrottledModelBackend(ModelBackend):
    """Django's email and password check behind the per-account throttle; a success clears the account's count."""

    def authenticate(self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any):
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        key = check_account_not_locked(username)
        if "\x00" in username:
            # No stored email holds NUL (PostgreSQL text cannot), and the query would fail: hash once, as for
            # an unknown email, and refuse.
            User().set_password(password)
            return None
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None:
            throttle.succeeded(key)
        return user

    async def aauthenticate(self, request: Any, username: str | None = None, password: str | None = None, **kwargs):
        """ModelBackend's own async check would go around the throttle: run the throttled one instead."""
        return await sync_to_async(self.authenticate)(request, username=username, password=password, **kwargs)


class ThrottledAdminLoginForm(AdminAuthenticationForm):
    """The admin's login form, showing a lock-out as a form error (a browser is asking)."""

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except RateLimited as refused:
            raise ValidationError(refused.message, code="rate_limited") from None
