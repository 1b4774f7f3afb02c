"""The GraphQL view's request pipeline (graphene-django's), applying the limits measured in graphql_limits.py.

Apart from the measuring so that each reads on its own: here the request is read, refused with a coded error,
its mutation's idempotency key claimed, and a query's answer served from or kept in the cache.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpResponse, HttpResponseNotAllowed
from graphene_django.constants import MUTATION_ERRORS_FLAG
from graphene_django.settings import graphene_settings
from graphene_django.utils.utils import set_rollback
from graphql import ExecutionResult, OperationType, execute, validate_schema
from graphql.execution.values import get_variable_values

from ocg.spine.errors import UNAVAILABLE_RETRY_AFTER_SECONDS
from ocg.spine.eventstore import noting_writes
from ocg.spine.gateway import max_nesting, nesting_exceeds
from ocg.spine.graphql_cache import answer_key, cached_answer, keep_answer
from ocg.spine.graphql_errors import GraphQLRequestError, harden_input_scalars, with_code
from ocg.spine.graphql_limits import (
    checked_document,
    get_operation,
    limit_error,
    measure_operation,
    too_deep_to_read,
    unresolved_operation,
)
from ocg.spine.idempotency import IdempotentAnswer, hold_graphql_key, settle_graphql

FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def never_awaitable(value: Any) -> bool:
    return False


def cost_extension(cost: int) -> dict[str, Any]:
    return {"cost": {"requested": cost, "maximum": settings.GRAPHQL_MAX_COST}}


class LimitedGraphQLViewMixin:
    """graphene-django's request pipeline, with depth and cost checked between validation and execution,
    every refusal a GraphQL error with a code (see ocg/spine/graphql_errors.py), and a mutation's
    idempotency key claimed just before it runs (see ocg/spine/idempotency.py)."""

    def dispatch(self, request, *args, **kwargs):
        graphene_dispatch = super().dispatch
        if getattr(request, "token_claims", None):
            # graphene-django wraps its dispatch in `ensure_csrf_cookie`, which mints a CSRF token and sets its
            # cookie on every answer. A bearer-token request never needs one (see ocg/spine/csrf.py), and minting
            # it took a tenth of a small query's time; a browser signed in by session still gets its cookie.
            graphene_dispatch = functools.partial(graphene_dispatch.__func__.__wrapped__, self)
        try:
            with noting_writes() as note:
                response = graphene_dispatch(request, *args, **kwargs)
        except IdempotentAnswer as answer:
            return answer.response
        if response.status_code == 503:
            response.setdefault("Retry-After", str(UNAVAILABLE_RETRY_AFTER_SECONDS))
        return settle_graphql(request, response, note.wrote)

    def parse_body(self, request) -> Any:
        content_type = self.get_content_type(request)
        if content_type == "application/graphql":
            return {"query": decoded(request.body)}
        if content_type == "application/json":
            return request_object(read_json(decoded(request.body)))
        if content_type in FORM_CONTENT_TYPES:
            return request.POST
        if request.method == "POST" and request.body:
            raise GraphQLRequestError(
                "unsupported_media_type",
                "Send the request as application/json, application/graphql or a form.",
                HttpResponse(status=415),
            )
        return {}

    @staticmethod
    def get_graphql_params(request, data):
        query = request.GET.get("query") or data.get("query")
        variables = request.GET.get("variables") or data.get("variables")
        operation_name = request.GET.get("operationName") or data.get("operationName")
        id = request.GET.get("id") or data.get("id")
        if isinstance(variables, str):
            variables = read_json(variables.encode(), subject="The `variables` value") if variables.strip() else None
        if variables is not None and not isinstance(variables, dict):
            raise GraphQLRequestError("invalid", "The variables must be a JSON object keyed by variable name.")
        if operation_name == "null":
            operation_name = None
        if operation_name is not None and not isinstance(operation_name, str):
            raise GraphQLRequestError("bad_request", "The operationName must be a string.")
        return query, variables, operation_name, id

    def execute_graphql_request(self, request, data, query, variables, operation_name, show_graphiql=False):
        if not query:
            if show_graphiql:
                return None
            raise GraphQLRequestError("bad_request", "Must provide query string.")
        if not isinstance(query, str):
            raise GraphQLRequestError("bad_request", "The query must be a string.")

        schema = self.schema.graphql_schema
        harden_input_scalars(schema)
        schema_validation_errors = validate_schema(schema)
        if schema_validation_errors:
            return ExecutionResult(data=None, errors=schema_validation_errors)

        checked = checked_document(schema, query, settings.DEBUG)
        if isinstance(checked, ExecutionResult):
            return checked
        document, validation_errors = checked

        operation = get_operation(document, operation_name)
        if request.method.lower() == "get" and operation is not None and operation.operation != OperationType.QUERY:
            if show_graphiql:
                return None
            raise GraphQLRequestError(
                "method_not_allowed",
                f"Can only perform a {operation.operation.value} operation from a POST request.",
                HttpResponseNotAllowed(["POST"]),
            )

        if validation_errors:
            errors = [with_code(error, "graphql_validation_failed") for error in validation_errors]
            return ExecutionResult(data=None, errors=errors)
        if operation is None:
            return ExecutionResult(errors=[unresolved_operation(operation_name)])
        coerced = get_variable_values(schema, operation.variable_definitions or (), variables or {})
        if isinstance(coerced, list):
            return ExecutionResult(errors=[with_code(error, "invalid") for error in coerced])

        try:
            measure = measure_operation(schema, document, operation, variables)
        except RecursionError:
            return ExecutionResult(errors=[too_deep_to_read()])
        if measure.depth > settings.GRAPHQL_MAX_DEPTH:
            message = f"Query depth {measure.depth} exceeds the maximum of {settings.GRAPHQL_MAX_DEPTH}."
            return ExecutionResult(errors=[limit_error(message, "query_too_deep")])
        cost = measure.cost
        if cost > settings.GRAPHQL_MAX_COST:
            message = f"Query cost {cost} exceeds the maximum of {settings.GRAPHQL_MAX_COST}."
            return ExecutionResult(errors=[limit_error(message, "query_too_costly")], extensions=cost_extension(cost))
        if operation.operation == OperationType.MUTATION:
            hold_graphql_key(request, schema, query, document, operation, variables, coerced)

        answer = None
        if operation.operation == OperationType.QUERY:
            answer = answer_key(request, schema, document, operation, coerced, query)
            if answer is not None:
                kept = cached_answer(answer[0])
                if kept is not None:
                    return ExecutionResult(data=kept, extensions=cost_extension(cost))

        try:
            options = {
                "root_value": self.get_root_value(request),
                "context_value": self.get_context(request),
                "variable_values": variables,
                "operation_name": operation_name,
                "middleware": self.get_middleware(request),
                # Every resolver here is synchronous: not asking each value whether it is awaitable saves a
                # few microseconds per field, which a page of 48 products multiplies by hundreds.
                "is_awaitable": never_awaitable,
            }
            if self.execution_context_class:
                options["execution_context_class"] = self.execution_context_class
            if operation.operation == OperationType.MUTATION and (
                graphene_settings.ATOMIC_MUTATIONS is True
                or connection.settings_dict.get("ATOMIC_MUTATIONS", False) is True
            ):
                with transaction.atomic():
                    result = execute(schema, document, **options)
                    if getattr(request, MUTATION_ERRORS_FLAG, False) is True:
                        transaction.set_rollback(True)
            else:
                result = execute(schema, document, **options)
        except Exception as error:
            return ExecutionResult(errors=[error])
        if answer is not None and not result.errors:
            keep_answer(answer[0], result.data, answer[1])
        result.extensions = {**(result.extensions or {}), **cost_extension(cost)}
        return result

    def get_response(self, request, data, show_graphiql=False):
        query, variables, operation_name, id = self.get_graphql_params(request, data)
        execution_result = self.execute_graphql_request(request, data, query, variables, operation_name, show_graphiql)
        if getattr(request, MUTATION_ERRORS_FLAG, False) is True:
            set_rollback()
        if not execution_result:
            return None, 200

        status_code = 200
        response: dict[str, Any] = {}
        if execution_result.errors:
            set_rollback()
            response["errors"] = [self.format_error(error) for error in execution_result.errors]
        if execution_result.errors and any(not getattr(error, "path", None) for error in execution_result.errors):
            status_code = 400
        else:
            response["data"] = execution_result.data
        if any((error.get("extensions") or {}).get("code") == "unavailable" for error in response.get("errors", ())):
            status_code = 503
        if execution_result.extensions:
            response["extensions"] = execution_result.extensions
        if self.batch:
            response["id"] = id
            response["status"] = status_code
        return self.json_encode(request, response, pretty=show_graphiql), status_code


def decoded(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise GraphQLRequestError("malformed_json", "The request body is not valid UTF-8 text.") from None


def read_json(text: str | bytes, subject: str = "The request body") -> Any:
    """JSON from the body or from `variables`; the depth is checked first, as the gateway does for bodies."""
    raw = text.encode() if isinstance(text, str) else text
    if nesting_exceeds(raw, max_nesting()):
        message = f"{subject} nests arrays and objects more than {max_nesting()} levels deep."
        raise GraphQLRequestError("body_too_deep", message)
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise GraphQLRequestError("malformed_json", f"{subject} is not valid JSON.") from None


def request_object(data: Any) -> dict[str, Any]:
    if isinstance(data, list):
        raise GraphQLRequestError("batch_not_supported", "Send one operation per request: batches are not accepted.")
    if not isinstance(data, dict):
        raise GraphQLRequestError("bad_request", "The request body must be a JSON object with a `query`.")
    return data
