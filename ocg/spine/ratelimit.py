"""Fixed-window rate limits per client IP, per user, and stricter for sign-in endpoints.

Counters live in Redis when REDIS_URL is set (shared by every process), otherwise in this process (embedded
mode). Counting is one Lua script call (INCR, and EXPIRE when the key is new): atomic, one round trip. The key
carries the window number, so Retry-After is the time left in the window. Limits and windows come from
settings.RATE_LIMITS as `{scope: (requests, seconds)}`. When Redis is unreachable the limiter fails open
(logged) for a short pause rather than take the site down.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import math
import re
import threading
import time
from dataclasses import dataclass

import redis
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.request import RawPostDataException
from graphql import FieldNode, FragmentSpreadNode, GraphQLError, InlineFragmentNode, OperationType, parse

from ocg.spine.gateway import client_ip

logger = logging.getLogger(__name__)

KEY_PREFIX = "ocg:rl:"
REDIS_TIMEOUT_SECONDS = 0.25
REDIS_RETRY_AFTER_FAILURE_SECONDS = 5.0
UNLIMITED_PATHS = ("/healthz", "/readyz", "/metrics", "/static/")

AUTH_REST_PATH = re.compile(
    r"^/api/auth/(?:token(?:/refresh)?/?$|passwordless(?:/|$)|password-reset|social/exchange/?$)"
)
AUTH_GRAPHQL_FIELD = re.compile(r"^(?:tokenCreate|tokenRefresh|socialTokenExchange|passwordless\w*|passwordReset\w*)$")
AUTH_GRAPHQL_HINT = re.compile(rb"token(?:Create|Refresh|Exchange)|passwordless|passwordReset|\\u", re.IGNORECASE)
AUTH_GRAPHQL_TEXT_HINT = re.compile(r"token(?:Create|Refresh)|TokenExchange|passwordless|passwordReset")
MAX_PARSED_QUERY_CHARS = 32 * 1024


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
        self.script = self.client.register_script(INCREMENT_SCRIPT)
        self.paused_until = 0.0

    def increment(self, keys: list[tuple[str, int]], now: float) -> list[int] | None:
        """The new counts, or None while Redis is unreachable (the caller then lets the request through)."""
        if self.paused_until > now:
            return None
        try:
            return self.script(keys=[key for key, _window in keys], args=[window + 1 for _key, window in keys])
        except redis.RedisError as error:
            self.paused_until = now + REDIS_RETRY_AFTER_FAILURE_SECONDS
            logger.warning(
                "Rate limiting is off for %.0f s: Redis is unreachable (%s)", REDIS_RETRY_AFTER_FAILURE_SECONDS, error
            )
            return None

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


def too_many_requests(decision: Decision) -> JsonResponse:
    response = JsonResponse(
        {"code": "rate_limited", "message": f"Too many requests. Try again in {decision.retry_after} seconds."},
        status=429,
    )
    response["Retry-After"] = str(decision.retry_after)
    return response


def ip_identity(address: str) -> str:
    """IPv6 clients are counted per /64: one host is handed a whole /64 and can rotate inside it."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address or "unknown"
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False).network_address) + "/64"
    return address


def is_auth_request(request: HttpRequest) -> bool:
    path = request.path
    if path.startswith("/api/auth/"):
        return AUTH_REST_PATH.match(path) is not None
    if path == "/graphql" and request.method == "POST":
        return graphql_is_auth(request)
    return False


def graphql_is_auth(request: HttpRequest) -> bool:
    """Whether a GraphQL request runs a sign-in mutation; cheap for everything else.

    Field names cannot be escaped in GraphQL, so a query without one of the names (or a JSON `\\u` escape)
    in its raw bytes cannot call them and is never parsed. Otherwise the query is parsed and the root
    mutation fields (aliases resolved, root fragments followed) are compared by name; a query too big to
    parse cheaply, or that does not parse, is counted as a sign-in attempt.
    """
    texts = []
    if "query" in request.META.get("QUERY_STRING", ""):
        texts.append(request.GET.get("query") or "")
    content_type = request.META.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
    try:
        body = request.body
    except (RawPostDataException, RequestDataTooBig):
        body = b""
    if content_type in ("application/json", "application/graphql"):
        if AUTH_GRAPHQL_HINT.search(body):
            texts.append(query_from_body(body, content_type))
    elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        texts.append(request.POST.get("query") or "")
    return any(AUTH_GRAPHQL_TEXT_HINT.search(text) and calls_auth_mutation(text) for text in texts if text)


def query_from_body(body: bytes, content_type: str) -> str:
    text = body.decode("utf-8", errors="replace")
    if content_type == "application/graphql":
        return text
    try:
        data = json.loads(text)
    except ValueError:
        return ""
    query = data.get("query") if isinstance(data, dict) else None
    return query if isinstance(query, str) else ""


def calls_auth_mutation(query: str) -> bool:
    if len(query) > MAX_PARSED_QUERY_CHARS:
        return True
    try:
        document = parse(query, no_location=True, max_tokens=5000)
    except (GraphQLError, RecursionError):
        return True
    fragments = {d.name.value: d for d in document.definitions if d.kind == "fragment_definition"}
    return any(
        getattr(definition, "operation", None) == OperationType.MUTATION
        and any(AUTH_GRAPHQL_FIELD.match(name) for name in root_field_names(definition.selection_set, fragments))
        for definition in document.definitions
    )


def root_field_names(selection_set, fragments, seen: frozenset[str] = frozenset()):
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection.name.value
        elif isinstance(selection, InlineFragmentNode):
            yield from root_field_names(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in fragments and name not in seen:
                yield from root_field_names(fragments[name].selection_set, fragments, seen | {name})


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
        if is_auth_request(request):
            checks.append(("auth", identity))
        decision = hit(checks)
        if not decision.allowed:
            return too_many_requests(decision)
        return self.get_response(request)


class UserRateLimitMiddleware:
    """After authentication: requests of a signed-in user count against that user, whichever IP they come from."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and is_limited_path(request.path):
            decision = hit([("user", str(user.pk))])
            if not decision.allowed:
                return too_many_requests(decision)
        return self.get_response(request)
