"""Fifty identical writes at once with one key, over HTTP against the ASGI server: the work runs once.

The server (uvicorn in a subprocess, as the image runs it) serves the idempotency test router and schema
from tests/spine/idempotency_app.py on the test database; the handler pauses so the copies overlap it.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from ocg.identity.models import User
from ocg.identity.tokens import issue_token_pair
from tests.e2e.asgi_server import Server, running_server
from tests.spine import idempotency_app

COPIES = 50
PAUSE_SECONDS = 1.0
PLACE = """
mutation Place($name: String!, $pause: Float) {
  thingPlace(name: $name, pause: $pause) { result { name runs } errors { code } }
}
"""


@pytest.fixture
def server(transactional_db, settings, tmp_path) -> Iterator[Server]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    idempotency_app.create_runs_table()
    try:
        with running_server(
            tmp_path / "server.log",
            DJANGO_SETTINGS_MODULE="tests.spine.idempotency_settings",
            RATE_LIMIT_IP_PER_MINUTE="100000",
            RATE_LIMIT_USER_PER_MINUTE="100000",
        ) as started:
            yield started
    finally:
        idempotency_app.drop_runs_table()


@pytest.fixture
def bearer(server) -> dict[str, str]:
    user = User.objects.create_user("many-clicks@example.com", "a-long-password-9")
    return {"Authorization": f"Bearer {issue_token_pair(user, 'password')['access']}"}


async def copies(server: Server, path: str, body: dict, headers: dict[str, str]) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=COPIES, max_keepalive_connections=COPIES)
    async with httpx.AsyncClient(base_url=server.base, timeout=60, limits=limits) as client:
        return await asyncio.gather(*(client.post(path, json=body, headers=headers) for _ in range(COPIES)))


def the_one_answer(responses: list[httpx.Response], status: int) -> httpx.Response:
    """Exactly one copy ran; every other one was refused in flight (409) or got that copy's answer replayed."""
    fresh = [r for r in responses if r.headers.get("Idempotent-Replayed") != "true" and r.status_code == status]
    assert len(fresh) == 1, Counter(r.status_code for r in responses)
    [original] = fresh
    for response in responses:
        if response is original:
            continue
        if response.status_code == 409:
            assert response.headers["Retry-After"] == "1"
            assert "idempotency_key_in_flight" in response.text
        else:
            assert response.headers.get("Idempotent-Replayed") == "true"
            assert (response.status_code, response.content) == (original.status_code, original.content)
    assert any(r.status_code == 409 for r in responses), "the copies never overlapped the first one"
    return original


def test_fifty_concurrent_rest_writes_with_one_key_run_once(server, bearer):
    headers = {**bearer, "Idempotency-Key": "one-click"}
    body = {"name": "coat", "pause": PAUSE_SECONDS}
    responses = asyncio.run(copies(server, "/api/test/things", body, headers))

    original = the_one_answer(responses, 201)
    assert original.json() == {"name": "coat", "runs": 1}
    assert idempotency_app.runs("rest-thing") == 1
    later = httpx.post(f"{server.base}/api/test/things", json=body, headers=headers, timeout=30)
    assert (later.headers["Idempotent-Replayed"], later.content) == ("true", original.content)


def test_fifty_concurrent_graphql_mutations_with_one_key_run_once(server, bearer):
    headers = {**bearer, "Idempotency-Key": "one-click"}
    body = {"query": PLACE, "variables": {"name": "coat", "pause": PAUSE_SECONDS}}
    responses = asyncio.run(copies(server, "/graphql", body, headers))

    original = the_one_answer(responses, 200)
    assert original.json()["data"]["thingPlace"] == {"result": {"name": "coat", "runs": 1}, "errors": []}
    assert idempotency_app.runs("graphql-thing") == 1
    in_flight = [r.json() for r in responses if r.status_code == 409]
    assert all(body["errors"][0]["extensions"]["code"] == "idempotency_key_in_flight" for body in in_flight)
