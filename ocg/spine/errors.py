"""Domain errors and how they reach clients: one mapping from stable code to HTTP status.

Each context's domain module defines its own base error (domain code imports no project
machinery); they all share the shape `code`, `message`, `field`, `ids` and are listed in
settings.DOMAIN_ERRORS so GraphQL and REST map them the same way.
"""

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

STATUS_BY_CODE = {
    "invalid": 400,
    "unauthenticated": 401,
    "permission_denied": 403,
    "not_found": 404,
    "conflict": 409,
    "rate_limited": 429,
    "weak_password": 400,
    "invalid_credentials": 401,
    "token_invalid": 401,
    "token_expired": 401,
    "token_revoked": 401,
    "token_wrong_type": 401,
    "account_disabled": 403,
    "email_taken": 409,
    "role_conflict": 409,
}


class SpineError(Exception):
    """Errors raised by the shared machinery itself."""

    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, **ids: object) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.ids = ids


class ConcurrencyConflict(SpineError):
    """The aggregate kept changing under the command; the client may retry."""

    code = "conflict"


class PermissionDenied(SpineError):
    code = "permission_denied"


class Unauthenticated(SpineError):
    code = "unauthenticated"


@cache
def domain_error_classes() -> tuple[type[Exception], ...]:
    return (SpineError, *(import_string(path) for path in settings.DOMAIN_ERRORS))


def is_domain_error(error: BaseException) -> bool:
    return isinstance(error, domain_error_classes())


def http_status(error: BaseException) -> int:
    return STATUS_BY_CODE.get(getattr(error, "code", "invalid"), 400)


def as_error_dict(error: BaseException) -> dict[str, object]:
    """The client-facing shape of a domain error: field, code, message."""
    return {"field": getattr(error, "field", None), "code": error.code, "message": error.message}  # type: ignore[attr-defined]
