"""REST: every write operation of the spine's NinjaAPI honours the key; `idempotency_required` demands it."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import HttpRequest, HttpResponse

from ocg.spine.eventstore import noting_writes
from ocg.spine.gateway import json_body
from ocg.spine.idempotency.store import (
    HEADER,
    MAX_KEY_LENGTH,
    RELEASED_CODES,
    RELEASED_STATUSES,
    REPLAYED_HEADER,
    REQUIRED_MARK,
    WRITE_METHODS,
    Claim,
    IdempotencyRefusal,
    canonical_body,
    claim,
    digest,
    header_key,
    replayed,
    settle,
    settled_scope,
)
from ocg.spine.models import IdempotencyRecord


def idempotency_required(view_func: Callable) -> Callable:
    """Declares a REST operation whose writes need an Idempotency-Key: one missing is a 400. Place it above
    or below the router's decorator."""
    setattr(view_func, REQUIRED_MARK, True)
    operation = getattr(view_func, "_ninja_operation", None)
    if operation is not None:
        document_required(operation)
    else:
        from ninja.utils import contribute_operation_callback

        contribute_operation_callback(view_func, document_required)
    return view_func


def document_required(operation: Any) -> None:
    extra = dict(operation.openapi_extra or {})
    extra["parameters"] = [*extra.get("parameters", []), header_parameter(required=True)]
    operation.openapi_extra = extra


def rest_keeps(response: HttpResponse) -> bool:
    if response.status_code in RELEASED_STATUSES:
        return False
    body = json_body(response)
    return not (isinstance(body, dict) and body.get("code") in RELEASED_CODES)


def rest_gate(request: HttpRequest, required: bool, needs_sign_in: bool) -> Claim | IdempotencyRecord | None:
    key = header_key(request)
    scope = settled_scope(request, key, required, needs_sign_in)
    if scope is None or key is None:
        return None
    query = sorted((name, sorted(values)) for name, values in request.GET.lists())
    fingerprint = digest(
        {"method": request.method, "path": request.path, "query": query, "body": canonical_body(request.body)}
    )
    return claim(scope, key, fingerprint)


def idempotent_operation(run: Callable) -> Callable:
    """Wraps a django-ninja operation's `run` (its whole answer, errors included) with the key's claim,
    replay and keeping. Applied to every operation by the spine's NinjaAPI; reads only write methods."""
    operation = getattr(inspect.unwrap(run), "__self__", None)
    required = bool(getattr(getattr(operation, "view_func", None), REQUIRED_MARK, False))
    needs_sign_in = bool(getattr(operation, "auth_callbacks", None))

    def before(request: HttpRequest) -> Claim | HttpResponse | None:
        if request.method not in WRITE_METHODS:
            return None
        try:
            gate = rest_gate(request, required, needs_sign_in)
        except IdempotencyRefusal as refusal:
            return refusal.rest_response()
        return replayed(gate) if isinstance(gate, IdempotencyRecord) else gate

    if inspect.iscoroutinefunction(run):

        @functools.wraps(run)
        async def run_once_async(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            gate = await sync_to_async(before)(request)
            if isinstance(gate, HttpResponse):
                return gate
            with noting_writes() as note:
                response = await run(request, *args, **kwargs)
            if gate is not None:
                await sync_to_async(settle)(gate, response, rest_keeps(response), note.wrote)
            return response

        return run_once_async

    @functools.wraps(run)
    def run_once(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        gate = before(request)
        if isinstance(gate, HttpResponse):
            return gate
        with noting_writes() as note:
            response = run(request, *args, **kwargs)
        if gate is not None:
            settle(gate, response, rest_keeps(response), note.wrote)
        return response

    return run_once


def header_parameter(required: bool) -> dict[str, Any]:
    hours = settings.IDEMPOTENCY["TTL_SECONDS"] // 3600
    return {
        "in": "header",
        "name": HEADER,
        "required": required,
        "description": "A unique value (a UUID) for this operation, the same on each retry of it. The first "
        f"answer is kept at least {hours} hours and replayed, with `{REPLAYED_HEADER}: true`, to a retry with "
        "the same key and request. Sent only when signed in; keys are kept per account.",
        "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": "^[!-~]([ -~]*[!-~])?$"},
    }


KEY_RESPONSES = {
    400: f"{HEADER}: not 1 to {MAX_KEY_LENGTH} printable ASCII characters, missing where the operation requires "
    "one, or sent without signing in.",
    409: f"{HEADER}: a request with this key is still running; retry after `Retry-After` seconds.",
    422: f"{HEADER}: already used with a different request.",
}


def document_key(operation: dict[str, Any], error_schema: dict[str, Any]) -> None:
    """A write operation's OpenAPI entry: the optional header (unless declared required) and its answers."""
    parameters = operation.setdefault("parameters", [])
    if not any(p.get("in") == "header" and p.get("name") == HEADER for p in parameters):
        parameters.append(header_parameter(required=False))
    responses = operation.setdefault("responses", {})
    for status, description in KEY_RESPONSES.items():
        known = responses.get(status) or responses.get(str(status))
        if known is None:
            responses[status] = {"description": description, "content": {"application/json": {"schema": error_schema}}}
        elif description not in known.get("description", ""):
            own = known.get("description", "").rstrip()
            if own and not own.endswith("."):
                own += "."
            known["description"] = f"{own} {description}".strip()
