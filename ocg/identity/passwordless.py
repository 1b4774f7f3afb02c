"""Passwordless sign-in: one email carries a 6-digit code and a magic link; either signs in once.

Storage is the Django cache (Redis in production, local memory embedded); challenges are made and
mailed by `challenges.py`, from a Celery task. Wrong guesses are counted atomically and the
challenge burns after `MAX_ATTEMPTS`. A request answers the same, in the same time, whether or
not an account exists: the mail goes out only to existing, active accounts (sign-up stays with
`register`). Requests are limited per address and per client here, and both requests and
verifications count against the gateway's per-IP `auth` scope.
"""

from __future__ import annotations

import hmac
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from ocg.identity.challenges import Challenge, active_user, attempts_key, challenge_key, config, digest
from ocg.identity.domain import IdentityError
from ocg.identity.services import normalize_email
from ocg.identity.sign_in import RateLimited
from ocg.identity.tasks import deliver_sign_in
from ocg.identity.tokens import issue_token_pair

METHOD = "passwordless"


class CodeInvalid(IdentityError):
    """Wrong, expired, used or burnt: one code and one message, so a failure tells nothing more."""

    code = "code_invalid"

    def __init__(self, message: str = "The code is not valid or has expired.", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)


def count_within_limit(key: str, limit: int, window_seconds: int) -> bool:
    """Fixed-window counter: `add` opens the window, `incr` counts atomically across processes."""
    cache.add(key, 0, timeout=window_seconds)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.add(key, 1, timeout=window_seconds)
        count = 1
    return count <= limit


def check_rate_limits(email: str, client_ip: str) -> None:
    """Counted before any account lookup, so being limited says nothing about the address either."""
    ip_limit, ip_window = config("REQUESTS_PER_IP")
    email_limit, email_window = config("REQUESTS_PER_EMAIL")
    within_ip = count_within_limit(f"passwordless:rate:ip:{digest('ip', client_ip)}", ip_limit, ip_window)
    within_email = count_within_limit(f"passwordless:rate:email:{digest('email', email)}", email_limit, email_window)
    if not (within_ip and within_email):
        raise RateLimited("Too many sign-in requests. Wait a while before asking for another code.")


def passwordless_request(email: str, *, client_ip: str) -> dict[str, bool]:
    """Always answers `{"sent": True}` after the same work: checks, limits, and one task queued.

    Looking the account up, storing the challenge and mailing happen in the task, so neither the answer nor
    its timing tells whether the address has an account; only the address is queued, never a code.
    """
    email = normalize_email(email)
    check_rate_limits(email, client_ip)
    deliver_sign_in.delay(email)
    return {"sent": True}


def passwordless_verify(email: str, code: str | None = None, token: str | None = None) -> dict[str, Any]:
    """Exchanges a code or a magic-link token for a token pair, once."""
    if bool(code) == bool(token):
        raise IdentityError("Give either the code or the token from the email.", field="code")
    try:
        email = normalize_email(email)
    except IdentityError:
        raise CodeInvalid() from None
    key = challenge_key(email)
    stored = cache.get(key)
    if not isinstance(stored, dict):
        raise CodeInvalid()
    challenge = Challenge(**stored)
    if timezone.now().timestamp() >= challenge.expires_at:
        cache.delete(key)
        raise CodeInvalid()
    attempt = count_attempt(challenge, key)
    if code:
        matches = hmac.compare_digest(digest("code", f"{challenge.nonce}:{code.strip()}"), challenge.code_digest)
    else:
        matches = hmac.compare_digest(digest("token", f"{challenge.nonce}:{token}"), challenge.token_digest)
    if not matches:
        if attempt >= config("MAX_ATTEMPTS"):
            cache.delete(key)
        raise CodeInvalid()
    if not cache.delete(key):
        raise CodeInvalid()
    cache.delete(attempts_key(challenge.nonce))
    user = active_user(email)
    if user is None:
        raise CodeInvalid()
    return issue_token_pair(user, METHOD)


def count_attempt(challenge: Challenge, key: str) -> int:
    """Counted atomically before comparing, so parallel guesses cannot share one slot; past the limit, burnt."""
    try:
        attempt = cache.incr(attempts_key(challenge.nonce))
    except ValueError:
        attempt = config("MAX_ATTEMPTS") + 1
    if attempt > config("MAX_ATTEMPTS"):
        cache.delete(key)
        raise CodeInvalid()
    return attempt
