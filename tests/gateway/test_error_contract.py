"""No input reaches a 5xx, and every answer is what the API documents.

REST: every operation found in the OpenAPI document gets good requests and malformed ones (bodies that are
not JSON, sent as another type, empty, nested a thousand deep, with NUL bytes, huge numbers, strings where
objects belong, unknown fields; bad tokens; path parameters that are not UUIDs; every other method). Each
answer must be below 500, carry a status the operation documents, and match the schema documented for that
status. GraphQL gets the malformed documents, literals, variables and representations that used to answer
"Internal error", and each must come back as a GraphQL error with a code.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any
from urllib.parse import urlencode
from uuid import uuid4

import pytest
from django.test import Client
from jsonschema import Draft202012Validator

from ocg.api import api
from ocg.identity.models import User
from ocg.identity.tokens import issue_token_pair
from ocg.spine.projections import ProjectionRunner, get_projection
from tests.orders.shop import place, project_catalog, published_piece

PASSWORD = "a-long-password-9"
OPENAPI = api.get_openapi_schema()
METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
OPERATIONS = sorted((method, path) for path, item in OPENAPI["paths"].items() for method in item if method in METHODS)
DEEP = b"[" * 1000 + b"]" * 1000
JSON = "application/json"


def operation(method: str, path: str) -> dict[str, Any]:
    return OPENAPI["paths"][path][method]


def validator(schema: dict[str, Any]) -> Draft202012Validator:
    """A validator for one schema of the document; its $refs resolve against the document's components."""
    return Draft202012Validator({**schema, "components": OPENAPI["components"]})


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = OPENAPI["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def example(schema: dict[str, Any]) -> Any:
    """The plainest value the schema accepts: required properties only, strings "x"."""
    schema = resolve(schema)
    if "enum" in schema:
        return schema["enum"][0]
    if "anyOf" in schema:
        return example(next(option for option in schema["anyOf"] if option.get("type") != "null"))
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {})
        return {name: example(properties[name]) for name in schema.get("required", ())}
    if kind == "array":
        return []
    if kind in ("integer", "number"):
        return 1
    if kind == "boolean":
        return True
    return str(uuid4()) if schema.get("format") == "uuid" else "x"


def body_schema(method: str, path: str) -> dict[str, Any] | None:
    """The JSON body's schema; None for an operation without one (or whose body is raw bytes, an upload)."""
    body = operation(method, path).get("requestBody")
    json_body = body and body["content"].get("application/json")
    return json_body["schema"] if json_body else None


def string_fields(method: str, path: str) -> list[str]:
    schema = resolve(body_schema(method, path) or {})
    return list(schema.get("properties", {}))


@pytest.fixture
def world(event_store, settings, tmp_path):
    settings.RATE_LIMITS = {scope: (100_000, window) for scope, (_limit, window) in settings.RATE_LIMITS.items()}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path
    user = User.objects.create_user("contract@example.com", PASSWORD)
    return {"user": user, "order": functools.cache(lambda: an_order(user))}


def an_order(user: User) -> str:
    """An order the world's user placed, made only for the operations on one (they answer it, not a 404)."""
    published_piece(uuid4(), "CONTRACT-1")
    project_catalog()
    [order_id] = place(user.id, **{"CONTRACT-1": 1})
    ProjectionRunner(get_projection("orders")).catch_up()
    return str(order_id)


def good_body(world, method: str, path: str) -> Any:
    """A request each operation accepts, where one is easy to make; otherwise a well-formed one."""
    pair = issue_token_pair(world["user"], "password")
    known = {
        ("post", "/api/auth/register"): {"email": f"new-{uuid4().hex}@example.com", "password": PASSWORD},
        ("post", "/api/auth/token"): {"email": "contract@example.com", "password": PASSWORD},
        ("post", "/api/auth/token/refresh"): {"refresh": pair["refresh"]},
        ("post", "/api/auth/token/revoke"): {"refresh": pair["refresh"]},
        ("post", "/api/auth/passwordless/request"): {"email": "contract@example.com"},
    }
    return known.get((method, path), example(body_schema(method, path) or {}))


def url_for(world, path: str, **overrides: str) -> str:
    values = {"product_id": str(uuid4()), **overrides}
    if "{order_id}" in path and "order_id" not in overrides:
        values["order_id"] = world["order"]()
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    return re.sub(r"\{[a-z_]+\}", lambda _: str(uuid4()), path)


def auth_headers(world) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_token_pair(world['user'], 'password')['access']}"}


def key_headers(method: str, path: str) -> dict[str, str]:
    """A fresh Idempotency-Key for an operation that requires one (placing an order), so its body is what is tested."""
    parameters = operation(method, path).get("parameters", ())
    required = any(p["in"] == "header" and p["name"] == "Idempotency-Key" and p.get("required") for p in parameters)
    return {"HTTP_IDEMPOTENCY_KEY": str(uuid4())} if required else {}


def send(client: Client, method: str, url: str, body: Any = None, content_type: str = "application/json", **headers):
    if body is None:
        return client.generic(method.upper(), url, **headers)
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.generic(method.upper(), url, data, content_type=content_type, **headers)


def assert_documented(method: str, path: str, response, expected_code: str | None = None) -> None:
    """Below 500, a status the operation lists, and a body that matches the schema listed for it."""
    assert response.status_code < 500, response.content
    responses = operation(method, path)["responses"]
    status = str(response.status_code)
    documented = {str(key): value for key, value in responses.items()}
    assert status in documented, (method, path, status, response.content)
    content = documented[status].get("content")
    if content is None:
        assert response.content == b""
        return
    assert response["Content-Type"].startswith("application/json"), response.content
    body = response.json()
    errors = sorted(validator(content["application/json"]["schema"]).iter_errors(body), key=str)
    assert not errors, (method, path, status, body, [error.message for error in errors])
    if response.status_code >= 400:
        assert set(body) == {"code", "message", "errors"}, body
    if expected_code is not None:
        assert body["code"] == expected_code, body


def test_the_document_lists_every_status_an_operation_can_answer():
    for method, path in OPERATIONS:
        entry = operation(method, path)
        statuses = {int(status) for status in entry["responses"]}
        assert {401, 429} <= statuses, (method, path)
        if "requestBody" in entry:
            assert {400, 413, 415, 422} <= statuses, (method, path)
        if entry.get("parameters"):
            assert 422 in statuses, (method, path)
        for status, response in entry["responses"].items():
            if int(status) >= 400:
                assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorOut"}


def test_the_error_schema_is_the_contract():
    schemas = OPENAPI["components"]["schemas"]
    assert set(schemas["ErrorOut"]["required"]) == {"code", "message", "errors"}
    assert set(schemas["FieldErrorOut"]["required"]) == {"field", "code", "message"}
    assert "ValidationErrorOut" not in schemas


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_good_requests_get_documented_answers(client, world, method, path):
    body = good_body(world, method, path) if body_schema(method, path) else None
    response = send(client, method, url_for(world, path), body, **auth_headers(world), **key_headers(method, path))
    assert_documented(method, path, response)


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_a_bad_token_is_a_documented_401_everywhere(client, world, subtests, method, path):
    body = good_body(world, method, path) if body_schema(method, path) else None
    for header in ("Bearer not-a-token", "Bearer ", "Bearer a.b.c", "bearer \x00"):
        with subtests.test(header=header):
            response = send(client, method, url_for(world, path), body, HTTP_AUTHORIZATION=header)
            assert response.status_code == 401
            assert response["WWW-Authenticate"] == 'Bearer error="invalid_token"'
            assert_documented(method, path, response, "token_invalid")


def malformed_bodies(method: str, path: str) -> list[tuple[str, Any, str, str | None, int | None]]:
    """(label, body, content type, the code expected if one is certain, the status expected if certain)."""
    fields = string_fields(method, path)
    good = example(body_schema(method, path))
    first = fields[0].encode()
    return [
        ("not json", b"{not json", JSON, "malformed_json", 400),
        ("truncated json", b'{"a": "b', JSON, "malformed_json", 400),
        ("not utf-8", b"\xff\xfe\x00\x81garbage", JSON, "malformed_json", 400),
        ("utf-16", json.dumps(good).encode("utf-16"), JSON, None, None),
        ("empty", b"", JSON, "invalid", 422),
        ("an array", b"[1, 2, 3]", JSON, "invalid", 422),
        ("a string", b'"x"', JSON, "invalid", 422),
        ("null", b"null", JSON, "invalid", 422),
        ("a number", b"1e999999", JSON, "invalid", 422),
        ("a huge integer", b'{"a": 1' + b"0" * 5000 + b"}", JSON, "malformed_json", 400),
        ("text/plain", json.dumps(good), "text/plain", "unsupported_media_type", 415),
        ("a form", urlencode(good or {"a": "b"}), "application/x-www-form-urlencoded", "unsupported_media_type", 415),
        ("xml", b"<a/>", "application/xml", "unsupported_media_type", 415),
        ("no content type", json.dumps(good), "", "unsupported_media_type", 415),
        ("json with a charset", json.dumps(good), "application/json; charset=utf-8", None, None),
        ("a json suffix type", json.dumps(good), "application/merge-patch+json", None, None),
        ("nested 1000 deep", DEEP, JSON, "body_too_deep", 400),
        ("deep inside a field", b'{"' + first + b'": ' + DEEP + b"}", JSON, "body_too_deep", 400),
        ("nested but allowed", {field: json.loads("[" * 60 + "]" * 60) for field in fields}, JSON, "invalid", 422),
        ("objects for strings", {field: {"nested": "object"} for field in fields}, JSON, "invalid", 422),
        ("numbers for strings", {field: 10**40 for field in fields}, JSON, "invalid", 422),
        ("NUL bytes", {field: "a\x00b" for field in fields}, JSON, None, None),
        ("a lone surrogate", b'{"' + first + b'": "\\ud800"}', JSON, None, None),
        ("very long strings", {field: "x" * 100_000 for field in fields}, JSON, "invalid", 422),
        ("unknown fields", {**good, "unknown": {"x": [1, None]}, "__proto__": 1}, JSON, None, None),
    ]


BODY_OPERATIONS = [(method, path) for method, path in OPERATIONS if body_schema(method, path)]


@pytest.mark.parametrize(("method", "path"), BODY_OPERATIONS)
def test_a_malformed_body_gets_a_documented_client_error(client, world, subtests, method, path):
    for label, body, content_type, code, status in malformed_bodies(method, path):
        with subtests.test(label):
            headers = {**auth_headers(world), **key_headers(method, path)}
            response = send(client, method, url_for(world, path), body, content_type, **headers)
            assert_documented(method, path, response, code)
            if status is not None:
                assert response.status_code == status


def uuid_path_parameters(method: str, path: str) -> list[str]:
    return [
        parameter["name"]
        for parameter in operation(method, path).get("parameters", ())
        if parameter["in"] == "path" and parameter["schema"].get("format") == "uuid"
    ]


PARAMETER_OPERATIONS = [(method, path) for method, path in OPERATIONS if uuid_path_parameters(method, path)]


@pytest.mark.parametrize(("method", "path"), PARAMETER_OPERATIONS)
def test_a_malformed_path_parameter_names_itself(client, world, subtests, method, path):
    """Ids are UUIDs: anything else is refused naming the parameter, before any body or permission is looked at."""
    names = uuid_path_parameters(method, path)
    body = good_body(world, method, path) if body_schema(method, path) else None
    for value in ("not-a-uuid", "%00", "x" * 5000, "%ff%fe", "1e999", "%2E%2E", "%F0%9F%92%A9"):
        with subtests.test(value=value[:20]):
            url = url_for(world, path, **dict.fromkeys(names, value))
            response = send(client, method, url, body, **auth_headers(world), **key_headers(method, path))
            assert_documented(method, path, response, "invalid")
            assert {error["field"] for error in response.json()["errors"]} <= set(names)


def test_validation_errors_name_fields_as_the_client_sent_them(client, world):
    response = send(client, "post", "/api/auth/register", {"email": 3, "display_name": ["x"]})
    assert response.status_code == 422
    assert response.json() == {
        "code": "invalid",
        "message": "The request is not valid.",
        "errors": [
            {"field": "email", "code": "invalid", "message": "Input should be a valid string"},
            {"field": "password", "code": "required", "message": "Field required"},
            {"field": "display_name", "code": "invalid", "message": "Input should be a valid string"},
        ],
    }
    response = send(client, "get", "/api/catalog/products/x")
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["field"], error["code"]) == ("product_id", "invalid")


@pytest.mark.parametrize("path", sorted(OPENAPI["paths"]))
def test_every_other_method_gets_405_in_the_contract(client, world, subtests, path):
    allowed = {name.upper() for name in OPENAPI["paths"][path] if name in METHODS}
    for method in sorted(set(METHODS) - set(OPENAPI["paths"][path])):
        with subtests.test(method=method):
            response = send(client, method, url_for(world, path), b"{}", **auth_headers(world))
            assert response.status_code == 405
            assert response["Content-Type"].startswith("application/json")
            assert set(response["Allow"].replace(" ", "").split(",")) == allowed
            if method != "head":
                body = response.json()
                assert (body["code"], body["errors"]) == ("method_not_allowed", [])
                assert set(body) == {"code", "message", "errors"}


UNKNOWN_PATHS = ["/api/nope", "/api/auth", "/api/auth/", "/api/auth/register/", "/api/catalog/products/", "/api/%00"]


@pytest.mark.parametrize("debug", [False, True])
def test_an_unknown_path_under_api_gets_404_json(client, db, settings, subtests, debug):
    settings.DEBUG = debug
    for path in [*UNKNOWN_PATHS, "/api/" + "x" * 3000]:
        for method in ("get", "post", "delete"):
            with subtests.test(path=path[:30], method=method):
                response = send(client, method, path, b"{}")
                assert response.status_code == 404
                expected = {"code": "not_found", "message": "There is nothing at this address.", "errors": []}
                assert response.json() == expected


def test_a_good_token_on_graphql_is_its_users_and_a_bad_one_a_graphql_401(client, world):
    query = {"query": "{ me { email } }"}
    good = send(client, "post", "/graphql", query, **auth_headers(world))
    assert good.json()["data"]["me"]["email"] == "contract@example.com"
    bad = send(client, "post", "/graphql", query, HTTP_AUTHORIZATION="Bearer not-a-token")
    assert bad.status_code == 401
    assert bad["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert bad.json() == {"errors": [{"message": "The token is not valid.", "extensions": {"code": "token_invalid"}}]}


ENTITIES = "query($r: [_Any!]!) { _entities(representations: $r) { __typename } }"
INLINE_ENTITIES = "{ _entities(representations: [%s]) { __typename ... on Product { name } } }"
ENTITY_BY_VARIABLE = (
    'query($id: String) { _entities(representations: [{__typename: "Product", id: $id}]) { __typename } }'
)
BY_ID = "query($id: UUID!) { product(id: $id) { id } }"
PAGE = "query($n: Int!) { products(first: $n) { totalCount } }"
COUNT = "{ __typename }"
DEEP_TEXT = DEEP.decode()
UNRESOLVED = "operation_resolution_failure"


def q(query: str, **fields: Any) -> dict[str, Any]:
    return {"query": query, **fields}


GRAPHQL_CASES = [
    ("bad uuid literal", q('{ product(id: "not-a-uuid") { id } }'), 400, "invalid"),
    ("int literal for a uuid", q("{ product(id: 12) { id } }"), 400, "invalid"),
    ("bad uuid variable", q(BY_ID, variables={"id": "x"}), 400, "invalid"),
    ("object for a uuid variable", q(BY_ID, variables={"id": {"a": 1}}), 400, "invalid"),
    ("huge int literal", q("{ products(first: 99999999999999999999) { totalCount } }"), 400, "invalid"),
    ("huge int variable", q(PAGE, variables={"n": 10**30}), 400, "invalid"),
    ("float for an int", q(PAGE, variables={"n": 1.5}), 400, "invalid"),
    ("missing variable", q(PAGE), 400, "invalid"),
    ("unknown variable kept", q(COUNT, variables={"zz": [1, {"a": None}]}), 200, None),
    ("variables as an array", q(COUNT, variables=[1]), 400, "invalid"),
    ("variables as a string of an array", q(COUNT, variables="[1]"), 400, "invalid"),
    ("variables as a number", q(COUNT, variables=5), 400, "invalid"),
    ("variables not json", q(COUNT, variables="{not json"), 400, "malformed_json"),
    ("inline representation", q(INLINE_ENTITIES % f'{{__typename: "Product", id: "{uuid4()}"}}'), 200, None),
    ("inline representation of nothing", q(INLINE_ENTITIES % '{__typename: "Nope", id: "x"}'), 400, "invalid"),
    ("inline representation not an object", q(INLINE_ENTITIES % '"x"'), 400, "invalid"),
    ("inline representation of a non-entity", q(INLINE_ENTITIES % '{__typename: "Query"}'), 400, "invalid"),
    ("inline representation with a variable", q(ENTITY_BY_VARIABLE, variables={"id": str(uuid4())}), 200, None),
    ("representation of nothing", q(ENTITIES, variables={"r": [{"__typename": "Nope"}]}), 400, "invalid"),
    ("representation without a typename", q(ENTITIES, variables={"r": [{"id": "x"}]}), 400, "invalid"),
    ("representation as a string", q(ENTITIES, variables={"r": ["Product"]}), 400, "invalid"),
    ("syntax error", q("{ __typename"), 400, "graphql_parse_failed"),
    ("NUL in the document", q("{ __typename \x00 }"), 400, "graphql_parse_failed"),
    ("NUL in a string literal", q('{ product(id: "\x00") { id } }'), 400, "invalid"),
    ("unknown field", q("{ nope }"), 400, "graphql_validation_failed"),
    ("query not a string", {"query": [COUNT]}, 400, "bad_request"),
    ("query missing", {"variables": {}}, 400, "bad_request"),
    ("no such operation", q("query A { __typename }", operationName="B"), 400, UNRESOLVED),
    ("two operations, no name", q("query A { __typename } query B { __typename }"), 400, UNRESOLVED),
    ("operation name not a string", q(COUNT, operationName=42), 400, "bad_request"),
    ("document nested too deep", q("{ a " * 1000 + "}" * 1000), 400, "graphql_parse_failed"),
    ("deep variables", b'{"query": "{ __typename }", "variables": {"a": ' + DEEP + b"}}", 400, "body_too_deep"),
    ("batch", [q(COUNT)], 400, "batch_not_supported"),
    ("a json string", "just a string", 400, "bad_request"),
    ("a json number", 42, 400, "bad_request"),
    ("not utf-8", b"\xff\xfe{}", 400, "malformed_json"),
]


def test_malformed_graphql_gets_a_coded_graphql_error(client, world, subtests):
    for label, body, status, code in GRAPHQL_CASES:
        with subtests.test(label):
            data = body if isinstance(body, bytes) else json.dumps(body)
            response = client.post("/graphql", data, content_type=JSON)
            assert_graphql_shape(response, status, code)


OTHER_WAYS = [
    ("get with a mutation", "get", {"data": q("mutation { logoutEverywhere { errors { code } } }")}, 405),
    ("get with deep variables", "get", {"data": q(COUNT, variables=DEEP_TEXT)}, 400),
    ("get with bad variables", "get", {"data": q(COUNT, variables="{")}, 400),
    ("a form with deep variables", "post", {"data": q(COUNT, variables=DEEP_TEXT)}, 400),
    ("text/plain", "post", {"data": COUNT, "content_type": "text/plain"}, 415),
    ("application/graphql", "post", {"data": COUNT, "content_type": "application/graphql"}, 200),
    ("application/graphql not utf-8", "post", {"data": b"\xff{", "content_type": "application/graphql"}, 400),
    ("an empty object", "post", {"data": {}, "content_type": JSON}, 400),
    ("put", "put", {"data": b"{}", "content_type": JSON}, 405),
    ("delete", "delete", {}, 405),
    ("patch", "patch", {"data": b"{}", "content_type": JSON}, 405),
    ("options", "options", {}, 405),
]
OTHER_WAY_CODES = {
    "get with a mutation": "method_not_allowed",
    "get with deep variables": "body_too_deep",
    "a form with deep variables": "body_too_deep",
    "text/plain": "unsupported_media_type",
    "an empty object": "bad_request",
    "application/graphql": None,
    "put": "method_not_allowed",
    "delete": "method_not_allowed",
    "patch": "method_not_allowed",
    "options": "method_not_allowed",
}


def test_every_way_of_asking_graphql_badly_gets_a_coded_error(client, world, subtests):
    for label, method, kwargs, status in OTHER_WAYS:
        with subtests.test(label):
            response = getattr(client, method)("/graphql", **kwargs)
            assert_graphql_shape(response, status, OTHER_WAY_CODES.get(label, "malformed_json"))
    with subtests.test("an empty body"):
        assert_graphql_shape(client.generic("POST", "/graphql", b"", CONTENT_TYPE=JSON), 400, "malformed_json")


def assert_graphql_shape(response, status: int, code: str | None) -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    if code is None:
        assert "errors" not in body, body
        return
    assert body["errors"], body
    for error in body["errors"]:
        assert isinstance(error["message"], str), body
        assert error["message"] != "Internal error", body
        assert error["extensions"]["code"] == code, body
