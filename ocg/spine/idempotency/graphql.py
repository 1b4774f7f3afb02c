"""GraphQL: a request running one mutation, keyed by the header or the mutation's `idempotencyKey` argument.

The fingerprint is the document as parsed and printed (whitespace does not count), less the key's argument
and variable, with the operation's name and the variables; a mutation's payload errors decide keeping
through the one rule in store.py.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest, HttpResponse
from graphql import (
    REMOVE,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    GraphQLString,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Undefined,
    VariableNode,
    Visitor,
    get_named_type,
    parse,
    print_ast,
    value_from_ast,
    visit,
)

from ocg.spine.gateway import json_body
from ocg.spine.graphql_limits import MAX_TOKENS, get_operation
from ocg.spine.idempotency.store import (
    ARGUMENT,
    HEADER,
    MISMATCH,
    RELEASED_STATUSES,
    REQUIRED_MARK,
    SEVERAL_MUTATIONS,
    Claim,
    IdempotencyRefusal,
    checked_key,
    claim,
    digest,
    header_key,
    is_released_code,
    replayed,
    settle,
    settled_scope,
)
from ocg.spine.models import IdempotencyRecord


def root_fields(document: DocumentNode, operation: OperationDefinitionNode) -> list[FieldNode]:
    """The operation's root fields, through fragments; `__typename` is no mutation."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    found: list[FieldNode] = []

    def collect(selection_set: SelectionSetNode | None, seen: frozenset[str]) -> None:
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                if selection.name.value != "__typename":
                    found.append(selection)
            elif isinstance(selection, InlineFragmentNode):
                collect(selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in fragments and name not in seen:
                    collect(fragments[name].selection_set, seen | {name})

    collect(operation.selection_set, frozenset())
    return found


def key_argument(node: FieldNode) -> Any:
    return next((argument for argument in node.arguments or () if argument.name.value == ARGUMENT), None)


class WithoutKeyArgument(Visitor):
    """The document as fingerprinted: the root field's `idempotencyKey` argument, and the variable that fed
    it, left out; a key sent as a literal, a variable or the header is then the same request."""

    def __init__(self, field: FieldNode, variable: str | None) -> None:
        super().__init__()
        self.field = field
        self.variable = variable

    def enter_argument(self, node: Any, key: Any, parent: Any, path: Any, ancestors: list) -> Any:
        if node.name.value == ARGUMENT and ancestors and ancestors[-1] is self.field:
            return REMOVE
        return None

    def enter_variable_definition(self, node: Any, *_: Any) -> Any:
        return REMOVE if node.variable.name.value == self.variable else None


# Documents whose fingerprinted form is remembered, by their text (clients send the same few again and again).
FINGERPRINTED_DOCUMENTS = 512
FINGERPRINTED_DOCUMENT_CHARS = 16_384


def document_without_key(document: DocumentNode, node: FieldNode, dropped: str | None) -> str:
    return print_ast(visit(document, WithoutKeyArgument(node, dropped)))


@functools.lru_cache(maxsize=FINGERPRINTED_DOCUMENTS)
def remembered_document_without_key(query: str, operation_name: str | None, dropped: str | None) -> str:
    """The same, from the text: what it prints depends on the text, the operation run and the dropped variable
    alone (the operation has one root field), so it can be kept by those rather than printed per request."""
    document = parse(query, max_tokens=MAX_TOKENS)
    operation = get_operation(document, operation_name)
    assert operation is not None  # the request was checked against the same text
    return document_without_key(document, root_fields(document, operation)[0], dropped)


def graphql_gate(
    request: HttpRequest,
    schema: GraphQLSchema,
    query: str,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: dict[str, Any] | None,
    coerced: dict[str, Any],
) -> Claim | IdempotencyRecord | None:
    """For a mutation operation: the claim to hold while it runs, the kept answer, or None (no key)."""
    header = header_key(request)
    fields = root_fields(document, operation)
    mutation_type = schema.mutation_type
    definitions = [mutation_type.fields.get(node.name.value) if mutation_type else None for node in fields]
    required = any(is_required_mutation(definition) for definition in definitions)
    if len(fields) > 1:
        if header is not None or required or any(key_argument(node) for node in fields):
            raise IdempotencyRefusal(
                SEVERAL_MUTATIONS,
                "An idempotency key covers one mutation: send a document whose operation has a single root field.",
            )
        return None
    if not fields:
        return None
    node = fields[0]
    argument = key_argument(node)
    argument_key = None
    if argument is not None:
        value = value_from_ast(argument.value, GraphQLString, coerced)
        if value is not None and value is not Undefined:  # a variable left out is no key
            argument_key = checked_key(value, f"{ARGUMENT} argument")
    if header is not None and argument_key is not None and header != argument_key:
        raise IdempotencyRefusal(
            MISMATCH, f"The {HEADER} header and the {ARGUMENT} argument differ: send one, or the same value in both."
        )
    key = header if header is not None else argument_key
    needs_sign_in = getattr(declaring_type(definitions[0]), "permission", None) is not None
    scope = settled_scope(request, key, required, needs_sign_in)
    if scope is None or key is None:
        return None
    dropped = argument.value.name.value if argument is not None and isinstance(argument.value, VariableNode) else None
    operation_name = operation.name.value if operation.name else None
    if len(query) <= FINGERPRINTED_DOCUMENT_CHARS:
        printed = remembered_document_without_key(query, operation_name, dropped)
    else:
        printed = document_without_key(document, node, dropped)
    fingerprint = digest(
        {
            "method": request.method,
            "path": request.path,
            "document": printed,
            "operation": operation_name,
            "variables": {name: value for name, value in (variables or {}).items() if name != dropped},
        }
    )
    gate = claim(scope, key, fingerprint)
    if isinstance(gate, Claim):
        return Claim(gate.record_id, gate.token, (node.alias or node.name).value)
    return gate


def declaring_type(definition: Any) -> Any:
    """The class that declared a mutation field (a DomainMutation's `permission`, `idempotency_required`)."""
    return getattr(get_named_type(definition.type), "graphene_type", None) if definition is not None else None


def is_required_mutation(definition: Any) -> bool:
    return getattr(declaring_type(definition), REQUIRED_MARK, False) is True


ERROR_CODES_ATTRIBUTE = "_ocg_mutation_error_codes"


def note_error_codes(context: Any, codes: Iterable[Any]) -> None:
    """A mutation's payload errors, noted on the request: they decide keeping even when not selected."""
    if context is not None:
        setattr(context, ERROR_CODES_ATTRIBUTE, [*getattr(context, ERROR_CODES_ATTRIBUTE, []), *codes])


def graphql_keeps(request: HttpRequest, response: HttpResponse, response_key: str | None) -> bool:
    if response.status_code in RELEASED_STATUSES:
        return False
    noted = getattr(request, ERROR_CODES_ATTRIBUTE, None)
    codes = list(noted or ())
    body = json_body(response)
    if isinstance(body, dict):
        codes += [(e.get("extensions") or {}).get("code") for e in body.get("errors") or () if isinstance(e, dict)]
        data = body.get("data")
        payload = data.get(response_key) if isinstance(data, dict) else None
        if noted is None and isinstance(payload, dict) and isinstance(payload.get("errors"), list):
            codes += [e.get("code") for e in payload["errors"] if isinstance(e, dict)]
    return not codes or not all(is_released_code(code) for code in codes)


class IdempotentAnswer(Exception):
    """Raised from inside the GraphQL view when the key decides the answer (a replay or a refusal)."""

    def __init__(self, response: HttpResponse) -> None:
        super().__init__(response.status_code)
        self.response = response


CLAIM_ATTRIBUTE = "_ocg_idempotency_claim"


def hold_graphql_key(
    request: HttpRequest,
    schema: GraphQLSchema,
    query: str,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: dict[str, Any] | None,
    coerced: dict[str, Any],
) -> None:
    """Claims a mutation's key before it runs; a replay or a refusal ends the request (`IdempotentAnswer`)."""
    try:
        gate = graphql_gate(request, schema, query, document, operation, variables, coerced)
    except IdempotencyRefusal as refusal:
        raise IdempotentAnswer(refusal.graphql_response()) from None
    if isinstance(gate, IdempotencyRecord):
        raise IdempotentAnswer(replayed(gate))
    if gate is not None:
        setattr(request, CLAIM_ATTRIBUTE, gate)


def settle_graphql(request: HttpRequest, response: HttpResponse, wrote: bool) -> HttpResponse:
    held = getattr(request, CLAIM_ATTRIBUTE, None)
    if held is not None:
        settle(held, response, graphql_keeps(request, response, held.response_key), wrote)
    return response
