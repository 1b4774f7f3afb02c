"""Fixed-window rate limits per client IP, per user, and stricter for sign-in surfaces.

Counters live in Redis when REDIS_URL is set (shared by every process), otherwise in this process (embedded
mode). Counting is one Lua script call (INCR, and EXPIRE when the key is new): atomic, one round trip. The key
carries the window number, so Retry-After is the time left in the window. Limits and windows come from
settings.RATE_LIMITS as `{scope: (requests, seconds)}`. When Redis is unreachable the limiter fails open
(logged) for a short pause rather than take the site down. Which requests are sign-ins is registered by the
contexts that own them (ocg.spine.sign_in_surfaces).
"""

from __future__ import annotations

import html
import ipaddress
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import redis
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from ocg.spine.gateway import client_ip
from ocg.spine.sign_in_surfaces import GRAPHQL_PATH, MANY, is_sign_in_form, sign_in_attempts

logger = logging.getLogger(__name__)

KEY_PREFIX = "ocg:rl:"
REDIS_TIMEOUT_SECONDS = 0.25
REDIS_RETRY_AFTER_FAILURE_SECONDS = 5.0
UNLIMITED_PATHS = ("/healthz", "/readyz", "/metrics", "/static/")


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int = 0


class MemoryCounters:
    """Counters for one process, for the embedded mode without Redis."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: dict[str, tuple[float, int]] = {}

    def increment(self, keys: list[tuple[str, int]], now: float) -> list[int]:
        results = []
        with self.lock:
            if len(self.counts) > 10_000:
                self.counts = {key: value for key, value in self.counts.items() if value[0] > now}
            for key, window in keys:
                expires, count = self.counts.get(key, (0.0, 0))
                if expires <= now:
                    expires, count = now + window, 0
                self.counts[key] = (expires, count + 1)
                results.append(count + 1)
        return results

    def clear(self) -> None:
        with self.lock:
            self.counts.clear()


INCREMENT_SCRIPT = """
local counts = {}
for i, key in ipairs(KEYS) do
  counts[i] = redis.call('INCR', key)
  if counts[i] == 1 then redis.call('EXPIRE', key, ARGV[i]) end
end
return counts
"""


class RedisCounters:
    """Counters in Redis: one shared connection pool per process and URL, one script call per check."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.client = redis.Redis.from_url(
            url,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            health_check_interval=30,
        )
        self.scripts: dict[str, redis.commands.core.Script] = {}
        self.paused_until = 0.0

    def run(self, script: str, keys: list[str], args: list[object]) -> list | None:
        """The script's answer, or None while Redis is unreachable (callers then let the request through)."""
        now = time.monotonic()
        if self.paused_until > now:
            return None
        registered = self.scripts.get(script)
        if registered is None:
            registered = self.scripts[script] = self.client.register_script(script)
        try:
            return registered(keys=keys, args=args)
        except redis.RedisError as error:
            self.paused_until = now + REDIS_RETRY_AFTER_FAILURE_SECONDS
            logger.warning(
                "Rate limiting is off for %.0f s: Redis is unreachable (%s)", REDIS_RETRY_AFTER_FAILURE_SECONDS, error
            )
            return None

    def increment(self, keys: list[tuple[str, int]], now: float) -> list[int] | None:
        """The new counts, or None while Redis is unreachable."""
        return self.run(INCREMENT_SCRIPT, [key for key, _window in keys], [window + 1 for _key, window in keys])

    def close(self) -> None:
        self.client.close()


_lock = threading.Lock()
_memory = MemoryCounters()
_redis: RedisCounters | None = None


def counters() -> RedisCounters | MemoryCounters:
    """Redis when settings.REDIS_URL is set, else this process's counters; built once per URL."""
    global _redis
    url = settings.REDIS_URL
    if not url:
        return _memory
    current = _redis
    if current is not None and current.url == url:
        return current
    with _lock:
        if _redis is None or _redis.url != url:
            if _redis is not None:
                _redis.close()
            _redis = RedisCounters(url)
        return _redis


def reset() -> None:
    """Forget the Redis client and the in-process counts (tests switch REDIS_URL)."""
    global _redis
    with _lock:
        if _redis is not None:
            _redis.close()
        _redis = None
        _memory.clear()


def hit(checks: list[tuple[str, str]], now: float | None = None) -> Decision:
    """Count one request against each `(scope, identity)`; refused if any scope is over its limit."""
    now = time.time() if now is None else now
    limits = settings.RATE_LIMITS
    keys = []
    for scope, identity in checks:
        _limit, window = limits[scope]
        keys.append((f"{KEY_PREFIX}{scope}:{identity}:{int(now // window)}", window))
    counts = counters().increment(keys, now)
    if counts is None:
        return Decision(allowed=True)
    retry_after = 0
    for (scope, _identity), count in zip(checks, counts, strict=True):
        limit, window = limits[scope]
        if count > limit:
            retry_after = max(retry_after, math.ceil(window - now % window))
    return Decision(allowed=retry_after == 0, retry_after=retry_after)


def too_many_requests(decision: Decision, request: HttpRequest | None = None) -> HttpResponse:
    """429 in the asker's own shape: GraphQL errors on /graphql, a page for a browser's form, else the API's JSON."""
    seconds = decision.retry_after
    message = f"Too many requests. Try again in {seconds} seconds."
    if request is not None and request.path == GRAPHQL_PATH:
        response = JsonResponse(
            {"errors": [{"message": message, "extensions": {"code": "rate_limited", "retryAfter": seconds}}]},
            status=429,
        )
    elif request is not None and is_sign_in_form(request):
        page = (
            "<!doctype html><html lang=en><meta charset=utf-8><title>Too many attempts</title>"
            f"<h1>Too many sign-in attempts</h1><p>{html.escape(message)}</p></html>"
        )
        response = HttpResponse(page, status=429, content_type="text/html; charset=utf-8")
    else:
        response = JsonResponse({"code": "rate_limited", "message": message, "errors": []}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def more_than_one_sign_in() -> JsonResponse:
    """Refused before anything runs: one request is at most one guess, however the guesses are packed."""
    message = "A request may hold one sign-in; send each sign-in as its own request."
    error = {"message": message, "extensions": {"code": "one_sign_in_per_request"}}
    return JsonResponse({"errors": [error]}, status=400)


def ip_identity(address: str) -> str:
    """IPv6 clients are counted per /64: one host is handed a whole /64 and can rotate inside it."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address or "unknown"
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False).network_address) + "/64"
    return address


# Who a request speaks for, told before authentication runs: identity registers a bearer token's subject once
# its signature checks out. The IP's budget and the user's are then counted in one Redis call, not two.
_subject_resolvers: list[Callable[[HttpRequest], str | None]] = []
USER_COUNTED_ATTRIBUTE = "_ocg_rate_limited_user"


def register_request_subject(resolver: Callable[[HttpRequest], str | None]) -> None:
    if resolver not in _subject_resolvers:
        _subject_resolvers.append(resolver)


def request_subject(request: HttpRequest) -> str | None:
    for resolver in _subject_resolvers:
        subject = resolver(request)
        if subject:
            return subject
    return None


def is_limited_path(path: str) -> bool:
    return not path.startswith(UNLIMITED_PATHS)


class ClientRateLimitMiddleware:
    """Before authentication: every request counts against its client IP, sign-in requests also against `auth`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_limited_path(request.path):
            return self.get_response(request)
        identity = ip_identity(client_ip(request))
        checks = [("ip", identity)]
        attempts = sign_in_attempts(request)
        if attempts:
            checks.append(("auth", identity))
        subject = request_subject(request)
        if subject:
            checks.append(("user", subject))
            setattr(request, USER_COUNTED_ATTRIBUTE, subject)
        decision = hit(checks)
        if not decision.allowed:
            return too_many_requests(decision, request)
        if attempts >= MANY:
            return more_than_one_sign_in()
        return self.get_response(request)


class UserRateLimitMiddleware:
    """After authentication: requests of a signed-in user count against that user, whichever IP they come from."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        counted = getattr(request, USER_COUNTED_ATTRIBUTE, None)
        if user is not None and user.is_authenticated and is_limited_path(request.path) and counted != str(user.pk):
            decision = hit([("user", str(user.pk))])
            if not decision.allowed:
                return too_many_requests(decision, request)
        return self.get_response(request)
