"""Whatever logger a line comes from, its handler redacts credentials; the server's duplicate lines are off."""

from __future__ import annotations

import io
import json
import logging
import sys

import pytest
from django.conf import settings

from ocg.spine.requestlog import JsonFormatter, RedactSecretsFilter, RequestIdFilter, redact
from ocg.spine.socketlog import ServerSocketLinesFilter

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('127.0.0.1:5 - "WebSocket /ws/chat/?token=abc" 403', '127.0.0.1:5 - "WebSocket /ws/chat/?[redacted]" 403'),
        ("GET /api/x?code=123456&token=abc HTTP/1.1", "GET /api/x?[redacted] HTTP/1.1"),
        ("<ASGIRequest: GET '/graphql?token=xyz'>", "<ASGIRequest: GET '/graphql?[redacted]'>"),
        ("see https://shop.example/login/magic#email=a&token=t0k", "see https://shop.example/login/magic?[redacted]"),
        ("Authorization: Bearer abc.def", "Authorization: [redacted]"),
        (
            "{'HTTP_COOKIE': 'sessionid=s3; csrftoken=c5', 'PATH_INFO': '/x'}",
            "{'HTTP_COOKIE': '[redacted]', 'PATH_INFO': '/x'}",
        ),
        ("sent bearer abc123 upstream", "sent bearer [redacted] upstream"),
        (f"token {JWT} refused", "token [redacted] refused"),
        (
            'body {"email": "a@b.example", "password": "hunter22"}',
            'body {"email": "a@b.example", "password": "[redacted]"}',
        ),
        ("refresh=r1 access: 'a1' code=654321", "refresh=[redacted] access: '[redacted]' code=[redacted]"),
        ("Not Found: /nope", "Not Found: /nope"),
        ("Forbidden (CSRF cookie not set.): /admin/login/", "Forbidden (CSRF cookie not set.): /admin/login/"),
        ("projection catalog running", "projection catalog running"),
    ],
)
def test_redact(text, expected):
    assert redact(text) == expected


def stream_handler(formatter: logging.Formatter) -> tuple[logging.Handler, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactSecretsFilter())
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(formatter)
    return handler, stream


def record_with_everything() -> logging.LogRecord:
    try:
        raise ValueError(f"upstream refused Authorization: Bearer {JWT}")
    except ValueError:
        exc_info = sys.exc_info()
    record = logging.LogRecord(
        "django.request",
        logging.ERROR,
        __file__,
        1,
        "failed %s for %r",
        ("/pay?token=t-123", {"password": "p-456"}),
        exc_info,
    )
    record.fields = {"path": "/x?code=c-789", "status": 500}
    return record


@pytest.mark.parametrize(
    "formatter", [logging.Formatter("%(levelname)s %(message)s"), JsonFormatter()], ids=["plain", "json"]
)
def test_message_arguments_traceback_and_fields_are_redacted(formatter):
    handler, stream = stream_handler(formatter)
    handler.handle(record_with_everything())
    line = stream.getvalue()
    for secret in ("t-123", "p-456", "c-789", JWT):
        assert secret not in line
    assert "ValueError: upstream refused Authorization: [redacted]" in line
    if isinstance(formatter, JsonFormatter):
        parsed = json.loads(line)
        assert parsed["path"] == "/x?[redacted]"
        assert parsed["message"] == "failed /pay?[redacted] for {'password': '[redacted]'}"


def test_every_handler_the_settings_define_redacts():
    for name, handler in settings.LOGGING["handlers"].items():
        assert handler["filters"][0] == "redact", name


def not_ours(handler: logging.Handler) -> bool:
    """pytest's capture handlers, and the NullHandlers libraries add, which print nothing."""
    return type(handler).__module__.startswith("_pytest") or isinstance(handler, logging.NullHandler)


def test_every_handler_attached_to_any_logger_redacts():
    """Django's own default handlers and uvicorn's are replaced, not left beside ours."""
    names = [*settings.LOGGING["loggers"], "django.security.csrf", "celery.app.trace", "ocg.security", "py.warnings"]
    loggers = [logging.getLogger(), *(logging.getLogger(name) for name in names)]
    checked = 0
    for logger in loggers:
        for handler in logger.handlers:
            if not_ours(handler):
                continue
            assert any(isinstance(f, RedactSecretsFilter) for f in handler.filters), (logger.name, handler)
            checked += 1
    assert checked >= 2


def test_the_server_access_log_and_djangos_4xx_warnings_are_off():
    access = logging.getLogger("uvicorn.access")
    assert [handler for handler in access.handlers if not not_ours(handler)] == []
    assert access.propagate is False
    assert logging.getLogger("django.request").getEffectiveLevel() == logging.ERROR
    assert logging.getLogger("django").handlers == []


@pytest.mark.parametrize(
    ("message", "kept"),
    [
        ('%s - "WebSocket %s" [accepted]', False),
        ('%s - "WebSocket %s" 403', False),
        ("connection open", False),
        ("connection closed", False),
        ("Uvicorn running on %s://%s:%d (Press CTRL+C to quit)", True),
        ("Exception in ASGI application\n", True),
    ],
)
def test_the_servers_per_socket_lines_are_dropped(message, kept):
    record = logging.LogRecord("uvicorn.error", logging.INFO, __file__, 1, message, None, None)
    assert ServerSocketLinesFilter().filter(record) is kept
    assert any(isinstance(f, ServerSocketLinesFilter) for f in logging.getLogger("uvicorn.error").filters)
