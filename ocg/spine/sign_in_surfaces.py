"""Sign-in surfaces: where a client proves who it is, as named by the contexts that own them.

Each context registers its own from its AppConfig.ready(), before the first request; the limiter then counts
every request to one of them against the stricter `auth` scope. A REST path or a form (POST) is one attempt
per request. GraphQL counts sign-in fields wherever they hide: under aliases, in several operations, in
fragments (each spread counts), and in batches (a JSON list runs each item; a `query` in the URL runs once per
item). The gateway refuses a GraphQL request holding more than one, so a request is at most one guess.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from django.http.request import RawPostDataException
from graphene_django.views import GraphQLView
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    parse,
)

from ocg.spine.graphql_limits import MAX_TOKENS

GRAPHQL_PATH = "/graphql"
# Counting stops here: the gateway only needs to tell one sign-in from several.
MANY = 2
GRAPHQL_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]*$")
# A JSON string may spell any letter as \uXXXX, so a body holding an escape is decoded before it is judged.
JSON_ESCAPE = rb"\\u"


@dataclass(frozen=True)
class Surfaces:
    rest: re.Pattern[str] | None = None
    forms: re.Pattern[str] | None = None
    fields: frozenset[str] = frozenset()
    body_hint: re.Pattern[bytes] | None = None
    text_hint: re.Pattern[str] | None = None


_lock = threading.Lock()
_rest_paths: list[str] = []
_form_paths: list[str] = []
_fields: set[str] = set()
_surfaces = Surfaces()


def any_of(patterns: list[str]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns)) if patterns else None


def register_sign_in_surfaces(
    *, rest_paths: Iterable[str] = (), graphql_fields: Iterable[str] = (), form_paths: Iterable[str] = ()
) -> None:
    """Adds sign-in surfaces: path regexes (matched from the start of the path) and GraphQL root mutation fields.

    Registering the same surface twice changes nothing, so a repeated ready() is harmless.
    """
    rest_paths, form_paths, graphql_fields = list(rest_paths), list(form_paths), list(graphql_fields)
    for pattern in rest_paths + form_paths:
        re.compile(pattern)
    for name in graphql_fields:
        if not GRAPHQL_NAME.match(name):
            raise ValueError(f"{name!r} is not a GraphQL field name")
    global _surfaces
    with _lock:
        _rest_paths.extend(p for p in rest_paths if p not in _rest_paths)
        _form_paths.extend(p for p in form_paths if p not in _form_paths)
        _fields.update(graphql_fields)
        names = sorted(_fields)
        _surfaces = Surfaces(
            rest=any_of(_rest_paths),
            forms=any_of(_form_paths),
            fields=frozenset(names),
            body_hint=re.compile(b"|".join([*(re.escape(name.encode()) for name in names), JSON_ESCAPE]))
            if names
            else None,
            text_hint=re.compile("|".join(re.escape(name) for name in names)) if names else None,
        )


def surfaces() -> Surfaces:
    return _surfaces


def is_sign_in_form(request: HttpRequest) -> bool:
    forms = _surfaces.forms
    return forms is not None and request.method == "POST" and forms.match(request.path) is not None


def sign_in_attempts(request: HttpRequest) -> int:
    """How many sign-ins the request may run: 0, 1, or MANY (more than one)."""
    current = _surfaces
    path = request.path
    if current.rest is not None and current.rest.match(path):
        return 1
    if path == GRAPHQL_PATH:
        return graphql_sign_ins(request, current) if current.fields and request.method == "POST" else 0
    return 1 if is_sign_in_form(request) else 0


def graphql_sign_ins(request: HttpRequest, current: Surfaces) -> int:
    """Sign-in fields in the queries graphene-django would run for this request, read as it reads them.

    Field names cannot be escaped in GraphQL, so a query whose text holds none of the registered names
    (and a JSON body without one or a `\\u` escape) is never parsed: ordinary requests stay cheap.
    """
    url_query = request.GET.get("query") if request.META.get("QUERY_STRING") else None
    url_query = url_query or None
    content_type = GraphQLView.get_content_type(request)
    if content_type == "application/json":
        body = raw_body(request)
        if url_query is None and not current.body_hint.search(body):
            return 0
        try:
            data = json.loads(body.decode("utf-8"))
        except ValueError:
            data = None
        items = data if isinstance(data, list) else [data]
        queries = [url_query or (item.get("query") if isinstance(item, dict) else None) for item in items]
    elif content_type == "application/graphql":
        queries = [url_query or raw_body(request).decode("utf-8", errors="replace")]
    elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        queries = [url_query or request.POST.get("query")]
    else:
        queries = [url_query]
    return count_in_queries(queries, current)


def raw_body(request: HttpRequest) -> bytes:
    try:
        return request.body
    except (RawPostDataException, RequestDataTooBig):
        return b""


def count_in_queries(queries: list[object], current: Surfaces) -> int:
    counted: dict[str, int] = {}
    total = 0
    for query in queries:
        if not isinstance(query, str) or not current.text_hint.search(query):
            continue
        if query not in counted:
            counted[query] = count_in_query(query, current.fields)
        total += counted[query]
        if total >= MANY:
            return MANY
    return total


def count_in_query(query: str, fields: frozenset[str]) -> int:
    """Sign-in fields at the root of every mutation in the document; text that does not parse counts as one.

    The parser and its token limit are graphene-django's own, so what fails to parse here fails there too
    and runs nothing; it still counts as an attempt.
    """
    try:
        document = parse(query, no_location=True, max_tokens=MAX_TOKENS)
    except (GraphQLError, RecursionError):
        return 1
    return count_in_document(document, fields)


def count_in_document(document: DocumentNode, fields: frozenset[str]) -> int:
    """Counted without recursion, so fragment chains of any length cost no stack; each fragment is summed once."""
    own: dict[str, tuple[int, list[str]]] = {
        definition.name.value: direct_count(definition.selection_set, fields)
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    totals = fragment_totals(own)
    total = 0
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode) and definition.operation == OperationType.MUTATION:
            count, spreads = direct_count(definition.selection_set, fields)
            total += count + sum(totals.get(name, 0) for name in spreads)
            if total >= MANY:
                return MANY
    return total


def direct_count(selection_set: SelectionSetNode, fields: frozenset[str]) -> tuple[int, list[str]]:
    """Sign-in fields among the selections (inline fragments opened), and the fragments spread there."""
    count, spreads = 0, []
    pending = [selection_set]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                count += selection.name.value in fields
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                spreads.append(selection.name.value)
    return min(count, MANY), spreads


def fragment_totals(own: dict[str, tuple[int, list[str]]]) -> dict[str, int]:
    """Each fragment's count with the fragments it spreads, capped at MANY; a cycle (invalid anyway) adds 0."""
    totals: dict[str, int] = {}
    for start in own:
        stack = [(start, False)]
        visiting: set[str] = set()
        while stack:
            name, children_done = stack.pop()
            if name in totals:
                continue
            count, spreads = own[name]
            if children_done:
                totals[name] = min(MANY, count + sum(totals.get(child, 0) for child in spreads))
                visiting.discard(name)
                continue
            visiting.add(name)
            stack.append((name, True))
            stack.extend((child, False) for child in spreads if child in own and child not in visiting)
    return totals
