"""Depth and cost are refused before any resolver runs; the cost of what runs is reported; no introspection."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ocg.schema import schema
from ocg.spine.graphql_limits import DEFAULT_LIST_SIZE, measure_operation


def post(client, query, variables=None, operation_name=None):
    body = {"query": query, "variables": variables or {}}
    if operation_name:
        body["operationName"] = operation_name
    return client.post("/graphql", body, content_type="application/json")


def measure(query, variables=None, operation_name=None):
    from graphql import parse

    from ocg.spine.graphql_limits import get_operation

    document = parse(query)
    return measure_operation(schema.graphql_schema, document, get_operation(document, operation_name), variables)


@pytest.mark.parametrize(
    ("query", "variables", "depth", "cost"),
    [
        ('{ product(slug: "coat") { id name } }', None, 2, 1 + 2),
        # A connection's page size pays for its edges once: edges (1) + node (1) + the node's fields.
        ("{ products(first: 10) { edges { node { id name } } } }", None, 4, 1 + 10 * (1 + 1 + 2)),
        (
            "{ products { edges { node { id price { amount currency } } } } }",
            None,
            5,
            1 + 20 * (1 + 1 + 1 + (1 + 2)),
        ),
        ("query($n: Int!) { products(first: $n) { edges { node { id } } } }", {"n": 50}, 4, 1 + 50 * 3),
        ("query($n: Int = 7) { products(first: $n) { edges { node { id } } } }", None, 4, 1 + 7 * 3),
        ("query($n: Int) { products(first: $n) { edges { node { id } } } }", None, 4, 1 + 20 * 3),
        ("{ products(first: 5) { totalCount pageInfo { hasNextPage } } }", None, 3, 1 + 5 * (1 + 1 + 1)),
        ('{ products(last: 3, before: "x") { edges { cursor } } }', None, 3, 1 + 3 * (1 + 1)),
        ("{ products(first: 2, last: 6) { edges { cursor } } }", None, 3, 1 + 6 * (1 + 1)),
        (
            "{ products(first: 3) { edges { node { ...P } } } } "
            "fragment P on Product { id price { ...M } } fragment M on Money { amount }",
            None,
            5,
            1 + 3 * (1 + 1 + 1 + (1 + 1)),
        ),
        (
            "{ products(first: 2) { edges { node { ... on Product { id name } } } } __typename }",
            None,
            4,
            1 + 2 * (1 + 1 + 2),
        ),
        ("{ categories { id name } }", None, 2, 1 + DEFAULT_LIST_SIZE * 2),
        ("{ _entities(representations: []) { ... on Product { id } } }", None, 2, 1 + DEFAULT_LIST_SIZE),
    ],
)
def test_cost_model(query, variables, depth, cost):
    measured = measure(query, variables)
    assert (measured.depth, measured.cost) == (depth, cost)


def test_fragment_fan_out_is_measured_once_per_fragment():
    fragments = " ".join(f"fragment F{i} on Product {{ ...F{i + 1} ...F{i + 1} }}" for i in range(30))
    query = "{ products(first: 1) { edges { node { ...F0 } } } } " + fragments + " fragment F30 on Product { id }"
    assert measure(query).cost == 1 + (1 + (1 + 2**30))


def test_a_too_deep_query_is_refused_before_execution(client, transactional_db, settings):
    settings.GRAPHQL_MAX_DEPTH = 2
    with CaptureQueriesContext(connection) as queries:
        response = post(client, "{ products(first: 1) { pageInfo { hasNextPage } } }")

    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "query_too_deep"
    assert "3" in error["message"] and "2" in error["message"]
    assert "data" not in response.json()
    assert len(queries) == 0


def test_depth_counts_through_fragments(client, settings):
    settings.GRAPHQL_MAX_DEPTH = 2
    query = (
        "{ ...Q } fragment Q on Query { products(first: 1) { ...P } } "
        "fragment P on ProductConnection { edges { node { id } } }"
    )
    assert post(client, query).json()["errors"][0]["extensions"]["code"] == "query_too_deep"


def test_a_huge_page_is_refused_by_cost_before_any_sql(client, transactional_db, settings):
    with CaptureQueriesContext(connection) as queries:
        response = post(
            client, "query($n: Int!) { products(first: $n) { edges { node { id name } } } }", {"n": 100_000}
        )

    body = response.json()
    assert response.status_code == 400
    assert body["errors"][0]["extensions"]["code"] == "query_too_costly"
    assert "400001" in body["errors"][0]["message"] and str(settings.GRAPHQL_MAX_COST) in body["errors"][0]["message"]
    assert body["extensions"]["cost"] == {"requested": 400_001, "maximum": settings.GRAPHQL_MAX_COST}
    assert len(queries) == 0


def test_the_cost_of_a_query_that_ran_is_reported(client, transactional_db, settings):
    body = post(client, '{ products(first: 5) { edges { node { id name } } } product(slug: "coat") { id } }').json()
    assert body["data"] == {"products": {"edges": []}, "product": None}
    assert body["extensions"] == {"cost": {"requested": 1 + 5 * 4 + 2, "maximum": settings.GRAPHQL_MAX_COST}}


def test_only_the_chosen_operation_is_measured(client, settings):
    settings.GRAPHQL_MAX_COST = 50
    query = "query Small { __typename } query Big { products(first: 100) { edges { node { id } } } }"
    assert post(client, query, operation_name="Big").json()["errors"][0]["extensions"]["code"] == "query_too_costly"
    small = post(client, query, operation_name="Small")
    assert small.status_code == 200, small.content


INTROSPECTION = "{ __schema { queryType { name } } }"


def test_introspection_is_refused_unless_debug(client, settings):
    settings.DEBUG = False
    refused = post(client, INTROSPECTION)
    typename = post(client, "{ __typename }")

    assert refused.status_code == 400
    assert "introspection" in refused.json()["errors"][0]["message"].lower()
    assert typename.json()["data"] == {"__typename": "Query"}


def test_introspection_is_allowed_in_debug(client, settings):
    settings.DEBUG = True
    assert post(client, INTROSPECTION).json()["data"]["__schema"]["queryType"]["name"] == "Query"


def test_a_query_too_big_to_parse_is_refused_cleanly(client):
    response = post(client, "{ " + "__typename " * 20_000 + "}")
    assert response.status_code == 400
    assert "Traceback" not in response.content.decode()
    assert response.json()["errors"][0]["message"]


def test_a_query_nested_too_deeply_to_parse_is_refused_cleanly(client):
    response = post(client, "{ a " * 2000 + "}" * 2000)
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["errors"][0]["message"]
