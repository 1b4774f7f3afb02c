"""Domain errors and how they reach clients: one mapping from stable code to HTTP status.

Every context's errors derive from `DomainError`, so GraphQL and REST map them the same way.
"""

from ocg.spine.domain import DomainError

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
    return STATUS_BY_CODE.get(getattr(error, "code", "invalid"), 400)


def as_error_dict(error: BaseException) -> dict[str, object]:
    """The client-facing shape of a domain error: field, code, message."""
    return {"field": getattr(error, "field", None), "code": error.code, "message": error.message}  # type: ignore[attr-defined]
