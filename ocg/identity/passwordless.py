"""Passwordless sign-in: one email carries a 6-digit code and a magic link; either signs in once.

Storage is the Django cache (Redis in production, local memory embedded). Only HMAC-SHA256
digests keyed with SECRET_KEY are stored, never the code or the token. One challenge per email
exists at a time: a new request replaces it. Wrong guesses are counted atomically and the
challenge burns after `MAX_ATTEMPTS`. A request answers the same, in the same time, whether or
not an account exists: the mail goes out from a Celery task, only to existing, active accounts
(sign-up stays with `register`).
"""

from __future__ import annotations

import hmac
import logging
import secrets
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.crypto import salted_hmac

from ocg.identity.domain import IdentityError
from ocg.identity.models import User
from ocg.identity.services import normalize_email
from ocg.identity.tokens import issue_token_pair

logger = logging.getLogger(__name__)

METHOD = "passwordless"
CODE_DIGITS = 6
MAGIC_LINK_PATH = "/login/magic"


class CodeInvalid(IdentityError):
    """Wrong, expired, used or burnt: one code and one message, so a failure tells nothing more."""

    code = "code_invalid"

    def __init__(self, message: str = "The code is not valid or has expired.", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)


class RateLimited(IdentityError):
    code = "rate_limited"


@dataclass(frozen=True)
class Challenge:
    """Cached as a plain dict, so a deploy that changes this class cannot break entries already stored."""

    nonce: str
    code_digest: str
    token_digest: str
    expires_at: float


def digest(purpose: str, value: str) -> str:
    """HMAC-SHA256 keyed with SECRET_KEY (and a purpose), so a cache dump reveals nothing usable."""
    return salted_hmac(f"ocg.identity.passwordless.{purpose}", value, algorithm="sha256").hexdigest()


def challenge_key(email: str) -> str:
    return f"passwordless:challenge:{digest('email', email)}"


def attempts_key(nonce: str) -> str:
    return f"passwordless:attempts:{nonce}"


def config(name: str) -> Any:
    return settings.PASSWORDLESS[name]


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


def active_user(email: str) -> User | None:
    return User.objects.filter(email=email, is_active=True).first()


def magic_link(email: str, token: str) -> str:
    """The token rides in the fragment: browsers never send it to a server, so it stays out of logs."""
    return f"{settings.STOREFRONT_URL}{MAGIC_LINK_PATH}#{urlencode({'email': email, 'token': token})}"


def passwordless_request(email: str, *, client_ip: str) -> dict[str, bool]:
    """Always answers `{"sent": True}` after the same work: checks, limits, and one task queued.

    Looking the account up, storing the challenge and mailing happen in the task, so neither the answer nor
    its timing tells whether the address has an account; only the address is queued, never a code.
    """
    from ocg.identity.tasks import deliver_sign_in

    email = normalize_email(email)
    check_rate_limits(email, client_ip)
    deliver_sign_in.delay(email)
    return {"sent": True}


def start_sign_in(email: str) -> None:
    """For an existing, active account: store a fresh challenge (replacing any older one) and mail it."""
    if active_user(email) is None:
        return
    ttl = config("TTL_SECONDS")
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    token = secrets.token_urlsafe(32)
    nonce = secrets.token_hex(16)
    challenge = Challenge(
        nonce=nonce,
        code_digest=digest("code", f"{nonce}:{code}"),
        token_digest=digest("token", f"{nonce}:{token}"),
        expires_at=timezone.now().timestamp() + ttl,
    )
    cache.set(attempts_key(nonce), 0, timeout=ttl)
    cache.set(challenge_key(email), asdict(challenge), timeout=ttl)
    send_sign_in_mail(email, code, magic_link(email, token), ttl)


def send_sign_in_mail(email: str, code: str, link: str, ttl_seconds: int) -> None:
    """A mail failure is logged (never with the code) and answered like success, which keeps the answer constant."""
    minutes = ttl_seconds // 60
    body = (
        f"Your OCG WebStore sign-in code is {code}.\n\n"
        f"Or open this link to sign in:\n{link}\n\n"
        f"The code and the link work once and expire in {minutes} minutes. "
        "If you did not ask to sign in, ignore this email."
    )
    try:
        send_mail("Your OCG WebStore sign-in code", body, None, [email])
    except Exception as error:
        logger.error("Passwordless sign-in mail could not be sent: %s", type(error).__name__)


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
