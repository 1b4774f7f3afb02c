"""A database or Redis outage is the service's trouble, not the request's: 503 `unavailable` with Retry-After,
in each client's shape, and never the 500 that says "a bug"."""

from __future__ import annotations

import json
from collections.abc import Iterator

import psycopg
import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client

from ocg.identity import cached_users
from ocg.identity.models import User
from ocg.identity.tokens import issue_token_pair
from ocg.spine.errors import UNAVAILABLE_MESSAGE, service_unavailable
from ocg.spine.eventstore import postgres_conninfo
from tests.gateway.failing_urls import SECRET

PRODUCTS = "{ products(first: 1) { edges { node { id } } } }"


@pytest.mark.urls("tests.gateway.failing_urls")
@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("path", ["/api/failing/outage", "/api/failing-ninja/outage"])
def test_an_outage_under_api_is_a_json_503_with_retry_after(db, settings, caplog, debug, path):
    settings.DEBUG = debug
    response = Client(raise_request_exception=False).get(path)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {"code": "unavailable", "message": UNAVAILABLE_MESSAGE, "errors": []}
    assert not any(record.exc_info for record in caplog.records), "an outage is logged as a bug"
    assert SECRET not in response.content.decode()


@pytest.mark.urls("tests.gateway.failing_urls")
def test_an_outage_outside_the_api_is_a_plain_503(db):
    response = Client(raise_request_exception=False).get("/admin/failing/outage")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert SECRET not in response.content.decode()


def test_a_bug_is_not_mistaken_for_an_outage():
    assert not service_unavailable(RuntimeError("a bug"))
    assert not service_unavailable(ValueError("caused by nothing"))
    try:
        try:
            raise psycopg.OperationalError("server closed the connection unexpectedly")
        except psycopg.OperationalError as outage:
            raise RuntimeError("the command failed") from outage
    except RuntimeError as wrapped:
        assert service_unavailable(wrapped)


@pytest.fixture
def shopper_token(transactional_db) -> str:
    """A signed-in caller whose account is not cached yet: the first request reads it from the database."""
    user = User.objects.create_user("outage@example.com", "a-long-password-9")
    cache.delete(cached_users.cache_key(str(user.pk)))
    return issue_token_pair(user, "password")["access"]


OUTAGE_APPLICATION = "ocg-outage-test"


@pytest.fixture
def database_outage(transactional_db) -> Iterator[None]:
    """The sessions of Django's connection pool are cut, as a server restart would; nothing else is touched
    (the event store's pools go on), and the pool starts afresh afterwards."""
    options = connection.settings_dict["OPTIONS"]
    killer_conninfo = postgres_conninfo("ocg-test-outage")
    connection.close()
    connection.close_pool()
    options["application_name"] = OUTAGE_APPLICATION
    try:
        connection.ensure_connection()
        connection.close()
        connection.pool.wait(timeout=10)  # every pooled connection is open, so none opens after the cut
        with psycopg.connect(killer_conninfo, autocommit=True) as killer:
            cut = killer.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND application_name = %s",
                [OUTAGE_APPLICATION],
            ).fetchone()[0]
        assert cut >= 1
        yield
    finally:
        connection.close()
        connection.close_pool()
        del options["application_name"]


def test_a_real_database_outage_answers_graphql_with_503_unavailable(database_outage):
    response = Client(raise_request_exception=False).post(
        "/graphql", json.dumps({"query": PRODUCTS}), content_type="application/json"
    )
    assert response.status_code == 503, response.content
    assert response["Retry-After"] == "5"
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "unavailable"
    assert error["message"] == UNAVAILABLE_MESSAGE


def test_an_outage_met_before_any_view_runs_is_503_too(shopper_token, database_outage):
    """The token middleware reads the account from the database: its failure is answered by handler500."""
    response = Client(raise_request_exception=False).post(
        "/graphql",
        json.dumps({"query": "{ __typename }"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {shopper_token}",
    )
    assert response.status_code == 503, response.content
    assert response["Retry-After"] == "5"
    assert response.json()["errors"][0]["extensions"]["code"] == "unavailable"
