"""One JSON line per request, with a request id the client can correlate; secrets never reach the log."""

import json
import logging
from uuid import UUID

import pytest

from ocg.identity.models import User
from ocg.spine.requestlog import RequestIdFilter, request_id_var

ANYWHERE = "/api/catalog/products/not-a-uuid"


def test_each_request_logs_one_line_with_its_fields(client, request_log):
    response = client.get(f"{ANYWHERE}?page=2", REMOTE_ADDR="203.0.113.5")

    [line] = request_log.lines
    assert line["logger"] == "ocg.request"
    assert line["method"] == "GET"
    assert line["path"] == ANYWHERE
    assert line["status"] == response.status_code == 422
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["client_ip"] == "203.0.113.5"
    assert line["user_id"] is None
    assert line["request_id"] == response["X-Request-ID"]
    UUID(hex=line["request_id"])


@pytest.mark.django_db
def test_the_user_id_is_logged_when_signed_in(client, request_log):
    user = User.objects.create_user("logged@example.com", "a-long-password")
    client.force_login(user)
    client.get(ANYWHERE)
    assert request_log.lines[-1]["user_id"] == str(user.pk)


def test_a_sane_client_request_id_is_kept_and_returned(client, request_log):
    response = client.get(ANYWHERE, HTTP_X_REQUEST_ID="web-1f3a.42_b")
    assert response["X-Request-ID"] == "web-1f3a.42_b"
    assert request_log.lines[-1]["request_id"] == "web-1f3a.42_b"


@pytest.mark.parametrize("given", ["a" * 129, "bad id", "x\ny", "<script>", ""])
def test_an_unsafe_client_request_id_is_replaced(client, request_log, given):
    response = client.get(ANYWHERE, HTTP_X_REQUEST_ID=given)
    assert response["X-Request-ID"] != given
    UUID(hex=response["X-Request-ID"])


@pytest.mark.django_db
def test_passwords_tokens_and_codes_never_reach_the_log(client, request_log, caplog):
    secrets = {
        "password": "hunter2-Very-Secret-Password",
        "bearer": "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2Vu.c2lnbmF0dXJl",
        "query": "query-token-3f9c2a7d",
        "code": "834291-magic",
    }
    body = {"email": "someone@example.com", "password": secrets["password"], "code": secrets["code"]}

    with caplog.at_level(logging.DEBUG):
        client.post(
            f"/api/auth/token?token={secrets['query']}&code={secrets['code']}",
            json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {secrets['bearer']}",
        )
        client.post(
            f"/graphql?token={secrets['query']}",
            {
                "query": 'mutation($p: String!) { tokenCreate(email: "a@b.c", password: $p) { errors { code } } }',
                "variables": {"p": secrets["password"]},
            },
            content_type="application/json",
        )

    captured = request_log.text + "\n".join(record.getMessage() for record in caplog.records)
    assert len(request_log.lines) == 2
    for secret in secrets.values():
        assert secret not in captured
    assert all("?" not in line["path"] for line in request_log.lines)


def test_other_log_lines_carry_the_request_id():
    record = logging.LogRecord("ocg.test", logging.INFO, __file__, 1, "hello", None, None)
    token = request_id_var.set("req-123")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id_var.reset(token)
    assert record.request_id == "req-123"

    outside = logging.LogRecord("ocg.test", logging.INFO, __file__, 1, "hello", None, None)
    RequestIdFilter().filter(outside)
    assert outside.request_id == "-"


def test_lines_logged_during_a_request_carry_its_id(client, settings):
    """The limiter's fail-open warning is logged mid-request: it carries the request's id."""
    from ocg.spine import ratelimit
    from ocg.spine.localbroker import free_port

    class Keep(logging.Handler):
        records: list[logging.LogRecord] = []

        def emit(self, record):
            self.records.append(record)

    handler = Keep()
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("ocg.spine.ratelimit")
    logger.addHandler(handler)
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    ratelimit.reset()
    try:
        response = client.get(ANYWHERE, HTTP_X_REQUEST_ID="trace-me")
    finally:
        logger.removeHandler(handler)

    assert response["X-Request-ID"] == "trace-me"
    assert [record.request_id for record in handler.records] == ["trace-me"]
    assert request_id_var.get() is None
