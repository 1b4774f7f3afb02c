"""How GraphQL failures reach clients: every error carries `extensions.code`, and only a bug is "Internal error".

Codes: `graphql_parse_failed` (the document does not parse), `graphql_validation_failed` (it breaks the
schema's rules), `invalid` (a literal, a variable or an entity representation is not a valid value),
`operation_resolution_failure` (`operationName` picks no operation), request-level codes (`bad_request`,
`malformed_json`, `unsupported_media_type`, `method_not_allowed`, `batch_not_supported`, `body_too_deep`),
a domain error's own code, `unavailable` when the database or Redis failed under the request (the answer is
then 503 with Retry-After), and `internal_error` for anything else (logged, its text never sent).

Input scalars are hardened here too. graphql-core expects a scalar's `parse_literal`/`parse_value` to answer
Undefined for a value it cannot take; graphene's UUID raises ValueError instead, which graphql-core keeps
as the error's cause and which therefore looked like a server fault. graphene-federation's `_Any` took an
inline representation as a raw AST node and handed it to the entity resolver, which then failed.
"""

from __future__ import annotations

import functools
import logging
import threading
import weakref
from typing import Any

from django.http import HttpResponse, HttpResponseBadRequest
from graphene_django.views import HttpError
from graphql import GraphQLError, GraphQLScalarType, GraphQLSchema, GraphQLUnionType, Undefined, specified_scalar_types
from graphql.utilities import value_from_ast_untyped
from graphql.validation import ValuesOfCorrectTypeRule

from ocg.spine.errors import (
    CODE_BY_STATUS,
    UNAVAILABLE_MESSAGE,
    error_text,
    graphql_error,
    is_domain_error,
    service_unavailable,
)

logger = logging.getLogger(__name__)

ENTITY_UNION = "_Entity"
REPRESENTATION_SCALAR = "_Any"
INTERNAL_ERROR_MESSAGE = "Internal error"


class GraphQLRequestError(HttpError):
    """A request refused before any operation runs: graphene-django answers it with its response's status."""

    def __init__(self, code: str, message: str, response: HttpResponse | None = None) -> None:
        super().__init__(response or HttpResponseBadRequest(), message)
        self.code = code


def with_code(error: GraphQLError, code: str) -> GraphQLError:
    """The error with `code` unless it already names one."""
    if not (error.extensions or {}).get("code"):
        error.extensions = {**(error.extensions or {}), "code": code}
    return error


class CodedValuesOfCorrectTypeRule(ValuesOfCorrectTypeRule):
    """A literal that is not a valid value is the client's input error: code `invalid`.

    The error is rebuilt without its cause: a scalar's own exception is a detail, not a server fault.
    """

    def report_error(self, error: GraphQLError) -> None:
        extensions = {**(error.extensions or {}), "code": "invalid"}
        super().report_error(GraphQLError(error.message, error.nodes, extensions=extensions))


def format_error(error: Exception) -> dict[str, Any]:
    if isinstance(error, HttpError):
        status = error.response.status_code
        return graphql_error(getattr(error, "code", None) or CODE_BY_STATUS.get(status, "bad_request"), error.message)
    if not isinstance(error, GraphQLError):
        if service_unavailable(error):
            logger.warning("GraphQL request met an unavailable service: %s", error_text(error))
            return graphql_error("unavailable", UNAVAILABLE_MESSAGE)
        logger.error("GraphQL request failed", exc_info=error)
        return graphql_error("internal_error", INTERNAL_ERROR_MESSAGE)
    original = error.original_error
    if original is not None and not isinstance(original, GraphQLError):
        if is_domain_error(original):
            formatted = GraphQLError(original.message, error.nodes, path=error.path).formatted  # type: ignore[attr-defined]
            formatted["extensions"] = {"code": original.code}  # type: ignore[attr-defined]
            return formatted
        if service_unavailable(original):
            logger.warning("GraphQL resolver met an unavailable service: %s", error_text(original))
            formatted = GraphQLError(UNAVAILABLE_MESSAGE, error.nodes, path=error.path).formatted
            formatted["extensions"] = {"code": "unavailable"}
            return formatted
        logger.error("GraphQL resolver failed", exc_info=original)
        formatted = GraphQLError(INTERNAL_ERROR_MESSAGE, error.nodes, path=error.path).formatted
        formatted["extensions"] = {"code": "internal_error"}
        return formatted
    code = (error.extensions or {}).get("code") or (getattr(original, "extensions", None) or {}).get("code")
    formatted = error.formatted
    formatted["extensions"] = {**formatted.get("extensions", {}), "code": code or "invalid"}
    return formatted


_hardened: weakref.WeakSet[GraphQLSchema] = weakref.WeakSet()
_hardening = threading.Lock()


def harden_input_scalars(schema: GraphQLSchema) -> None:
    """Make every custom scalar answer Undefined for a value it cannot parse, and check entity representations.

    Idempotent; the built-in scalars already behave and are shared by every schema, so they are left alone.
    """
    if schema in _hardened:
        return
    with _hardening:
        if schema in _hardened:
            return
        for name, named_type in schema.type_map.items():
            if not isinstance(named_type, GraphQLScalarType) or name in specified_scalar_types:
                continue
            if name == REPRESENTATION_SCALAR:
                check = functools.partial(representation_or_undefined, entity_type_names(schema))
                named_type.parse_value = check  # type: ignore[method-assign]
                named_type.parse_literal = functools.partial(parse_representation_literal, check)  # type: ignore[method-assign]
            else:
                named_type.parse_value = undefined_on_failure(named_type.parse_value)  # type: ignore[method-assign]
                named_type.parse_literal = undefined_on_failure(named_type.parse_literal)  # type: ignore[method-assign]
        _hardened.add(schema)


def undefined_on_failure(parse: Any) -> Any:
    @functools.wraps(parse)
    def parse_or_undefined(*arguments: Any) -> Any:
        try:
            return parse(*arguments)
        except GraphQLError:
            raise
        except Exception:
            return Undefined

    return parse_or_undefined


def entity_type_names(schema: GraphQLSchema) -> frozenset[str]:
    union = schema.type_map.get(ENTITY_UNION)
    return frozenset(member.name for member in union.types) if isinstance(union, GraphQLUnionType) else frozenset()


def representation_or_undefined(entity_types: frozenset[str], value: Any) -> Any:
    """A representation is an object whose `__typename` names an entity type; anything else is not one."""
    if isinstance(value, dict) and value.get("__typename") in entity_types:
        return value
    return Undefined


def parse_representation_literal(check: Any, node: Any, variables: dict[str, Any] | None = None) -> Any:
    try:
        value = value_from_ast_untyped(node, variables)
    except Exception:
        return Undefined
    return check(value)
