"""Read-your-writes over GraphQL: a mutation waits (bounded) for its projection, then answers pending with the id."""

from __future__ import annotations

import time
from uuid import UUID

import pytest

from ocg.identity import tokens
from ocg.identity.models import Role, User

WAIT = 0.4

CREATE = """
mutation($input: ProductCreateInput!) {
  productCreate(input: $input) { id pending result { id name } errors { field code } }
}"""

RENAME = """
mutation($id: UUID!, $name: String!) {
  productUpdate(id: $id, input: {name: $name}) { id pending result { id name } errors { field code } }
}"""

COAT = {"name": "Coat", "price": {"amount": "10.00", "currency": "EUR"}}


@pytest.fixture
def designer_client(client, event_store, settings):
    settings.PROJECTION_WAIT_SECONDS = WAIT
    designer = User.objects.create_user("designer@example.com", "a-long-password-1", role=Role.DESIGNER)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {tokens.issue_token_pair(designer, 'password')['access']}"
    # The first request of a process loads the schema: the timings below measure the wait alone.
    assert client.post("/graphql", {"query": "{ __typename }"}, content_type="application/json").status_code == 200
    return client


def mutate(client, query: str, **variables) -> tuple[dict, float]:
    started = time.monotonic()
    response = client.post("/graphql", {"query": query, "variables": variables}, content_type="application/json")
    elapsed = time.monotonic() - started
    assert response.status_code == 200, response.content
    body = response.json()
    assert "errors" not in body, body
    [payload] = body["data"].values()
    return payload, elapsed


def test_a_create_whose_projection_lags_answers_pending_with_the_id_after_the_wait(designer_client, catalog):
    payload, elapsed = mutate(designer_client, CREATE, input=COAT)

    assert payload["pending"] is True
    assert payload["result"] is None and payload["errors"] == []
    assert catalog.repository.get(UUID(payload["id"])).name == "Coat"
    assert WAIT <= elapsed < WAIT + 1.0


def test_a_change_whose_projection_lags_answers_pending_with_the_id(designer_client, catalog):
    created, _ = mutate(designer_client, CREATE, input=COAT)

    payload, elapsed = mutate(designer_client, RENAME, id=created["id"], name="Long coat")

    assert (payload["pending"], payload["id"], payload["result"]) == (True, created["id"], None)
    assert catalog.repository.get(UUID(created["id"])).name == "Long coat"
    assert WAIT <= elapsed < WAIT + 1.0


def test_a_running_projection_answers_with_the_row_and_not_pending(designer_client, catalog, run_projection):
    run_projection("catalog")

    created, _ = mutate(designer_client, CREATE, input=COAT)
    renamed, _ = mutate(designer_client, RENAME, id=created["id"], name="Long coat")

    assert created["pending"] is False and created["result"] == {"id": created["id"], "name": "Coat"}
    assert renamed["pending"] is False and renamed["result"] == {"id": created["id"], "name": "Long coat"}
    assert renamed["id"] == created["id"]


def test_a_refused_mutation_is_not_pending_and_names_nothing(designer_client, catalog):
    payload, _ = mutate(designer_client, CREATE, input={**COAT, "name": " "})

    assert (payload["pending"], payload["id"], payload["result"]) == (False, None, None)
    assert [error["field"] for error in payload["errors"]] == ["name"]
    assert not catalog.recorder.max_notification_id()


CREATE_ID_ONLY = """
mutation($input: ProductCreateInput!) { productCreate(input: $input) { id errors { field code } } }"""

CREATE_RESULT_IN_A_FRAGMENT = """
mutation($input: ProductCreateInput!) { productCreate(input: $input) { id ...Shown errors { code } } }
fragment Shown on ProductCreate { ... on ProductCreate { result { name } } }"""


def test_a_mutation_that_selects_neither_result_nor_pending_is_not_kept_waiting(designer_client, settings, catalog):
    settings.PROJECTION_WAIT_SECONDS = 30

    payload, elapsed = mutate(designer_client, CREATE_ID_ONLY, input=COAT)

    assert payload["errors"] == []
    assert catalog.repository.get(UUID(payload["id"])).name == "Coat"
    assert elapsed < 10


def test_a_result_selected_through_fragments_is_still_waited_for(designer_client, catalog):
    payload, elapsed = mutate(designer_client, CREATE_RESULT_IN_A_FRAGMENT, input=COAT)

    assert payload["result"] is None and catalog.repository.get(UUID(payload["id"])).name == "Coat"
    assert WAIT <= elapsed < WAIT + 1.0
