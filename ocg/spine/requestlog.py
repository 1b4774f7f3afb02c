"""One structured log line per request, and a request id every other log line can carry.

Only the method, the path (never the query string), the status, the duration, the user id, the client IP and
the request id are logged: no headers and no bodies, so tokens, passwords and codes cannot end up in logs.
`RedactSecretsFilter`, on every handler, catches what other loggers (the server's, Django's, libraries')
might still print: query strings, credential headers, bearer tokens and JWTs.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty

from ocg.spine.gateway import client_ip

logger = logging.getLogger("ocg.request")

REQUEST_ID_HEADER = "X-Request-ID"
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    return request_id_var.get()


def incoming_request_id(request: HttpRequest) -> str:
    """The client's X-Request-ID when it is a sane token (it is echoed and logged), else a new one."""
    given = request.META.get("HTTP_X_REQUEST_ID", "")
    return given if SANE_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record, so formatters may use it whether or not a request is running."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get() or "-"
        return True


REDACTED = "[redacted]"
# A path or URL followed by a query string or fragment: both may carry tokens and codes (`?token=`, `#token=`).
URL_TAIL = re.compile(r"""((?:\b[a-z][a-z0-9+.-]*://[^\s/?#"'<>]+)?/[^\s?#"'<>]*)[?#][^\s"'<>]+""", re.IGNORECASE)
# Header lines and request.META reprs: `Authorization: ...`, `'HTTP_COOKIE': '...'`.
CREDENTIAL_HEADER = re.compile(
    r"""((?:http_)?(?:authorization|proxy[-_]authorization|cookie|set[-_]cookie|x[-_]csrftoken)['"]?\s*[:=]\s*['"]?)"""
    r"""[^'"\r\n]+""",
    re.IGNORECASE,
)
BEARER = re.compile(r"\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+", re.IGNORECASE)
JWT = re.compile(r"\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
# `password=...`, `"token": "..."`, `'refresh': '...'` in dumped bodies, dicts and form data.
SECRET_FIELD = re.compile(
    r"""(\b(?:password\d?|passwd|secret|token|access|refresh|code|csrfmiddlewaretoken|csrftoken|sessionid)\b"""
    r"""['"]?\s*[:=]\s*['"]?)(?!\[redacted\])[^'"&\s,;})\]]+""",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    """Removes what may be a credential from free text; the rest stays readable."""
    text = URL_TAIL.sub(rf"\1?{REDACTED}", text)
    text = CREDENTIAL_HEADER.sub(rf"\1{REDACTED}", text)
    text = BEARER.sub(rf"\1 {REDACTED}", text)
    text = JWT.sub(REDACTED, text)
    return SECRET_FIELD.sub(rf"\1{REDACTED}", text)


class RedactSecretsFilter(logging.Filter):
    """On every handler: a record leaves with its message, traceback and fields redacted.

    The message is rendered once here (args merged in), so a formatter can no longer re-insert a raw argument.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_ocg_redacted", False):
            return True
        record.msg, record.args = redact(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            record.fields = {name: redact(value) if isinstance(value, str) else value for name, value in fields.items()}
        record._ocg_redacted = True
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, and a record's `fields` dict."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id_var.get(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info or record.exc_text:
            line["exception"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(line, default=str, separators=(",", ":"))


def authenticated_user_id(request: HttpRequest) -> str | None:
    """The user's id if authentication already ran; never triggers a lookup of its own."""
    user = request.__dict__.get("user")
    if user is None or (isinstance(user, SimpleLazyObject) and user._wrapped is empty):
        return None
    return str(user.pk) if user.is_authenticated else None


class RequestLogMiddleware:
    """First in the chain: it sees every response, including the gateway's own 413 and 429."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        request_id = incoming_request_id(request)
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            status = response.status_code
            logger.log(
                logging.ERROR if status >= 500 else logging.INFO,
                "%s %s %s",
                request.method,
                request.path,
                status,
                extra={
                    "fields": {
                        "method": request.method,
                        "path": request.path,
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 3),
                        "user_id": authenticated_user_id(request),
                        "client_ip": client_ip(request),
                        "request_id": request_id,
                    }
                },
            )
            return response
        finally:
            request_id_var.reset(token)
