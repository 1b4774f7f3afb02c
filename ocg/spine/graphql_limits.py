"""Query depth and cost limits, checked after validation and before any resolver runs.

Cost model: every field costs 1; a field that pages (takes `first`/`last`) multiplies the cost of its
selection by that number (the argument's value, else its schema default, else DEFAULT_LIST_SIZE); any other
list field multiplies by DEFAULT_LIST_SIZE, except a connection's `edges`/`nodes`, already paid for by the
connection's `first`/`last`. Fragments count where they are spread; introspection fields (`__...`) are free
(introspection is refused outside DEBUG anyway). Depth counts nested fields: `{ a { b } }` is 2.

Here too: parsing and validating a document (cached per text) and finding the operation that runs, which the
measuring needs; the view that applies the limits to a request is ocg/spine/graphql_view.py.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from graphene_django.settings import graphene_settings
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
    SelectionSetNode,
    Undefined,
    get_named_type,
    get_nullable_type,
    parse,
    validate,
    value_from_ast,
)
from graphql.execution.values import get_variable_values
from graphql.validation import NoSchemaIntrospectionCustomRule, ValuesOfCorrectTypeRule, specified_rules

from ocg.spine.graphql_errors import CodedValuesOfCorrectTypeRule, with_code

DEFAULT_LIST_SIZE = 20
PAGING_ARGUMENTS = ("first", "last")
CONNECTION_LISTS = ("edges", "nodes")
MAX_TOKENS = 10_000


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
