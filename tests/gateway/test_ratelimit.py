"""Rate limits: per client IP before authentication, per user after it, stricter for sign-in; fail open."""

import json
import logging

import pytest
from django.test import RequestFactory

from ocg.identity.models import User
from ocg.spine import ratelimit
from ocg.spine.localbroker import free_port

ANYWHERE = "/api/catalog/products/not-a-uuid"


def limits(settings, **scopes):
    settings.RATE_LIMITS = {"ip": (1000, 60), "user": (1000, 60), "auth": (1000, 60), **scopes}


def statuses(client, count, path=ANYWHERE, **extra):
    return [client.get(path, **extra).status_code for _ in range(count)]


def test_over_the_ip_limit_answers_429_with_retry_after(client, settings):
    limits(settings, ip=(3, 60))

    answered = statuses(client, 3, REMOTE_ADDR="203.0.113.10")
    refused = client.get(ANYWHERE, REMOTE_ADDR="203.0.113.10")
    other_client = client.get(ANYWHERE, REMOTE_ADDR="203.0.113.11")

    assert 429 not in answered
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert f"{refused['Retry-After']} seconds" in refused.json()["message"]
    assert other_client.status_code != 429


def test_clients_behind_a_trusted_proxy_are_counted_apart_and_spoofing_does_not_help(client, settings):
    limits(settings, ip=(2, 60))
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]

    first = statuses(client, 3, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.1")
    second = statuses(client, 2, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.2")
    spoofed = [
        client.get(ANYWHERE, REMOTE_ADDR="203.0.113.50", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code
        for i in range(10, 13)
    ]

    assert first[-1] == 429 and 429 not in first[:2]
    assert 429 not in second
    assert spoofed[-1] == 429


def test_health_probes_are_never_limited(client, settings):
    limits(settings, ip=(1, 60))
    assert 429 not in statuses(client, 3, "/healthz", REMOTE_ADDR="203.0.113.12")


@pytest.mark.django_db
def test_a_signed_in_user_is_limited_across_ips(client, settings):
    limits(settings, user=(2, 60))
    user = User.objects.create_user("limited@example.com", "a-long-password")
    other = User.objects.create_user("other@example.com", "a-long-password")

    client.force_login(user)
    answered = [client.get(ANYWHERE, REMOTE_ADDR=f"203.0.113.{20 + i}").status_code for i in range(2)]
    refused = client.get(ANYWHERE, REMOTE_ADDR="203.0.113.30")
    client.force_login(other)
    other_user = client.get(ANYWHERE, REMOTE_ADDR="203.0.113.30")

    assert 429 not in answered
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert other_user.status_code != 429


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/api/auth/token",
        "/api/auth/token/refresh",
        "/api/auth/passwordless/request",
        "/api/auth/passwordless/verify",
        "/api/auth/social/exchange",
    ],
)
def test_sign_in_endpoints_have_the_stricter_auth_scope(client, settings, path):
    limits(settings, auth=(2, 60))
    ip = {"REMOTE_ADDR": "203.0.113.40"}

    attempts = [client.post(path, {}, content_type="application/json", **ip).status_code for _ in range(3)]
    elsewhere = client.get(ANYWHERE, **ip)

    assert 429 not in attempts[:2] and attempts[2] == 429
    assert elsewhere.status_code != 429


SIGN_IN = (
    'mutation { signIn: tokenCreate(email: "nobody@example.com", password: "wrong-password") { errors { code } } }'
)


@pytest.mark.django_db
def test_graphql_sign_in_mutations_have_the_stricter_auth_scope(client, settings):
    limits(settings, auth=(2, 60))
    ip = {"REMOTE_ADDR": "203.0.113.41"}

    attempts = [
        client.post("/graphql", {"query": SIGN_IN}, content_type="application/json", **ip).status_code for _ in range(3)
    ]
    queries = statuses(client, 3, "/graphql?query={__typename}", **ip)

    assert attempts == [200, 200, 429]
    assert 429 not in queries


def graphql_request(body: str, content_type: str = "application/json", path: str = "/graphql"):
    return RequestFactory().post(path, body, content_type=content_type)


@pytest.mark.parametrize(
    ("query", "is_auth"),
    [
        ('mutation { tokenCreate(email: "a", password: "b") { errors { code } } }', True),
        ('mutation { x: tokenRefresh(refresh: "r") { errors { code } } }', True),
        ('mutation { passwordlessVerify(code: "1") { errors { code } } }', True),
        ('mutation { socialTokenExchange(code: "1") { errors { code } } }', True),
        ('mutation { passwordResetConfirm(token: "t") { errors { code } } }', True),
        ('mutation { ...M } fragment M on Mutation { passwordlessRequest(email: "a") { errors { code } } }', True),
        ('mutation { ... on Mutation { tokenCreate(email: "a", password: "b") { errors { code } } } }', True),
        # An alias named like a sign-in field is not one; a query merely mentioning one is not either.
        ('mutation { tokenCreate: productRename(id: "x", name: "n") { errors { code } } }', False),
        ("query { tokenCreate: productCount }", False),
        ("{ products(first: 1) { name } } # tokenCreate", False),
        ("{ productCount }", False),
        # Unparseable text that names a sign-in field counts, to be safe.
        ("mutation { tokenCreate(", True),
    ],
)
def test_graphql_sign_in_detection_follows_field_names_not_aliases(query, is_auth):
    assert ratelimit.is_auth_request(graphql_request(json.dumps({"query": query}))) is is_auth


def test_graphql_sign_in_detection_sees_through_json_escapes_and_other_encodings():
    escaped = '{"query": "mutation { \\u0074okenCreate(email: \\"a\\", password: \\"b\\") { errors { code } } }"}'
    raw = 'mutation { tokenCreate(email: "a", password: "b") { errors { code } } }'
    assert ratelimit.is_auth_request(graphql_request(escaped))
    assert ratelimit.is_auth_request(graphql_request(raw, "application/graphql"))
    assert ratelimit.is_auth_request(
        RequestFactory().post("/graphql", {"query": raw})  # multipart form
    )
    assert ratelimit.is_auth_request(graphql_request("{}", path=f"/graphql?query={raw}"))


def test_counters_live_in_redis_with_an_expiry(client, settings, redis_client):
    limits(settings)
    client.get(ANYWHERE, REMOTE_ADDR="203.0.113.60")
    client.get(ANYWHERE, REMOTE_ADDR="203.0.113.60")

    keys = list(redis_client.scan_iter(f"{ratelimit.KEY_PREFIX}ip:203.0.113.60:*"))
    assert len(keys) == 1
    assert int(redis_client.get(keys[0])) == 2
    assert 0 < redis_client.ttl(keys[0]) <= 61


def test_ipv6_clients_are_counted_per_64(client, settings, redis_client):
    limits(settings, ip=(2, 60))
    answered = [client.get(ANYWHERE, REMOTE_ADDR=f"2001:db8:0:1::{i}").status_code for i in range(1, 4)]
    assert answered[-1] == 429
    assert list(redis_client.scan_iter(f"{ratelimit.KEY_PREFIX}ip:2001:db8:0:1::/64:*"))


def test_without_redis_the_limiter_counts_in_the_process(client, settings, redis_client):
    settings.REDIS_URL = None
    limits(settings, ip=(2, 60))

    answered = statuses(client, 3, REMOTE_ADDR="203.0.113.70")

    assert answered[-1] == 429 and 429 not in answered[:2]
    assert not list(redis_client.scan_iter(f"{ratelimit.KEY_PREFIX}*"))


def test_when_redis_is_down_requests_pass_and_a_warning_is_logged(client, settings, caplog):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    ratelimit.reset()
    limits(settings, ip=(1, 60))

    with caplog.at_level(logging.WARNING, logger="ocg.spine.ratelimit"):
        answered = statuses(client, 3, REMOTE_ADDR="203.0.113.80")

    assert 429 not in answered
    warnings = [r for r in caplog.records if r.name == "ocg.spine.ratelimit"]
    assert len(warnings) == 1 and "Redis is unreachable" in warnings[0].getMessage()


def test_memory_counters_are_safe_across_threads():
    from concurrent.futures import ThreadPoolExecutor

    counters = ratelimit.MemoryCounters()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: counters.increment([("k", 60)], 1000.0), range(400)))
    assert counters.increment([("k", 60)], 1000.0) == [401]
