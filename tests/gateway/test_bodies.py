"""Oversized bodies get 413 JSON and garbage gets 400 JSON with a code; neither changes anything."""

import json

import pytest

CREATE = 'mutation { productCreate(input: {name: "Coat", price: "10.00", currency: "EUR"}) { errors { code } } }'


@pytest.fixture
def small_bodies(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


@pytest.mark.parametrize("path", ["/graphql", "/api/auth/token", "/api/catalog/products/x"])
def test_an_oversized_api_body_gets_413_json(client, catalog, small_bodies, path):
    body = json.dumps({"query": CREATE, "padding": "x" * 2000})

    response = client.post(path, body, content_type="application/json")

    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert str(small_bodies) in response.json()["message"]
    assert catalog.recorder.max_notification_id() is None


def test_a_body_within_the_limit_is_served(client, transactional_db, small_bodies):
    response = client.post("/graphql", {"query": "{ productCount }"}, content_type="application/json")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b'{"query": "mutation { productCreate(',
        b"[1, 2, 3]",
        b'"just a string"',
        b'{"query": 42}',
        b'{"query": "{ productCount }", "variables": "{not json"}',
        b"\xff\xfe\x00garbage",
    ],
)
def test_garbage_to_graphql_gets_400_json_with_a_code(client, catalog, body):
    response = client.post("/graphql", body, content_type="application/json")

    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] in {"bad_request", "GRAPHQL_PARSE_FAILED"} or "Syntax Error" in error["message"]
    assert "Traceback" not in response.content.decode()
    assert catalog.recorder.max_notification_id() is None


def test_variables_of_the_wrong_shape_are_a_client_error(client, transactional_db):
    body = {"query": "query($n: Int!) { products(first: $n) { id } }", "variables": [1]}
    response = client.post("/graphql", body, content_type="application/json")
    assert response.status_code == 400
    assert "Traceback" not in response.content.decode()
