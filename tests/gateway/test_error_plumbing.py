"""The pieces under the error contract: status registration, the nesting scan, and 5xx bodies."""

from __future__ import annotations

import logging

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from graphql import GraphQLError

from ocg.identity.domain import EmailTaken, InvalidToken
from ocg.spine import errors
from ocg.spine.errors import PermissionDenied
from ocg.spine.gateway import nesting_exceeds
from ocg.spine.graphql_errors import format_error
from tests.gateway.failing_urls import SECRET


@pytest.fixture
def statuses():
    """Registrations made by a test are forgotten afterwards."""
    saved = dict(errors._statuses)
    yield
    errors._statuses.clear()
    errors._statuses.update(saved)


def test_contexts_register_their_own_codes_and_the_spine_keeps_only_generic_ones():
    assert errors.http_status(EmailTaken("taken")) == 409
    assert errors.http_status(InvalidToken(code="token_expired")) == 401
    assert not set(errors.GENERIC_STATUSES) & {"email_taken", "token_expired", "weak_password"}


def test_registering_a_code_again_with_its_status_is_harmless(statuses):
    errors.register_error_statuses({"parcel_lost": 410})
    errors.register_error_statuses({"parcel_lost": 410})
    assert errors.STATUS_BY_CODE["parcel_lost"] == 410


@pytest.mark.parametrize("mapping", [{"not_found": 400}, {"parcel_lost": 200}, {"parcel_lost": 600}])
def test_a_code_with_two_statuses_or_a_status_that_is_no_error_stops_start_up(statuses, mapping):
    errors.register_error_statuses({"parcel_lost": 410})
    with pytest.raises(ImproperlyConfigured):
        errors.register_error_statuses({**mapping, "fine_code": 418})
    assert "fine_code" not in errors.STATUS_BY_CODE


@pytest.mark.parametrize(
    ("text", "limit", "exceeds"),
    [
        (b"[" * 64 + b"]" * 64, 64, False),
        (b"[" * 65 + b"]" * 65, 64, True),
        (b'{"a":' * 65 + b"1" + b"}" * 65, 64, True),
        (b"[{" * 33 + b"}]" * 33, 64, True),
        (b"[]" * 10_000, 1, False),
        (b'["' + b"[" * 100 + b'"]', 64, False),
        (b'["\\"' + b"[" * 100 + b'"]', 64, False),
        (b'["\\\\"' + b"[" * 100 + b"]", 64, True),
        (b'["unterminated' + b"[" * 100, 64, False),
        (b"[" * 10 + b"]" * 20 + b"[" * 60, 64, False),
        (b"\xff\xfe" + b"[" * 100, 64, True),
        (b"", 64, False),
    ],
)
def test_the_nesting_scan_counts_brackets_outside_strings(text, limit, exceeds):
    assert nesting_exceeds(text, limit) is exceeds


def test_the_limit_is_a_setting(client, db, settings):
    settings.MAX_REQUEST_NESTING = 3
    body = b'{"email": [[[1]]]}'
    response = client.post("/api/auth/register", body, content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (400, "body_too_deep")
    settings.MAX_REQUEST_NESTING = 4
    response = client.post("/api/auth/register", body, content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (422, "invalid")


@pytest.mark.urls("tests.gateway.failing_urls")
@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("path", ["/api/failing/raises", "/api/failing-ninja/raises"])
def test_a_failure_under_api_is_a_json_500_that_tells_nothing(db, settings, caplog, debug, path):
    settings.DEBUG = debug
    response = Client(raise_request_exception=False).get(path)
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {
        "code": "internal_error",
        "message": "The server failed to answer this request; the failure has been logged.",
        "errors": [],
    }
    logged = [record for record in caplog.records if record.levelno >= logging.ERROR and record.exc_info]
    assert any(SECRET in str(record.exc_info[1]) for record in logged)


@pytest.mark.urls("tests.gateway.failing_urls")
@pytest.mark.parametrize("debug", [False, True])
def test_a_failure_on_graphql_is_a_graphql_500_that_tells_nothing(db, settings, debug):
    settings.DEBUG = debug
    response = Client(raise_request_exception=False).post("/graphql", {"query": "{ __typename }"})
    assert response.status_code == 500
    assert response.json() == {
        "errors": [
            {
                "message": "The server failed to answer this request; the failure has been logged.",
                "extensions": {"code": "internal_error"},
            }
        ]
    }


@pytest.mark.urls("tests.gateway.failing_urls")
@pytest.mark.parametrize(
    ("path", "status", "body"),
    [
        ("/api/failing/detail", 400, {"code": "bad_request", "message": "Something odd.", "errors": []}),
        (
            "/api/failing/field",
            409,
            {"code": "weird", "message": "Odd.", "errors": [{"field": "name", "code": "weird", "message": "Odd."}]},
        ),
        ("/api/failing/graphql-shaped", 400, {"code": "too_many", "message": "One at a time.", "errors": []}),
        ("/api/failing/forbidden", 403, {"code": "permission_denied", "message": "Forbidden.", "errors": []}),
        (
            "/api/failing/unavailable",
            503,
            {
                "code": "unavailable",
                "message": "The service is unavailable for a moment; try again shortly.",
                "errors": [],
            },
        ),
    ],
)
def test_an_error_body_from_any_layer_is_put_in_the_contract(client, db, path, status, body):
    response = client.get(path)
    assert response.status_code == status
    assert response.json() == body
    assert int(response["Content-Length"]) == len(response.content)


def test_a_domain_error_from_a_resolver_keeps_its_code_and_anything_else_is_masked(caplog):
    located = GraphQLError("ignored", original_error=PermissionDenied("You may not."), path=["product"])
    assert format_error(located) == {
        "message": "You may not.",
        "path": ["product"],
        "extensions": {"code": "permission_denied"},
    }
    bug = GraphQLError("ignored", original_error=KeyError(SECRET), path=["product"])
    masked = {"message": "Internal error", "path": ["product"], "extensions": {"code": "internal_error"}}
    assert format_error(bug) == masked
    assert any(SECRET in str(record.exc_info[1]) for record in caplog.records if record.exc_info)
