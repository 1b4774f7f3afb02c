"""Sign-in limits that cannot be gone around: per IP on every surface, per account on every password check.

Passwords are hashed by a real (fast) hasher that counts its work, so "no hash while locked" is measured.
The throttle's clock is driven by the test; Redis and PostgreSQL are real.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import redis
from asgiref.sync import async_to_sync
from django.conf import settings as django_settings
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from ocg.identity import services, sign_in
from ocg.identity.sign_in import RateLimited, ThrottledModelBackend
from ocg.spine import ratelimit, throttle

PASSWORD = "correct-horse-battery-9"
WRONG = "not-the-password-1"
EMAIL = "ada@example.com"
UNKNOWN = "nobody-here@example.com"
IP = {"REMOTE_ADDR": "198.51.100.9"}
# The lock-outs of the 6th, 7th, ... failure with the defaults: doubling from 1 s, capped at 15 minutes.
LOCKS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]

TOKEN_CREATE = """
mutation($email: String!, $password: String!) {
  tokenCreate(email: $email, password: $password) { result { access } errors { code message } }
}"""


class CountingHasher(MD5PasswordHasher):
    """A real hasher (fast, for tests only) that counts every hash it computes."""

    algorithm = "counting_md5"
    hashes = 0

    def encode(self, password: str, salt: str) -> str:
        CountingHasher.hashes += 1
        return super().encode(password, salt)


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(autouse=True)
def counting_hasher(settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]


@pytest.fixture
def clock(monkeypatch) -> Clock:
    controlled = Clock()
    monkeypatch.setattr(sign_in.throttle, "clock", controlled)
    return controlled


@pytest.fixture
def account(event_store):
    return services.register(EMAIL, PASSWORD)


@pytest.fixture
def staff(event_store):
    user = services.register(EMAIL, PASSWORD, role="admin")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def sign_in_code(email: str, password: str) -> str:
    """`ok`, or the code of the refusal, straight from the service every surface uses."""
    try:
        services.authenticate_password(email, password)
    except (RateLimited, services.InvalidCredentials) as refused:
        return refused.code
    return "ok"


def refusal(email: str, password: str = PASSWORD) -> RateLimited:
    with pytest.raises(RateLimited) as caught:
        services.authenticate_password(email, password)
    return caught.value


def fail_freely(email: str, times: int = 5) -> None:
    assert [sign_in_code(email, WRONG) for _ in range(times)] == ["invalid_credentials"] * times


@pytest.mark.parametrize("email", [EMAIL, UNKNOWN])
def test_failures_past_the_free_ones_lock_out_for_a_doubling_time_up_to_the_cap(account, clock, email):
    fail_freely(email)

    waits = []
    for _ in LOCKS:
        assert sign_in_code(email, WRONG) == "invalid_credentials"
        refused = refusal(email)
        waits.append(refused.retry_after)
        clock.advance(refused.retry_after - 0.5)
        assert refusal(email).retry_after == 1
        clock.advance(0.5)

    assert waits == LOCKS
    assert refused.code == "rate_limited"
    assert refused.message == "Too many failed sign-ins with this email. Try again in 900 seconds."


@pytest.mark.parametrize("email", [EMAIL, UNKNOWN])
def test_while_locked_no_password_is_hashed_for_a_known_or_an_unknown_email(account, clock, email):
    fail_freely(email)
    before = CountingHasher.hashes
    assert sign_in_code(email, WRONG) == "invalid_credentials"
    assert CountingHasher.hashes == before + 1, "a checked password is hashed once"

    before = CountingHasher.hashes
    codes = [sign_in_code(email, guess) for guess in (PASSWORD, WRONG, "another-guess-2")]

    assert codes == ["rate_limited"] * 3
    assert CountingHasher.hashes == before


def test_an_unknown_email_is_answered_exactly_like_a_known_one(account, clock):
    def story(email: str) -> list[str]:
        codes = [sign_in_code(email, WRONG) for _ in range(7)]
        codes.append(str(refusal(email).retry_after))
        return codes

    assert story(EMAIL) == story(UNKNOWN) == ["invalid_credentials"] * 6 + ["rate_limited", "1"]


def test_the_right_password_is_refused_while_locked_and_a_success_clears_the_count(account, clock):
    fail_freely(EMAIL)
    assert sign_in_code(EMAIL, WRONG) == "invalid_credentials"
    assert sign_in_code(EMAIL, PASSWORD) == "rate_limited"

    clock.advance(1)
    assert sign_in_code(EMAIL, PASSWORD) == "ok"

    fail_freely(EMAIL)
    assert sign_in_code(EMAIL, WRONG) == "invalid_credentials"
    assert refusal(EMAIL).retry_after == 1, "counting started again from zero"


def test_one_account_is_throttled_whatever_the_case_of_its_email_and_others_are_not(account, clock):
    fail_freely("ADA@Example.com")
    assert sign_in_code(" ada@EXAMPLE.com ", WRONG) == "invalid_credentials"

    assert sign_in_code(EMAIL, PASSWORD) == "rate_limited"
    assert sign_in_code("someone-else@example.com", WRONG) == "invalid_credentials"


def test_a_malformed_email_is_throttled_too(event_store, clock):
    fail_freely("not an email")
    assert sign_in_code("not an email", WRONG) == "invalid_credentials"
    before = CountingHasher.hashes
    assert sign_in_code("not an email", WRONG) == "rate_limited"
    assert CountingHasher.hashes == before


def test_redis_holds_no_email_and_forgets_failures_in_a_day(account, clock):
    fail_freely(EMAIL, times=2)

    server = redis.Redis.from_url(django_settings.REDIS_URL)
    keys = list(server.scan_iter(f"{ratelimit.KEY_PREFIX}fail:*"))
    assert len(keys) == 1
    assert b"ada" not in keys[0] and b"example" not in keys[0]
    assert all(b"ada" not in value for value in server.hgetall(keys[0]).values())
    assert 24 * 3600 - 10 < server.ttl(keys[0]) <= 24 * 3600
    server.close()


def test_settings_choose_the_free_failures_the_first_lock_and_the_cap(account, clock, settings):
    settings.SIGN_IN_THROTTLE = {
        "FREE_FAILURES": 2,
        "FIRST_LOCK_SECONDS": 10,
        "MAX_LOCK_SECONDS": 30,
        "FORGET_SECONDS": 3600,
    }
    fail_freely(EMAIL, times=2)

    waits = []
    for _ in range(4):
        assert sign_in_code(EMAIL, WRONG) == "invalid_credentials"
        waits.append(refusal(EMAIL).retry_after)
        clock.advance(waits[-1])

    assert waits == [10, 20, 30, 30]


def test_without_redis_the_throttle_counts_in_the_process(account, clock, settings):
    settings.REDIS_URL = None
    fail_freely(EMAIL)
    assert sign_in_code(EMAIL, WRONG) == "invalid_credentials"
    assert refusal(EMAIL).retry_after == 1
    clock.advance(1)
    assert sign_in_code(EMAIL, PASSWORD) == "ok"
    throttle.reset()


def test_the_backends_async_check_goes_through_the_throttle_too(account, clock):
    fail_freely(EMAIL)
    assert sign_in_code(EMAIL, WRONG) == "invalid_credentials"
    before = CountingHasher.hashes

    with pytest.raises(RateLimited):
        async_to_sync(ThrottledModelBackend().aauthenticate)(None, username=EMAIL, password=PASSWORD)
    assert CountingHasher.hashes == before


def graphql(client, query: str, **variables: Any) -> dict[str, Any]:
    response = client.post("/graphql", {"query": query, "variables": variables}, content_type="application/json", **IP)
    assert response.status_code == 200, response.content
    return response.json()


def test_graphql_and_rest_sign_ins_answer_rate_limited_while_locked(client, account, clock):
    fail_freely(EMAIL)
    assert sign_in_code(EMAIL, WRONG) == "invalid_credentials"

    answer = graphql(client, TOKEN_CREATE, email=EMAIL, password=PASSWORD)["data"]["tokenCreate"]
    rest = client.post("/api/auth/token", {"email": EMAIL, "password": PASSWORD}, content_type="application/json")

    assert answer["result"] is None
    assert answer["errors"] == [
        {"code": "rate_limited", "message": "Too many failed sign-ins with this email. Try again in 1 seconds."}
    ]
    assert rest.status_code == 429
    assert rest.json()["code"] == "rate_limited"
    assert rest["Retry-After"] == "1"

    clock.advance(1)
    signed_in = graphql(client, TOKEN_CREATE, email=EMAIL, password=PASSWORD)["data"]["tokenCreate"]
    assert signed_in["errors"] == [] and signed_in["result"]["access"]


def admin_login(client, password: str):
    return client.post(reverse("admin:login"), {"username": EMAIL, "password": password}, **IP)


def signed_in_to_admin(client) -> bool:
    return client.get(reverse("admin:index"), **IP).status_code == 200


@pytest.fixture
def auth_limit(settings):
    """Puts the per-IP `auth` scope back to a real limit, with no counts left from earlier requests."""

    def set_limit(requests: int) -> None:
        settings.RATE_LIMITS = {**django_settings.RATE_LIMITS, "auth": (requests, 60)}
        server = redis.Redis.from_url(django_settings.REDIS_URL)
        for key in server.scan_iter(f"{ratelimit.KEY_PREFIX}auth:*"):
            server.delete(key)
        server.close()
        away_from_a_window_edge()

    return set_limit


def away_from_a_window_edge(window: int = 60, margin: float = 5.0) -> None:
    """Fixed windows restart their counts on the minute: a burst that straddles one would be counted twice."""
    left = window - time.time() % window
    if left < margin:
        time.sleep(left + 0.1)


def test_admin_login_22_wrong_then_the_right_one_is_refused_by_the_per_ip_limit(client, staff, auth_limit):
    auth_limit(10)
    ip = {"REMOTE_ADDR": "198.51.100.77"}
    login = reverse("admin:login")

    wrong = [client.post(login, {"username": EMAIL, "password": f"guess-{i}"}, **ip).status_code for i in range(22)]
    right = client.post(login, {"username": EMAIL, "password": PASSWORD}, **ip)

    assert 429 not in wrong[:10] and set(wrong[10:]) == {429}
    assert right.status_code == 429
    assert not signed_in_to_admin(client)


def test_admin_login_is_throttled_per_account_as_a_form_error(client, staff, clock):
    wrong = [admin_login(client, f"guess-{i}") for i in range(22)]
    right = admin_login(client, PASSWORD)

    assert [answer.status_code for answer in wrong] == [200] * 22
    assert b"Too many failed sign-ins with this email" in wrong[-1].content
    assert right.status_code == 200 and b"Too many failed sign-ins with this email. Try again in 1 seconds." in (
        right.content
    )
    assert not signed_in_to_admin(client)

    clock.advance(1)
    assert admin_login(client, PASSWORD).status_code == 302
    assert signed_in_to_admin(client)


@pytest.fixture
def local_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    cache.clear()
    yield
    cache.clear()


def passwordless(client, path: str, ip: str, **body: Any):
    return client.post(
        f"/api/auth/passwordless/{path}", json.dumps(body), content_type="application/json", REMOTE_ADDR=ip
    )


def test_passwordless_requests_are_limited_per_email_whichever_ip_asks(client, account, local_mail):
    answers = [passwordless(client, "request", f"198.51.100.{20 + i}", email=EMAIL).status_code for i in range(6)]

    assert answers == [200] * 5 + [429]
    assert len(mail.outbox) == 5


@pytest.mark.parametrize(
    ("path", "body"),
    [("request", {"email": EMAIL}), ("verify", {"email": EMAIL, "code": "000000"})],
)
def test_passwordless_request_and_verify_count_against_the_per_ip_auth_scope(
    client, account, local_mail, auth_limit, path, body
):
    auth_limit(3)
    ip = "198.51.100.30"

    answers = [passwordless(client, path, ip, **body).status_code for _ in range(4)]
    other_ip = passwordless(client, path, "198.51.100.31", **body)

    assert 429 not in answers[:3] and answers[3] == 429
    assert other_ip.status_code != 429


@pytest.mark.parametrize("field", ["passwordlessRequest", "passwordlessVerify"])
def test_passwordless_graphql_counts_against_the_per_ip_auth_scope(client, account, local_mail, auth_limit, field):
    auth_limit(2)
    arguments = f'email: "{EMAIL}"' + (', code: "000000"' if field == "passwordlessVerify" else "")
    query = f"mutation {{ {field}({arguments}) {{ errors {{ code }} }} }}"

    answers = [
        client.post("/graphql", {"query": query}, content_type="application/json", REMOTE_ADDR="198.51.100.32")
        for _ in range(3)
    ]

    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert answers[2].json()["errors"][0]["extensions"]["code"] == "rate_limited"


def test_the_current_password_of_a_password_change_is_throttled_like_a_sign_in(account, clock):
    """A stolen session guessing the current password meets the same per-account limit."""
    for _ in range(6):
        with pytest.raises(services.InvalidCredentials):
            services.change_password(account, "another-long-passphrase-7", old_password=WRONG)
    with pytest.raises(RateLimited):
        services.change_password(account, "another-long-passphrase-7", old_password=PASSWORD)
    account.refresh_from_db()
    assert account.check_password(PASSWORD)
    clock.advance(2)
    services.change_password(account, "another-long-passphrase-7", old_password=PASSWORD)
    account.refresh_from_db()
    assert account.check_password("another-long-passphrase-7")
