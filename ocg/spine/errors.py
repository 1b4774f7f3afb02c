"""Domain errors and how they reach clients: one mapping from stable code to HTTP status, one body shape per client.

Every context's errors derive from `DomainError`, so GraphQL and REST map them the same way. The spine knows
only the generic codes; each context registers its own from its AppConfig.ready() with
`register_error_statuses`, so adding a context touches no spine file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

import django.db
import psycopg
import redis
from django.core.exceptions import ImproperlyConfigured
from eventsourcing import persistence

from ocg.spine.domain import DomainError

GENERIC_STATUSES = {
    "invalid": 400,
    "bad_request": 400,
    "malformed_json": 400,
    "body_too_deep": 400,
    "unauthenticated": 401,
    "permission_denied": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "conflict": 409,
    "payload_too_large": 413,
    "unsupported_media_type": 415,
    "rate_limited": 429,
    "internal_error": 500,
    "unavailable": 503,
}

_statuses: dict[str, int] = dict(GENERIC_STATUSES)
STATUS_BY_CODE: Mapping[str, int] = MappingProxyType(_statuses)

# The code a bare HTTP error (a framework's page, a proxy's answer) is given when it names none.
CODE_BY_STATUS = {
    400: "bad_request",
    401: "unauthenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


# The database failing, not the work in hand: a request is answered 503 `unavailable`, a follower retries the event.
DATABASE_UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    django.db.OperationalError,
    django.db.InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
    persistence.OperationalError,
    persistence.InterfaceError,
    persistence.ConnectionPoolClosedError,
)
# What a request may meet when a backing service is away or saturated (Redis too).
SERVICE_UNAVAILABLE_ERRORS = (*DATABASE_UNAVAILABLE_ERRORS, redis.ConnectionError, redis.TimeoutError)
UNAVAILABLE_RETRY_AFTER_SECONDS = 5
ERROR_TEXT_LIMIT = 500
UNAVAILABLE_MESSAGE = "The service is unavailable for a moment; try again shortly."


def error_text(error: BaseException) -> str:
    """The error's class and message on one line, bounded: what a log line, /readyz and a stall row may show."""
    message = " ".join(str(error).split())
    text = f"{type(error).__name__}: {message}" if message else type(error).__name__
    return text if len(text) <= ERROR_TEXT_LIMIT else text[: ERROR_TEXT_LIMIT - 1] + "\u2026"


def service_unavailable(error: BaseException | None) -> bool:
    """Whether `error`, or an error it was raised from, is a backing service failing rather than a bug."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, SERVICE_UNAVAILABLE_ERRORS):
            return True
        seen.add(id(error))
        error = error.__cause__
    return False


def register_error_statuses(statuses: Mapping[str, int]) -> None:
    """Add a context's codes. One code answering two statuses would make clients guess: refused at start-up."""
    for code, status in statuses.items():
        if not 400 <= status <= 599:
            raise ImproperlyConfigured(f"Error code {code!r} needs a 4xx or 5xx status, not {status}.")
        known = _statuses.get(code)
        if known is not None and known != status:
            raise ImproperlyConfigured(f"Error code {code!r} is registered with status {known} and {status}.")
    _statuses.update(statuses)


class ConcurrencyConflict(DomainError):
    """The aggregate kept changing under the command; the client may retry."""

    code = "conflict"


class PermissionDenied(DomainError):
    code = "permission_denied"


class Unauthenticated(DomainError):
    code = "unauthenticated"


def is_domain_error(error: BaseException) -> bool:
    return isinstance(error, DomainError)


def http_status(error: BaseException) -> int:
    return _statuses.get(getattr(error, "code", "invalid"), 400)


def as_error_dict(error: BaseException) -> dict[str, object]:
    """The client-facing shape of a domain error: field, code, message."""
    return {"field": getattr(error, "field", None), "code": error.code, "message": error.message}  # type: ignore[attr-defined]


def rest_error_body(code: str, message: str, errors: Iterable[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """The REST contract: `{code, message, errors: [{field, code, message}]}`, `errors` always present."""
    return {
        "code": code,
        "message": message,
        "errors": [
            {"field": error.get("field"), "code": error.get("code", code), "message": error.get("message", message)}
            for error in errors
        ],
    }


def domain_error_body(error: BaseException) -> dict[str, Any]:
    """A domain error in the REST contract; the field at fault, if any, is its one field error."""
    detail = as_error_dict(error)
    return rest_error_body(detail["code"], detail["message"], [detail] if detail["field"] else ())  # type: ignore[arg-type]


def graphql_error(code: str, message: str) -> dict[str, Any]:
    """One entry of a GraphQL response's `errors`."""
    return {"message": message, "extensions": {"code": code}}


def graphql_error_body(code: str, message: str) -> dict[str, Any]:
    return {"errors": [graphql_error(code, message)]}
