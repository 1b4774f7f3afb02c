"""Whole answers to anonymous GraphQL queries that many visitors ask alike, kept in Django's cache.

A context declares a root field cacheable with a function that, given the field's arguments, answers a
*version*: a string naming the state of everything the field reads (the catalog's: its projection's build
and position), or None when this call must not be cached (a search, a later page). An anonymous query whose
every root field has a version is answered from the cache under a key made of the document, its variables
and those versions. Any change the field could show moves its version, so an answer cached before the
change is never asked for again: nothing is invalidated, nothing can be served stale. Signed-in callers,
mutations and anything else always run.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from graphql import DocumentNode, FieldNode, GraphQLSchema, OperationDefinitionNode, OperationType
from graphql.execution.values import get_argument_values

logger = logging.getLogger(__name__)
KEY_PREFIX = "ocg:graphql:answer:"


@dataclass(frozen=True)
class CacheableField:
    version: Callable[[dict[str, Any]], str | None]
    seconds: Callable[[], int]


_fields: dict[str, CacheableField] = {}


def register_cacheable_field(
    name: str, version: Callable[[dict[str, Any]], str | None], seconds: Callable[[], int]
) -> None:
    """`name` is the root Query field as clients write it (`products`)."""
    _fields[name] = CacheableField(version, seconds)


def answer_key(
    request: HttpRequest,
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: dict[str, Any],
    query: str,
) -> tuple[str, int] | None:
    """The cache key and lifetime of this request's answer, or None when it must run.

    `variables` are the coerced ones: equal values make one key whatever their JSON spelling.
    """
    if not _fields or operation.operation != OperationType.QUERY or is_signed_in(request):
        return None
    query_type = schema.query_type
    versions: list[str] = []
    seconds: list[int] = []
    for selection in operation.selection_set.selections:
        if not isinstance(selection, FieldNode) or selection.directives:
            return None
        cacheable = _fields.get(selection.name.value)
        definition = query_type.fields.get(selection.name.value) if query_type else None
        if cacheable is None or definition is None:
            return None
        lifetime = cacheable.seconds()
        if lifetime <= 0:
            return None
        version = cacheable.version(get_argument_values(definition, selection, variables))
        if version is None:
            return None
        versions.append(version)
        seconds.append(lifetime)
    if len(document.definitions) != 1:
        return None  # fragments or several operations: rare, and not worth a canonical form
    text = json.dumps([query, variables, versions], sort_keys=True, separators=(",", ":"), default=str)
    return KEY_PREFIX + hashlib.sha256(text.encode()).hexdigest(), min(seconds)


def is_signed_in(request: HttpRequest) -> bool:
    """Any credential at all (a token, a session): an answer may then differ per caller, so it is never shared."""
    if request.META.get("HTTP_AUTHORIZATION") or settings.SESSION_COOKIE_NAME in request.COOKIES:
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


def cached_answer(key: str) -> dict[str, Any] | None:
    try:
        return cache.get(key)
    except Exception as error:
        logger.warning("GraphQL answer cache unavailable for a read: %s", error)
        return None


def keep_answer(key: str, answer: dict[str, Any], seconds: int) -> None:
    try:
        cache.set(key, answer, seconds)
    except Exception as error:
        logger.warning("GraphQL answer cache unavailable for a write: %s", error)
