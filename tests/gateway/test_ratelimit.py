"""Rate limits: per client IP before authentication, per user after it, stricter for sign-in; fail open.

Sign-in surfaces are registered by the identity context; every attempt counts against `auth`, and a GraphQL
request that packs several sign-ins (aliases, operations, fragments, batches) is refused before it runs.
"""

import json
import logging

import pytest
from django.contrib.auth.signals import user_login_failed
from django.test import RequestFactory
from django.urls import reverse

from ocg.identity.models import User
from ocg.identity.tokens import issue_token_pair
from ocg.schema import schema
from ocg.spine import ratelimit
from ocg.spine.localbroker import free_port
from ocg.spine.sign_in_surfaces import sign_in_attempts, surfaces

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
    assert refused.json()["code"] == "rate_limited" and refused.json()["errors"] == []
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
def test_a_bearer_token_user_is_counted_once_per_request_with_the_ip_in_one_call(client, settings, redis_client):
    """The limiter counts the token's user before authentication, with the IP; the later check does not count
    the same request again."""
    limits(settings, user=(2, 60))
    user = User.objects.create_user("bearer-limited@example.com", "a-long-password")
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {issue_token_pair(user, 'password')['access']}"}
    answered = [client.get(ANYWHERE, REMOTE_ADDR=f"203.0.113.{40 + i}", **bearer).status_code for i in range(2)]
    refused = client.get(ANYWHERE, REMOTE_ADDR="203.0.113.50", **bearer)

    assert 429 not in answered, "one request was counted twice against the user"
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    [key] = [key for key in redis_client.keys("*") if f"user:{user.pk}:".encode() in key]
    assert int(redis_client.get(key)) == 3


@pytest.mark.django_db
def test_a_forged_token_does_not_spend_its_named_users_budget(client, settings, redis_client):
    limits(settings, user=(1, 60))
    victim = User.objects.create_user("victim@example.com", "a-long-password")
    header, payload, _signature = issue_token_pair(victim, "password")["access"].split(".")
    forged = {"HTTP_AUTHORIZATION": f"Bearer {header}.{payload}.{'A' * 43}"}
    for _ in range(3):
        assert client.get(ANYWHERE, **forged).status_code == 401
    assert not [key for key in redis_client.keys("*") if f"user:{victim.pk}:".encode() in key]
    genuine = {"HTTP_AUTHORIZATION": f"Bearer {issue_token_pair(victim, 'password')['access']}"}
    assert client.get(ANYWHERE, **genuine).status_code != 429


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
    refused = client.post("/graphql", {"query": SIGN_IN}, content_type="application/json", **ip)
    queries = statuses(client, 3, "/graphql?query={__typename}", **ip)

    assert attempts == [200, 200, 429]
    assert refused.status_code == 429
    seconds = int(refused["Retry-After"])
    assert 1 <= seconds <= 60
    assert refused.json() == {
        "errors": [
            {
                "message": f"Too many requests. Try again in {seconds} seconds.",
                "extensions": {"code": "rate_limited", "retryAfter": seconds},
            }
        ]
    }
    assert 429 not in queries


def graphql_request(body: str, content_type: str = "application/json", path: str = "/graphql"):
    return RequestFactory().post(path, body, content_type=content_type)


@pytest.mark.parametrize(
    ("query", "attempts"),
    [
        ('mutation { tokenCreate(email: "a", password: "b") { errors { code } } }', 1),
        ('mutation { x: tokenRefresh(refresh: "r") { errors { code } } }', 1),
        ('mutation { passwordlessVerify(email: "a", code: "1") { errors { code } } }', 1),
        ('mutation { socialTokenExchange(code: "1") { errors { code } } }', 1),
        ('mutation { ...M } fragment M on Mutation { passwordlessRequest(email: "a") { errors { code } } }', 1),
        ('mutation { ... on Mutation { tokenCreate(email: "a", password: "b") { errors { code } } } }', 1),
        # Packed: aliases, two operations, a fragment spread twice, a fragment inside a fragment.
        (
            'mutation { a: tokenCreate(email: "a", password: "1") { errors { code } } '
            'b: tokenCreate(email: "a", password: "2") { errors { code } } }',
            2,
        ),
        (
            'mutation A { tokenCreate(email: "a", password: "1") { errors { code } } } '
            'mutation B { tokenCreate(email: "a", password: "2") { errors { code } } }',
            2,
        ),
        (
            "mutation { ...M ...M } "
            'fragment M on Mutation { tokenCreate(email: "a", password: "b") { errors { code } } }',
            2,
        ),
        (
            "mutation { ...Outer } "
            'fragment Outer on Mutation { ...Inner x: passwordlessVerify(email: "a", code: "1") { errors { code } } } '
            'fragment Inner on Mutation { tokenCreate(email: "a", password: "b") { errors { code } } }',
            2,
        ),
        # An alias named like a sign-in field is not one; a query merely mentioning one is not either.
        ('mutation { tokenCreate: productRename(id: "x", name: "n") { errors { code } } }', 0),
        ("query { tokenCreate: __typename }", 0),
        ("{ products(first: 1) { name } } # tokenCreate", 0),
        ("{ __typename }", 0),
        # Text that does not parse runs nothing, but naming a sign-in field it still counts as an attempt.
        ("mutation { tokenCreate(", 1),
    ],
)
def test_graphql_sign_ins_are_counted_by_field_name_wherever_they_hide(query, attempts):
    assert sign_in_attempts(graphql_request(json.dumps({"query": query}))) == attempts


def test_graphql_sign_in_detection_sees_through_json_escapes_and_other_encodings():
    escaped = '{"query": "mutation { \\u0074okenCreate(email: \\"a\\", password: \\"b\\") { errors { code } } }"}'
    raw = 'mutation { tokenCreate(email: "a", password: "b") { errors { code } } }'
    assert sign_in_attempts(graphql_request(escaped)) == 1
    assert sign_in_attempts(graphql_request(raw, "application/graphql")) == 1
    assert sign_in_attempts(RequestFactory().post("/graphql", {"query": raw})) == 1  # multipart form
    assert sign_in_attempts(graphql_request("{}", path=f"/graphql?query={raw}")) == 1
    # A percent-encoded parameter name is still `query` to graphene-django.
    assert sign_in_attempts(graphql_request("{}", path=f"/graphql?%71uery={raw}")) == 1


def test_a_batch_counts_every_item_and_a_url_query_once_per_item():
    one = {"query": 'mutation { tokenCreate(email: "a", password: "b") { errors { code } } }'}
    harmless = {"query": "{ __typename }"}
    raw = one["query"]

    assert sign_in_attempts(graphql_request(json.dumps([one, harmless]))) == 1
    assert sign_in_attempts(graphql_request(json.dumps([one, one]))) == 2
    assert sign_in_attempts(graphql_request(json.dumps([{}, {}, {}]), path=f"/graphql?query={raw}")) == 2


def test_the_cheap_pre_filter_is_made_of_the_registered_names():
    registered = surfaces()
    assert registered.fields
    for name in registered.fields:
        assert registered.body_hint.search(name.encode()) and registered.text_hint.search(name)
    assert not registered.body_hint.search(b'{"query": "{ me { id email roles } }"}')
    assert registered.body_hint.search(b'{"query": "\\u0074"}')


def test_every_registered_graphql_field_is_a_root_mutation_and_the_admin_login_is_a_form():
    mutation_fields = set(schema.graphql_schema.mutation_type.fields)
    assert surfaces().fields <= mutation_fields
    admin_login = RequestFactory().post(reverse("admin:login"))
    assert sign_in_attempts(admin_login) == 1
    assert sign_in_attempts(RequestFactory().get(reverse("admin:login"))) == 0


@pytest.fixture
def password_checks():
    """Every failed authenticate() call, as Django reports it: a real signal, so no sign-in runs unseen."""
    failures = []

    def record(sender, credentials, **kwargs):
        failures.append(credentials.get("username"))

    user_login_failed.connect(record)
    yield failures
    user_login_failed.disconnect(record)


def packed_sign_ins(count: int) -> str:
    fields = " ".join(
        f'g{i}: tokenCreate(email: "victim@example.com", password: "guess-{i}") {{ errors {{ code }} }}'
        for i in range(count)
    )
    return f"mutation {{ {fields} }}"


PACKED = {
    "aliases": lambda: {"query": packed_sign_ins(31)},
    "two operations": lambda: {
        "query": 'mutation A { tokenCreate(email: "victim@example.com", password: "one") { errors { code } } } '
        'mutation B { tokenCreate(email: "victim@example.com", password: "two") { errors { code } } }',
        "operationName": "A",
    },
    "fragments": lambda: {
        "query": "mutation { ...G ...G } fragment G on Mutation "
        '{ tokenCreate(email: "victim@example.com", password: "g") { errors { code } } }'
    },
    "batch": lambda: [{"query": packed_sign_ins(1)}, {"query": packed_sign_ins(1)}],
}


@pytest.mark.django_db
@pytest.mark.parametrize("packing", PACKED)
def test_a_graphql_request_with_more_than_one_sign_in_is_refused_before_anything_runs(
    client, settings, password_checks, packing
):
    limits(settings, auth=(5, 60))
    ip = {"REMOTE_ADDR": "203.0.113.42"}

    refused = client.post("/graphql", PACKED[packing](), content_type="application/json", **ip)
    single = client.post("/graphql", {"query": packed_sign_ins(1)}, content_type="application/json", **ip)

    assert refused.status_code == 400
    assert refused.json() == {
        "errors": [
            {
                "message": "A request may hold one sign-in; send each sign-in as its own request.",
                "extensions": {"code": "one_sign_in_per_request"},
            }
        ]
    }
    assert single.status_code == 200
    assert password_checks == ["victim@example.com"], "only the single sign-in checked a password"


@pytest.mark.django_db
def test_a_refused_packed_request_still_counts_against_the_auth_scope(client, settings):
    limits(settings, auth=(2, 60))
    ip = {"REMOTE_ADDR": "203.0.113.43"}

    answers = [
        client.post("/graphql", {"query": packed_sign_ins(31)}, content_type="application/json", **ip).status_code
        for _ in range(3)
    ]

    assert answers == [400, 400, 429]


@pytest.mark.django_db
def test_the_admin_login_form_has_the_auth_scope_and_a_browser_gets_a_page(client, settings):
    limits(settings, auth=(2, 60))
    ip = {"REMOTE_ADDR": "203.0.113.44"}
    login = reverse("admin:login")
    form = {"username": "nobody@example.com", "password": "wrong-password"}

    attempts = [client.post(login, form, **ip).status_code for _ in range(2)]
    refused = client.post(login, form, **ip)
    page = client.get(login, **ip)

    assert attempts == [200, 200]
    assert refused.status_code == 429
    assert refused["Content-Type"].startswith("text/html")
    assert int(refused["Retry-After"]) >= 1
    assert b"Too many sign-in attempts" in refused.content
    assert page.status_code == 200, "showing the form is not a sign-in"


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
