"""Query depth and cost limits, checked after validation and before any resolver runs.

Cost model: every field costs 1; a field that pages (takes `first`/`last`) multiplies the cost of its
selection by that number (the argument's value, else its schema default, else DEFAULT_LIST_SIZE); any other
list field multiplies by DEFAULT_LIST_SIZE, except a connection's `edges`/`nodes`, already paid for by the
connection's `first`/`last`. Fragments count where they are spread; introspection fields (`__...`) are free
(introspection is refused outside DEBUG anyway). Depth counts nested fields: `{ a { b } }` is 2.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpResponse, HttpResponseNotAllowed
from graphene_django.constants import MUTATION_ERRORS_FLAG
from graphene_django.settings import graphene_settings
from graphene_django.utils.utils import set_rollback
from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    Undefined,
    execute,
    get_named_type,
    get_nullable_type,
    parse,
    validate,
    validate_schema,
    value_from_ast,
)
from graphql.execution.values import get_variable_values
from graphql.validation import NoSchemaIntrospectionCustomRule, ValuesOfCorrectTypeRule, specified_rules

from ocg.spine.errors import UNAVAILABLE_RETRY_AFTER_SECONDS
from ocg.spine.eventstore import noting_writes
from ocg.spine.gateway import max_nesting, nesting_exceeds
from ocg.spine.graphql_cache import answer_key, cached_answer, keep_answer
from ocg.spine.graphql_errors import (
    CodedValuesOfCorrectTypeRule,
    GraphQLRequestError,
    harden_input_scalars,
    with_code,
)
from ocg.spine.idempotency import IdempotentAnswer, hold_graphql_key, settle_graphql

DEFAULT_LIST_SIZE = 20
PAGING_ARGUMENTS = ("first", "last")
CONNECTION_LISTS = ("edges", "nodes")
MAX_TOKENS = 10_000
FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


@dataclass(frozen=True)
class Measure:
    depth: int
    cost: int


class QueryMeter:
    """Depth and cost of one operation; each fragment is measured once, so fragment fan-out stays linear."""

    def __init__(self, schema: GraphQLSchema, document: DocumentNode, variables: dict[str, Any]) -> None:
        self.schema = schema
        self.variables = variables
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.measured: dict[str, Measure] = {}
        self.in_progress: set[str] = set()

    def operation(self, operation: OperationDefinitionNode) -> Measure:
        root = self.schema.get_root_type(operation.operation)
        return self.selection_set(operation.selection_set, root) if root else Measure(0, 0)

    def selection_set(self, selection_set: SelectionSetNode | None, parent: Any) -> Measure:
        depth = cost = 0
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                measure = self.field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                measure = self.selection_set(selection.selection_set, inner)
            elif isinstance(selection, FragmentSpreadNode):
                measure = self.fragment(selection.name.value)
            else:
                continue
            depth = max(depth, measure.depth)
            cost += measure.cost
        return Measure(depth, cost)

    def fragment(self, name: str) -> Measure:
        if name in self.measured:
            return self.measured[name]
        definition = self.fragments.get(name)
        if definition is None or name in self.in_progress:
            return Measure(0, 0)
        self.in_progress.add(name)
        measure = self.selection_set(
            definition.selection_set, self.schema.get_type(definition.type_condition.name.value)
        )
        self.in_progress.discard(name)
        self.measured[name] = measure
        return measure

    def field(self, node: FieldNode, parent: Any) -> Measure:
        name = node.name.value
        if name.startswith("__"):
            return Measure(0, 0)
        definition = getattr(parent, "fields", {}).get(name)
        if definition is None:
            return Measure(1, 1)
        children = self.selection_set(node.selection_set, get_named_type(definition.type))
        return Measure(1 + children.depth, 1 + self.multiplier(node, definition, parent) * children.cost)

    def multiplier(self, node: FieldNode, definition: Any, parent: Any) -> int:
        paging = [name for name in PAGING_ARGUMENTS if name in definition.args]
        if paging:
            given = {argument.name.value: argument.value for argument in node.arguments or ()}
            # `first: 10` on a field that also takes `last` pages 10, not the default an absent `last` would.
            paging = [name for name in paging if name in given] or paging
            sizes = [self.argument_value(given.get(name), definition.args[name]) for name in paging]
            return max(sizes)
        if isinstance(get_nullable_type(definition.type), GraphQLList):
            if node.name.value in CONNECTION_LISTS and getattr(parent, "name", "").endswith("Connection"):
                return 1
            return DEFAULT_LIST_SIZE
        return 1

    def argument_value(self, value_node: Any, argument: Any) -> int:
        value = value_from_ast(value_node, argument.type, self.variables) if value_node is not None else Undefined
        if value is Undefined or value is None:
            value = argument.default_value
        if isinstance(value, bool) or not isinstance(value, int):
            return DEFAULT_LIST_SIZE
        return max(value, 0)


def coerced_variables(schema: GraphQLSchema, operation: OperationDefinitionNode, raw: Any) -> dict[str, Any]:
    """Variables with their declared defaults applied; the raw ones when they do not coerce."""
    raw = raw if isinstance(raw, dict) else {}
    coerced = get_variable_values(schema, operation.variable_definitions or (), raw)
    return coerced if isinstance(coerced, dict) else raw


def measure_operation(
    schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Any
) -> Measure:
    return QueryMeter(schema, document, coerced_variables(schema, operation, variables)).operation(operation)


def limit_error(message: str, code: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code})


def too_deep_to_read() -> GraphQLError:
    return limit_error("The query is nested too deeply to be read.", "query_too_deep")


def validation_rules() -> tuple:
    """The spec's rules (bad literals coded `invalid`), plus refusing introspection unless DEBUG."""
    rules = tuple(CodedValuesOfCorrectTypeRule if rule is ValuesOfCorrectTypeRule else rule for rule in specified_rules)
    return rules if settings.DEBUG else (*rules, NoSchemaIntrospectionCustomRule)


# Storefronts send the same few documents over and over: parsing and validating one costs more than running
# a small query, so the outcome is kept per document text (validation depends only on the schema and the
# rules, which DEBUG chooses). Long documents are checked every time rather than held in memory.
CHECKED_DOCUMENTS = 512
CACHED_DOCUMENT_CHARS = 16_384


@functools.lru_cache(maxsize=CHECKED_DOCUMENTS)
def _checked_document(schema: GraphQLSchema, query: str, debug: bool) -> tuple[DocumentNode | None, tuple]:
    try:
        document = parse(query, max_tokens=MAX_TOKENS)
    except GraphQLError as error:
        return None, (with_code(error, "graphql_parse_failed"),)
    except RecursionError:
        return None, (too_deep_to_read(),)
    return document, tuple(validate(schema, document, validation_rules(), graphene_settings.MAX_VALIDATION_ERRORS))


def checked_document(schema: GraphQLSchema, query: str, debug: bool) -> ExecutionResult | tuple[DocumentNode, list]:
    """The parsed document and its validation errors, or the parse failure as a result to answer."""
    check = _checked_document if len(query) <= CACHED_DOCUMENT_CHARS else _checked_document.__wrapped__
    document, errors = check(schema, query, debug)
    if document is None:
        return ExecutionResult(errors=list(errors))
    return document, list(errors)


def never_awaitable(value: Any) -> bool:
    return False


def cost_extension(cost: int) -> dict[str, Any]:
    return {"cost": {"requested": cost, "maximum": settings.GRAPHQL_MAX_COST}}


class LimitedGraphQLViewMixin:
    """graphene-django's request pipeline, with depth and cost checked between validation and execution,
    every refusal a GraphQL error with a code (see ocg/spine/graphql_errors.py), and a mutation's
    idempotency key claimed just before it runs (see ocg/spine/idempotency.py)."""

    def dispatch(self, request, *args, **kwargs):
        try:
            with noting_writes() as note:
                response = super().dispatch(request, *args, **kwargs)
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
            hold_graphql_key(request, schema, document, operation, variables, coerced)

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


def get_operation(document: DocumentNode, operation_name: str | None) -> OperationDefinitionNode | None:
    """The operation that will run; None when the name matches none or several are unnamed-ambiguous."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is None:
        return operations[0] if len(operations) == 1 else None
    return next((op for op in operations if op.name and op.name.value == operation_name), None)


def unresolved_operation(operation_name: str | None) -> GraphQLError:
    if operation_name is not None:
        message = f"The document has no operation named '{operation_name}'."
    else:
        message = "The document holds several operations: name the one to run in operationName."
    return GraphQLError(message, extensions={"code": "operation_resolution_failure"})


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
