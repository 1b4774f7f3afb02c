"""Whole answers to anonymous queries are shared only when every root field says which version it shows."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from graphql import parse

from ocg.schema import schema
from ocg.spine import graphql_cache
from ocg.spine.graphql_cache import answer_key

LISTING = '{ products(first: 2, filter: {category: "women"}) { totalCount } }'


def key_for(query: str, variables: dict | None = None, **headers) -> tuple[str, int] | None:
    request = RequestFactory().post("/graphql", **headers)
    document = parse(query)
    [operation] = document.definitions
    return answer_key(request, schema.graphql_schema, document, operation, variables or {}, query)


@pytest.fixture
def versions(monkeypatch):
    """The products field's version, as the catalog would answer it, without its database."""
    seen: list[dict] = []

    def version(arguments: dict) -> str | None:
        seen.append(arguments)
        return None if arguments.get("after") else "v1"

    monkeypatch.setitem(graphql_cache._fields, "products", graphql_cache.CacheableField(version, lambda: 60))
    return seen


def test_an_anonymous_query_of_cacheable_fields_has_a_key_naming_their_versions(versions):
    key, seconds = key_for(LISTING)
    assert key.startswith(graphql_cache.KEY_PREFIX) and seconds == 60
    assert versions == [{"first": 2, "filter": {"category": "women"}}]
    assert key_for(LISTING) == (key, 60), "the same request, the same key"


@pytest.mark.parametrize(
    ("query", "headers"),
    [
        (LISTING, {"HTTP_AUTHORIZATION": "Bearer anything"}),  # a token: the answer may be the caller's own
        ('{ products(first: 2, after: "x") { totalCount } }', {}),  # the field says: not this call
        ("{ products(first: 2) { totalCount } me { id } }", {}),  # a root field nobody declared
        ('mutation { tokenRevoke(refresh: "x") { result } }', {}),  # never a mutation
    ],
)
def test_anything_else_runs_every_time(versions, query, headers):
    assert key_for(query, **headers) is None


def test_a_session_cookie_is_a_credential_but_other_cookies_are_not(versions, settings):
    with_session = {"HTTP_COOKIE": f"{settings.SESSION_COOKIE_NAME}=any-session-key"}
    assert key_for(LISTING, **with_session) is None
    assert key_for(LISTING, HTTP_COOKIE="theme=dark") is not None


def test_a_lifetime_of_zero_turns_it_off_before_any_version_is_asked(versions, monkeypatch):
    monkeypatch.setitem(
        graphql_cache._fields, "products", graphql_cache.CacheableField(lambda arguments: "v1", lambda: 0)
    )
    assert key_for(LISTING) is None
