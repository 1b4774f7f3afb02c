"""`auth`: an authenticated `me` query against the same query anonymously, over real HTTP.

The server is uvicorn with two workers on the benchmark database and Redis, so every request
pays the whole stack: request log, rate limits (one Redis call each), token checks, GraphQL.
The rate limiter's own cost is measured separately, call by call, against the same Redis.
"""

from __future__ import annotations

import http.client
import json
import time

from django.conf import settings

from ocg.spine import ratelimit
from ocg.spine.bench.common import percentile, reset, run_threads, say, start_server, stop_server
from ocg.spine.localbroker import free_port

ME_QUERY = json.dumps({"query": "{ me { id email roles } }"}).encode()
CLIENT_THREADS = 4
LIMITER_CALLS = 5000
BENCH_EMAIL = "bench-auth@ocg.example"
BENCH_PASSWORD = "a-long-bench-password-1"  # noqa: S105 - a throwaway account in the benchmark database


def post(connection: http.client.HTTPConnection, body: bytes, token: str | None) -> dict:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    connection.request("POST", "/graphql", body=body, headers=headers)
    response = connection.getresponse()
    payload = response.read()
    if response.status != 200:
        raise RuntimeError(f"/graphql answered {response.status}: {payload[:200]!r}")
    return json.loads(payload)


def sign_in(port: int) -> str:
    from ocg.identity.models import User

    User.objects.filter(email=BENCH_EMAIL).delete()
    User.objects.create_user(BENCH_EMAIL, BENCH_PASSWORD)
    mutation = 'mutation { tokenCreate(email: "%s", password: "%s") { result { access } errors { code } } }'
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    body = json.dumps({"query": mutation % (BENCH_EMAIL, BENCH_PASSWORD)}).encode()
    payload = post(connection, body, None)["data"]["tokenCreate"]
    if payload["errors"]:
        raise RuntimeError(f"sign-in failed: {payload['errors']}")
    return payload["result"]["access"]


def requests_per_second(port: int, token: str | None, seconds: float) -> float:
    connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=10) for _ in range(CLIENT_THREADS)]
    me = post(connections[0], ME_QUERY, token)["data"]["me"]
    if (me is not None) != (token is not None):
        raise RuntimeError(f"unexpected me: {me!r}")
    rate = run_threads(CLIENT_THREADS, seconds, lambda index: post(connections[index], ME_QUERY, token))
    for connection in connections:
        connection.close()
    return rate


def limiter_latency_ms(redis_url: str) -> tuple[float, float]:
    """p50 and p99 of one limiter check (IP and user scope in one call) against real Redis."""
    settings.REDIS_URL = redis_url
    ratelimit.reset()
    durations = []
    for index in range(LIMITER_CALLS):
        started = time.perf_counter()
        ratelimit.hit([("ip", f"bench-{index % 50}"), ("user", "bench-user")])
        durations.append((time.perf_counter() - started) * 1000)
    ratelimit.reset()
    durations.sort()
    return percentile(durations, 0.5), percentile(durations, 0.99)


def run(quick: bool) -> dict:
    seconds = 3.0 if quick else 8.0
    redis_url = settings.REDIS_URL or "redis://127.0.0.1:6379/0"
    reset()
    port = free_port()
    server = start_server(port, redis_url)
    try:
        token = sign_in(port)
        anonymous, authenticated = [], []
        for round_number in range(2):
            say(f"round {round_number + 1}: anonymous then authenticated, {seconds:.0f} s each")
            anonymous.append(requests_per_second(port, None, seconds))
            authenticated.append(requests_per_second(port, token, seconds))
    finally:
        stop_server(server)
    p50, p99 = limiter_latency_ms(redis_url)
    anonymous_rate = sum(anonymous) / len(anonymous)
    authenticated_rate = sum(authenticated) / len(authenticated)
    return {
        "authenticated_per_s": round(authenticated_rate, 1),
        "anonymous_per_s": round(anonymous_rate, 1),
        "ratio": round(authenticated_rate / anonymous_rate, 3),
        "ratelimit_p50_ms": round(p50, 3),
        "ratelimit_p99_ms": round(p99, 3),
        "client_threads": CLIENT_THREADS,
    }
