"""Passwordless challenges: creating one (a 6-digit code and a magic-link token) and mailing it.

Runs in the Celery task that every passwordless request queues, so looking the account up and mailing
happen out of the request's sight. Only HMAC-SHA256 digests keyed with SECRET_KEY are stored (in the
Django cache), never the code or the token. One challenge per email exists at a time: a new one replaces it.
"""

from __future__ import annotations

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

from ocg.identity.models import User

logger = logging.getLogger(__name__)

CODE_DIGITS = 6
MAGIC_LINK_PATH = "/login/magic"


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


def active_user(email: str) -> User | None:
    return User.objects.filter(email=email, is_active=True).first()


def magic_link(email: str, token: str) -> str:
    """The token rides in the fragment: browsers never send it to a server, so it stays out of logs."""
    return f"{settings.STOREFRONT_URL}{MAGIC_LINK_PATH}#{urlencode({'email': email, 'token': token})}"


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
