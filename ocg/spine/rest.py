"""The REST side of the error contract: its schemas, and the NinjaAPI every context's router is mounted on.

Every error answers `ErrorOut`: `{code, message, errors: [{field, code, message}]}`. Field names are the
client's own: a body field as sent (dotted for nested ones), or the path or query parameter's name. The
statuses every operation can answer (a bad token, the rate limit, an unreadable body) are added to each
operation's OpenAPI entry here, so no decorator lists them by hand.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError, ValidationErrorContext
from ninja.parser import Parser
from ninja.security import HttpBearer

from ocg.spine.domain import DomainError
from ocg.spine.errors import (
    CODE_BY_STATUS,
    PermissionDenied,
    Unauthenticated,
    domain_error_body,
    http_status,
    rest_error_body,
    service_unavailable,
)
from ocg.spine.gateway import is_json_content, unavailable_response
from ocg.spine.graphql import Written
from ocg.spine.idempotency import WRITE_METHODS, document_key, idempotent_operation
from ocg.spine.keyset import Page
from ocg.spine.permissions import has_permission

logger = logging.getLogger(__name__)

HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}

EVERY_OPERATION = {
    401: "The bearer token is missing where required, or is not valid, has expired or was revoked.",
    429: "Too many requests from this client or account; `Retry-After` says when to try again.",
    503: "The database or cache is unavailable for a moment (`unavailable`); `Retry-After` says when to try again.",
}
BODY_OPERATION = {
    400: "The body is not valid JSON, or nests arrays and objects too deeply.",
    413: "The body is larger than the server accepts.",
    415: "The body is not `application/json`.",
    422: "The body, or a parameter, does not match the operation's schema.",
}
PARAMETER_OPERATION = {422: "A path or query parameter does not match its schema."}

FIELD_ERROR_CODES = {
    "missing": "required",
    "string_too_long": "too_long",
    "too_long": "too_long",
    "string_too_short": "too_short",
    "too_short": "too_short",
    "extra_forbidden": "unknown_field",
}
OBJECT_EXPECTED = frozenset({"model_type", "model_attributes_type", "dict_type"})


class FieldErrorOut(Schema):
    field: str | None = Field(
        description="The input at fault as the client named it: a body field (dotted when nested) or a "
        "parameter; null when the request as a whole is at fault."
    )
    code: str = Field(description="A stable machine-readable code.")
    message: str


class ErrorOut(Schema):
    code: str = Field(description="A stable machine-readable code.")
    message: str
    errors: list[FieldErrorOut] = Field(description="One entry per input at fault; may be empty.")


class UnsupportedMediaType(Exception):
    """The body's Content-Type is not one the operation reads."""


class MalformedBody(Exception):
    """The body is not JSON."""


class JsonBodyParser(Parser):
    """Reads JSON only, and says which of "not JSON" and "not sent as JSON" went wrong."""

    def parse_body(self, request: HttpRequest) -> Any:
        if not is_json_content(request):
            raise UnsupportedMediaType("Send the body as application/json.")
        try:
            return json.loads(request.body)
        except UnicodeDecodeError:
            raise MalformedBody("The request body is not valid UTF-8 text.") from None
        except ValueError as error:
            raise MalformedBody(f"The request body is not valid JSON: {error}.") from None
        except RecursionError:
            raise MalformedBody("The request body nests too deeply to be read.") from None


def client_field(loc: tuple) -> str | None:
    return ".".join(str(part) for part in loc) or None


def client_loc(loc: tuple, renamed: dict[tuple, tuple]) -> tuple:
    """A flattened schema's field as the client named it, with whatever lies inside it (a list's index)."""
    for size in range(len(loc), 0, -1):
        if loc[:size] in renamed:
            return (*renamed[loc[:size]], *loc[size:])
    return loc


def field_error(loc: tuple, error_type: str, message: str) -> dict[str, Any]:
    if error_type in OBJECT_EXPECTED:
        message = "Expected a JSON object."
    elif error_type == "missing" and not loc:
        message = "The request needs a JSON body."
    return {"field": client_field(loc), "code": FIELD_ERROR_CODES.get(error_type, "invalid"), "message": message}


class OCGNinjaAPI(NinjaAPI):
    """django-ninja's API with the error contract: one handler per kind of failure, no default `detail` bodies."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("parser", JsonBodyParser())
        super().__init__(**kwargs)
        # Every write honours an Idempotency-Key, around the operation's whole answer (ocg/spine/idempotency.py).
        self.add_decorator(idempotent_operation, mode="view")

    def set_default_exception_handlers(self) -> None:
        self.add_exception_handler(ValidationError, self.validation_failed)
        self.add_exception_handler(HttpError, self.http_error)
        self.add_exception_handler(Http404, self.not_found)
        self.add_exception_handler(DomainError, self.domain_error)
        self.add_exception_handler(Exception, self.internal_error)

    def error(self, request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
        return self.create_response(request, body, status=status)

    def validation_error_from_error_contexts(self, error_contexts: list[ValidationErrorContext]) -> ValidationError:
        """pydantic's locations, renamed to what the client sent: a single body schema's own name is dropped."""
        errors = []
        for context in error_contexts:
            model = context.model
            single = getattr(model, "__read_from_single_attr__", None)
            renamed = getattr(model, "__ninja_flatten_map_reverse__", {})
            for item in context.pydantic_validation_error.errors(include_url=False, include_context=False):
                loc = client_loc(tuple(item["loc"]), renamed)
                if single and loc[:1] == (single,):
                    loc = loc[1:]
                errors.append({"loc": (model.__ninja_param_source__, *loc), "type": item["type"], "msg": item["msg"]})
        return ValidationError(errors)

    def validation_failed(self, request: HttpRequest, error: ValidationError) -> HttpResponse:
        fields = [
            field_error(tuple(item.get("loc", ()))[1:], item.get("type", ""), item.get("msg", "Not valid."))
            for item in error.errors
        ]
        return self.error(request, 422, rest_error_body("invalid", "The request is not valid.", fields))

    def http_error(self, request: HttpRequest, error: HttpError) -> HttpResponse:
        cause = error.__cause__
        if isinstance(cause, UnsupportedMediaType):
            return self.error(request, 415, rest_error_body("unsupported_media_type", str(cause)))
        if isinstance(cause, MalformedBody):
            return self.error(request, 400, rest_error_body("malformed_json", str(cause)))
        if isinstance(error, AuthenticationError):
            code = "unauthenticated"
        elif isinstance(error, AuthorizationError):
            code = "permission_denied"
        else:
            code = CODE_BY_STATUS.get(error.status_code, "bad_request")
        return self.error(request, error.status_code, rest_error_body(code, str(error)))

    def not_found(self, request: HttpRequest, error: Exception) -> HttpResponse:
        return self.error(request, 404, rest_error_body("not_found", "There is nothing at this address."))

    def domain_error(self, request: HttpRequest, error: DomainError) -> HttpResponse:
        """A refusal that knows when to come back (`retry_after`, seconds) says so in Retry-After."""
        response = self.error(request, http_status(error), domain_error_body(error))
        retry_after = getattr(error, "retry_after", None)
        if isinstance(retry_after, int) and retry_after > 0:
            response["Retry-After"] = str(retry_after)
        return response

    def internal_error(self, request: HttpRequest, error: Exception) -> HttpResponse:
        if service_unavailable(error):
            return unavailable_response(request, error)
        logger.error("REST request failed: %s %s", request.method, request.path, exc_info=error)
        message = "The server failed to answer this request; the failure has been logged."
        return self.error(request, 500, rest_error_body("internal_error", message))

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict | None = None) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        add_error_schemas(schema)
        for path_item in schema.get("paths", {}).values():
            for method, operation in path_item.items():
                if method in HTTP_METHODS:
                    add_common_responses(operation)
                if method.upper() in WRITE_METHODS:
                    document_key(operation, ERROR_REF)
        return schema


def add_error_schemas(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    error_schema = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(error_schema.pop("$defs", {}))
    components["ErrorOut"] = error_schema


def add_common_responses(operation: dict[str, Any]) -> None:
    """The statuses the gateway and the API answer for any operation, on top of the operation's own."""
    statuses = dict(EVERY_OPERATION)
    if operation.get("parameters"):
        statuses.update(PARAMETER_OPERATION)
    if "requestBody" in operation:
        statuses.update(BODY_OPERATION)
    responses = operation.setdefault("responses", {})
    for status, description in sorted(statuses.items()):
        if status not in responses and str(status) not in responses:
            responses[status] = {"description": description, "content": {"application/json": {"schema": ERROR_REF}}}


class BearerAuth(HttpBearer):
    """The access token the authentication middleware has already checked; its user is `request.auth`.

    The token itself is checked once, by that middleware, for every request: here only its presence is required.
    """

    def __call__(self, request: HttpRequest) -> Any:
        if getattr(request, "token_claims", None) is None:
            raise Unauthenticated("Send an access token: Authorization: Bearer <token>.")
        return request.user

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return request.user


signed_in = BearerAuth()


def require_permission(user: Any, permission: str) -> Any:
    """The user, if they hold the permission; else 403 `permission_denied`."""
    if not has_permission(user, permission):
        raise PermissionDenied(f"This needs the {permission} permission.")
    return user


class PendingOut(Schema):
    """A write stored before its read model caught up (read-your-writes timed out)."""

    id: UUID = Field(description="What changed: read it again shortly to see the change.")
    pending: bool = Field(True, description="Always true: the change is stored, the read model has not caught up.")


PENDING = {202: PendingOut}


def answered(written: Written, status: int = 200, show: Callable[[Any], Any] = lambda result: result) -> Status:
    """A write's answer: `status` with what it changed as the read model shows it (`show`n), once the projection
    has it (`read_your_write`); until then 202 with its id, for the client to read again shortly."""
    if written.pending or written.result is None:
        return Status(202, PendingOut(id=written.id))
    return Status(status, show(written.result))


def page_out(found: Page, item: Callable[[Any], Any]) -> dict[str, Any]:
    """A keyset page as every REST list answers it: its items, the next page's cursor (null on the last), the total."""
    return {
        "items": [item(row) for row in found.rows],
        "next_cursor": found.cursors[-1] if found.has_next else None,
        "count": found.count(),
    }
