"""Passwordless sign-in over REST and GraphQL: constant answers, single use, expiry, brute-force and rate limits."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from smtplib import SMTPException
from typing import Any
from urllib.parse import parse_qs

import pytest
import redis
from django.conf import settings as django_settings
from django.core import mail
from django.core.cache import cache
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from ocg.identity import services
from ocg.identity.models import User

KNOWN = "mia@example.com"
UNKNOWN = "nobody@example.com"
CLIENT_IP = "203.0.113.7"
CODE_INVALID = {"field": None, "code": "code_invalid", "message": "The code is not valid or has expired."}
CODE_INVALID_REST = {"code": "code_invalid", "message": "The code is not valid or has expired.", "errors": []}

REQUEST = """
mutation($email: String!) {
  passwordlessRequest(email: $email) { result { sent } errors { field code message } }
}"""

VERIFY = """
mutation($email: String!, $code: String, $token: String) {
  passwordlessVerify(email: $email, code: $code, token: $token) {
    result { access refresh accessExpiresIn }
    errors { field code message }
  }
}"""


class BrokenMailBackend(BaseEmailBackend):
    """Stands in for an SMTP server that refuses every message."""

    def send_messages(self, email_messages):
        raise SMTPException("relay refused")


@pytest.fixture(autouse=True)
def clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def local_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.STOREFRONT_URL = "https://shop.example"
    mail.outbox = []


@pytest.fixture
def account(event_store):
    return services.register(KNOWN, "a-long-and-good-password-1")


def post(client, path: str, ip: str = CLIENT_IP, **body: Any):
    return client.post(f"/api/auth/passwordless/{path}", body, content_type="application/json", REMOTE_ADDR=ip)


def graphql(client, query: str, ip: str = CLIENT_IP, **variables: Any) -> dict[str, Any]:
    response = client.post(
        "/graphql", {"query": query, "variables": variables}, content_type="application/json", REMOTE_ADDR=ip
    )
    assert response.status_code == 200, response.content
    return response.json()


def mailed_code(message) -> str:
    return re.search(r"sign-in code is (\d{6})\.", message.body).group(1)


def mailed_link(message) -> str:
    return re.search(r"(https://shop\.example/login/magic#\S+)", message.body).group(1)


def mailed_token(message) -> str:
    return parse_qs(mailed_link(message).split("#", 1)[1])["token"][0]


def request_mail(client, email: str = KNOWN):
    assert post(client, "request", email=email).status_code == 200
    return mail.outbox[-1]


def stored(pattern: str = "*") -> dict[bytes, bytes]:
    """What Redis really holds, read past the cache API."""
    connection = redis.Redis.from_url(django_settings.REDIS_URL)
    return {key: connection.dump(key) or b"" for key in connection.scan_iter(match=pattern)}


def graphql_me(client, access: str) -> dict[str, Any]:
    response = client.post(
        "/graphql",
        {"query": "{ me { email } }"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {access}",
    )
    return response.json()["data"]["me"]


def test_known_and_unknown_addresses_get_the_same_answer_and_only_the_known_one_gets_mail(client, account):
    known, unknown = post(client, "request", email=KNOWN), post(client, "request", email=UNKNOWN)
    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json()) == (200, {"sent": True})

    known_graphql, unknown_graphql = graphql(client, REQUEST, email=KNOWN), graphql(client, REQUEST, email=UNKNOWN)
    assert known_graphql == unknown_graphql
    assert known_graphql["data"] == {"passwordlessRequest": {"result": {"sent": True}, "errors": []}}

    assert [message.to for message in mail.outbox] == [[KNOWN], [KNOWN]]
    message = mail.outbox[-1]
    assert re.fullmatch(r"\d{6}", mailed_code(message))
    link = mailed_link(message)
    assert parse_qs(link.split("#", 1)[1])["email"] == [KNOWN]
    assert "?" not in link, "the token travels in the fragment, never in a query string"


def test_the_code_signs_in_once_with_tokens_that_authenticate(client, account):
    code = mailed_code(request_mail(client))

    first = post(client, "verify", email=KNOWN, code=code)
    assert first.status_code == 200, first.content
    tokens = first.json()
    assert set(tokens) == {"access", "refresh", "access_expires_in"}
    me = client.get("/api/auth/me", HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert me.status_code == 200
    assert me.json()["email"] == KNOWN
    assert services.identity().account(account.id).last_login_method == "passwordless"

    again = post(client, "verify", email=KNOWN, code=code)
    assert (again.status_code, again.json()) == (400, CODE_INVALID_REST)


def test_the_magic_link_token_signs_in_once_and_uses_up_the_code_too(client, account):
    message = request_mail(client)
    token, code = mailed_token(message), mailed_code(message)

    first = graphql(client, VERIFY, email=KNOWN, token=token)["data"]["passwordlessVerify"]
    assert first["errors"] == []
    assert graphql_me(client, first["result"]["access"]) == {"email": KNOWN}

    again = graphql(client, VERIFY, email=KNOWN, token=token)["data"]["passwordlessVerify"]
    assert again == {"result": None, "errors": [CODE_INVALID]}
    assert post(client, "verify", email=KNOWN, code=code).json() == CODE_INVALID_REST


def test_an_expired_code_is_refused(client, account, monkeypatch):
    code = mailed_code(request_mail(client))
    later = timezone.now() + timedelta(minutes=15, seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)

    response = post(client, "verify", email=KNOWN, code=code)
    assert (response.status_code, response.json()["code"]) == (400, "code_invalid")


def test_a_code_just_inside_its_fifteen_minutes_still_works(client, account, monkeypatch):
    code = mailed_code(request_mail(client))
    later = timezone.now() + timedelta(minutes=14, seconds=55)
    monkeypatch.setattr(timezone, "now", lambda: later)

    assert post(client, "verify", email=KNOWN, code=code).status_code == 200


def test_five_wrong_codes_burn_the_code(client, account):
    code = mailed_code(request_mail(client))
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    answers = [post(client, "verify", email=KNOWN, code=wrong) for _ in range(5)]
    assert {(answer.status_code, answer.json()["code"]) for answer in answers} == {(400, "code_invalid")}

    right = post(client, "verify", email=KNOWN, code=code)
    assert (right.status_code, right.json()["code"]) == (400, "code_invalid")


def test_four_wrong_codes_leave_the_right_one_usable(client, account):
    code = mailed_code(request_mail(client))
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(4):
        post(client, "verify", email=KNOWN, code=wrong)
    assert post(client, "verify", email=KNOWN, code=code).status_code == 200


def test_a_new_request_replaces_the_previous_code(client, account):
    """The old mail's magic-link token proves the old challenge is gone: unlike 6-digit codes, tokens never repeat."""
    old = request_mail(client)
    new = request_mail(client)
    assert post(client, "verify", email=KNOWN, token=mailed_token(old)).json()["code"] == "code_invalid"
    assert post(client, "verify", email=KNOWN, code=mailed_code(new)).status_code == 200


def test_verifying_for_an_unknown_address_fails_like_a_wrong_code(client, account):
    code = mailed_code(request_mail(client))
    post(client, "request", email=UNKNOWN)
    unknown = post(client, "verify", email=UNKNOWN, code=code)
    wrong = post(client, "verify", email=KNOWN, code=f"{(int(code) + 1) % 1_000_000:06d}")
    assert (unknown.status_code, unknown.json()) == (wrong.status_code, wrong.json())
    assert not User.objects.filter(email=UNKNOWN).exists()


def test_requests_per_address_are_rate_limited_alike_for_known_and_unknown(client, account):
    for email in (KNOWN, UNKNOWN):
        answers = [post(client, "request", email=email) for _ in range(6)]
        assert [answer.status_code for answer in answers] == [200] * 5 + [429]
        assert answers[-1].json()["code"] == "rate_limited"
    assert len(mail.outbox) == 5
    limited = graphql(client, REQUEST, email=KNOWN)["data"]["passwordlessRequest"]
    assert limited["result"] is None
    assert [error["code"] for error in limited["errors"]] == ["rate_limited"]


def test_requests_per_client_ip_are_rate_limited(client, account, settings):
    settings.PASSWORDLESS = {**settings.PASSWORDLESS, "REQUESTS_PER_IP": (3, 3600)}
    answers = [post(client, "request", email=f"person{n}@example.com") for n in range(4)]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert answers[-1].json()["code"] == "rate_limited"
    assert post(client, "request", ip="198.51.100.9", email=KNOWN).status_code == 200


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"email": "not-an-address"}, 400, "invalid"),
        ({"email": "x" * 400 + "@example.com"}, 422, "invalid"),
        ({}, 422, "invalid"),
    ],
)
def test_a_bad_request_gets_a_structured_error_and_sends_nothing(client, account, body, status, code):
    response = client.post("/api/auth/passwordless/request", body, content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert mail.outbox == []
    assert stored("*passwordless:challenge*") == {}


@pytest.mark.parametrize("proof", [{}, {"code": "123456", "token": "abc"}])
def test_verify_wants_exactly_one_of_code_and_token(client, account, proof):
    response = post(client, "verify", email=KNOWN, **proof)
    assert response.status_code == 400
    message = "Give either the code or the token from the email."
    assert response.json() == {
        "code": "invalid",
        "message": message,
        "errors": [{"field": "code", "code": "invalid", "message": message}],
    }


def test_a_mail_failure_still_answers_sent(client, account, settings):
    settings.EMAIL_BACKEND = f"{__name__}.BrokenMailBackend"
    known, unknown = post(client, "request", email=KNOWN), post(client, "request", email=UNKNOWN)
    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json()) == (200, {"sent": True})


def test_only_digests_are_stored_and_nothing_is_logged_with_the_code_or_token(client, account, caplog):
    caplog.set_level(logging.DEBUG)
    message = request_mail(client)
    code, token = mailed_code(message), mailed_token(message)
    everything = b" ".join(key + b" " + value for key, value in stored().items())
    assert everything
    assert code.encode() not in everything
    assert token.encode() not in everything

    post(client, "verify", email=KNOWN, code="000000" if code != "000000" else "111111")
    post(client, "verify", email=KNOWN, token=token)
    post(client, "verify", email=KNOWN, code=code)

    assert caplog.records, "the requests above were logged somewhere"
    for record in caplog.records:
        text = f"{record.getMessage()} {record.__dict__!r}"
        assert code not in text
        assert token not in text
