"""Oversized bodies get 413 JSON and garbage gets 400 JSON with a code; neither changes anything."""

import json

import pytest

CREATE = (
    'mutation { productCreate(input: {name: "Coat", price: {amount: "10.00", currency: "EUR"}}) { errors { code } } }'
)


@pytest.fixture
def small_bodies(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def test_an_oversized_body_gets_413_in_the_error_contract(client, catalog, small_bodies):
    body = json.dumps({"query": CREATE, "padding": "x" * 2000})

    for path in ["/api/auth/token", "/api/catalog/products/x"]:
        response = client.post(path, body, content_type="application/json")
        assert response.status_code == 413
        assert response.json() == {
            "code": "payload_too_large",
            "message": f"The request body is larger than {small_bodies} bytes.",
            "errors": [],
        }
    response = client.post("/graphql", body, content_type="application/json")
    assert response.status_code == 413
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "payload_too_large"
    assert str(small_bodies) in error["message"]
    assert catalog.recorder.max_notification_id() is None


def test_a_body_within_the_limit_is_served(client, transactional_db, small_bodies):
    response = client.post(
        "/graphql", {"query": "{ products(first: 1) { totalCount } }"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["data"] == {"products": {"totalCount": 0}}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", "malformed_json"),
        (b'{"query": "mutation { productCreate(', "malformed_json"),
        (b'{"query": "mutation { productCreate("}', "graphql_parse_failed"),
        (b"[1, 2, 3]", "batch_not_supported"),
        (b'"just a string"', "bad_request"),
        (b'{"query": 42}', "bad_request"),
        (b'{"query": "{ products { totalCount } }", "variables": "{not json"}', "malformed_json"),
        (b"\xff\xfe\x00garbage", "malformed_json"),
    ],
)
def test_garbage_to_graphql_gets_400_json_with_a_code(client, catalog, body, code):
    response = client.post("/graphql", body, content_type="application/json")

    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == code
    assert "Traceback" not in response.content.decode()
    assert catalog.recorder.max_notification_id() is None


def test_variables_of_the_wrong_shape_are_a_client_error(client, transactional_db):
    body = {"query": "query($n: Int!) { products(first: $n) { totalCount } }", "variables": [1]}
    response = client.post("/graphql", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "invalid"
