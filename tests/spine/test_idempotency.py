"""Idempotency keys on REST and GraphQL, on PostgreSQL and Redis, through a test router and schema.

The handlers (tests/spine/idempotency_app.py) count their executions in a table, so each test checks both
what the client was answered and how many times the work really ran.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connections
from django.test import Client
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from ocg.api import api as project_api
from ocg.celery import app as celery_app
from ocg.identity.models import User
from ocg.identity.tokens import issue_token_pair
from ocg.spine.models import IdempotencyRecord
from ocg.spine.tasks import purge_idempotency_keys
from tests.spine import idempotency_app
from tests.spine.idempotency_app import holds, runs

pytestmark = pytest.mark.urls("tests.spine.idempotency_app")
# Built while the project's URLconf is still the root one (the document names its own root path).
PROJECT_OPENAPI = project_api.get_openapi_schema()

PASSWORD = "a-long-password-9"
THINGS = "/api/test/things"
NOTES = "/api/test/notes"
PLACE = """
mutation Place($name: String!, $hold: String, $refuse: Boolean, $key: String) {
  thingPlace(name: $name, hold: $hold, refuse: $refuse, idempotencyKey: $key) {
    result { name runs }
    errors { field code message }
  }
}
"""
NOTE = "mutation Note($name: String!) { noteAdd(name: $name) { result { name runs } errors { code } } }"


@pytest.fixture
def things(transactional_db, settings) -> Iterator[None]:
    settings.RATE_LIMITS = {scope: (100_000, window) for scope, (_limit, window) in settings.RATE_LIMITS.items()}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    idempotency_app.create_runs_table()
    yield
    holds.clear()
    idempotency_app.drop_runs_table()


def signed_in(email: str = "shopper@example.com") -> dict[str, str]:
    user = User.objects.filter(email=email).first() or User.objects.create_user(email, PASSWORD)
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_token_pair(user, 'password')['access']}"}


@pytest.fixture
def shopper(things) -> dict[str, str]:
    return signed_in()


def key_header(key: str | None) -> dict[str, str]:
    return {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}


def rest(auth: dict[str, str], body: Any, key: str | None = None, path: str = THINGS, method: str = "post"):
    data = body if isinstance(body, str) else json.dumps(body)
    return Client().generic(method.upper(), path, data, content_type="application/json", **auth, **key_header(key))


def graphql(auth: dict[str, str], query: str, variables: dict | None = None, key: str | None = None, **extra: Any):
    body = json.dumps({"query": query, "variables": variables or {}, **extra})
    return Client().post("/graphql", body, content_type="application/json", **auth, **key_header(key))


class AnyText:
    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and len(other) > 10


ANY_TEXT = AnyText()


def is_replay(response) -> bool:
    return response.get("Idempotent-Replayed") == "true"


def in_thread(call: Callable[[], Any]) -> Future:
    """Runs a request in a thread of its own (its own database connection), as a second client would."""

    def run() -> Any:
        try:
            return call()
        finally:
            connections.close_all()

    executor = ThreadPoolExecutor(max_workers=1)
    future = executor.submit(run)
    executor.shutdown(wait=False)
    return future


def wait_entered(hold: str) -> None:
    entered, _release = holds.events(hold)
    assert entered.wait(10), "the held request never reached its handler"


def release(hold: str) -> None:
    holds.events(hold)[1].set()


# REST ------------------------------------------------------------------------------------------------------


def test_a_rest_success_is_replayed_whole_and_runs_once(shopper):
    first = rest(shopper, {"name": "coat"}, key="key-1")
    assert first.status_code == 201
    assert first.json() == {"name": "coat", "runs": 1}
    assert not is_replay(first)

    # Same request with other whitespace: the same fingerprint.
    again = rest(shopper, '{ "name" :\n "coat" }', key="key-1")
    assert again.status_code == 201
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    assert is_replay(again)
    # Members in another order: the same fingerprint too.
    ordered = rest(shopper, {"name": "scarf", "refuse": False}, key="key-2")
    reordered = rest(shopper, '{"refuse": false, "name": "scarf"}', key="key-2")
    assert is_replay(reordered)
    assert reordered.content == ordered.content
    assert runs("rest-thing") == 2


def test_a_rest_domain_refusal_is_kept_and_replayed(shopper):
    refused = rest(shopper, {"name": "coat", "refuse": True}, key="key-1")
    assert refused.status_code == 409
    assert refused.json()["code"] == "test_sold_out"

    again = rest(shopper, {"name": "coat", "refuse": True}, key="key-1")
    assert again.status_code == 409
    assert again.content == refused.content
    assert is_replay(again)
    assert runs("rest-thing") == 1


def test_a_rest_outage_before_any_write_frees_the_key_and_one_after_a_write_keeps_the_answer(shopper, event_store):
    down = rest(shopper, {"name": "coat", "outage": "before"}, key="key-1")
    assert (down.status_code, down.json()["code"], down["Retry-After"]) == (503, "unavailable", "5")
    assert not IdempotencyRecord.objects.filter(key="key-1").exists()
    assert rest(shopper, {"name": "coat"}, key="key-1").json() == {"name": "coat", "runs": 2}

    # The outage came after an event was stored: sending the request again must not store a second one.
    written = rest(shopper, {"name": "hat", "outage": "after_write"}, key="key-2")
    assert written.status_code == 503
    again = rest(shopper, {"name": "hat", "outage": "after_write"}, key="key-2")
    assert is_replay(again)
    assert again.content == written.content
    assert runs("rest-thing") == 3


def test_a_rest_key_reused_for_another_request_is_422_and_runs_nothing(shopper):
    assert rest(shopper, {"name": "coat"}, key="key-1").status_code == 201

    for response in (
        rest(shopper, {"name": "scarf"}, key="key-1"),
        rest(shopper, {"name": "coat"}, key="key-1", path=NOTES),
        rest(shopper, {"name": "coat"}, key="key-1", path=f"{THINGS}?colour=red"),
    ):
        assert response.status_code == 422
        assert response.json() == {
            "code": "idempotency_key_reused",
            "message": response.json()["message"],
            "errors": [{"field": "Idempotency-Key", "code": "idempotency_key_reused", "message": ANY_TEXT}],
        }
        assert not is_replay(response)
    assert runs("rest-thing") == 1
    assert runs("rest-note") == 0


def test_a_rest_key_in_flight_is_409_then_its_answer_is_replayed(shopper):
    body = {"name": "coat", "hold": "first"}
    first = in_thread(lambda: rest(shopper, body, key="key-1"))
    wait_entered("first")

    second = rest(shopper, body, key="key-1")
    assert second.status_code == 409
    assert second.json()["code"] == "idempotency_key_in_flight"
    assert second["Retry-After"] == "1"

    release("first")
    answer = first.result(timeout=10)
    assert answer.status_code == 201
    third = rest(shopper, body, key="key-1")
    assert (third.status_code, third.content) == (201, answer.content)
    assert is_replay(third)
    assert runs("rest-thing") == 1


def test_a_key_left_in_flight_is_taken_over_after_the_timeout(shopper, settings, caplog):
    body = {"name": "coat", "hold": "stuck"}
    with time_machine.travel(datetime.now(UTC)) as clock:
        stuck = in_thread(lambda: rest(shopper, body, key="key-1"))
        wait_entered("stuck")
        assert rest(shopper, body, key="key-1").status_code == 409

        # As if its process had crashed: past the timeout the next request runs in its place.
        clock.shift(settings.IDEMPOTENCY["IN_FLIGHT_TIMEOUT_SECONDS"] + 1)
        takeover = rest(shopper, body, key="key-1")
        assert takeover.status_code == 201
        assert not is_replay(takeover)
        assert takeover.json()["runs"] == 2

        # When the first one does finish, it cannot overwrite the answer of the request that took over.
        release("stuck")
        assert stuck.result(timeout=10).status_code == 201
        replay = rest(shopper, body, key="key-1")
    assert is_replay(replay)
    assert replay.content == takeover.content
    assert "took its idempotency key over" in caplog.text


def test_a_missing_key_where_required_is_400_and_runs_nothing(shopper):
    for response in (rest(shopper, {"name": "coat"}), rest(shopper, "", path=f"{THINGS}/coat", method="put")):
        assert response.status_code == 400
        assert response.json()["code"] == "idempotency_key_required"
        assert response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert runs("rest-thing") == runs("rest-put") == 0

    anonymous = rest({}, {"name": "coat"})
    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "unauthenticated"

    # Where the key is optional, writes without one simply run each time.
    assert [rest(shopper, {"name": "memo"}, path=NOTES).json()["runs"] for _ in range(2)] == [1, 2]


def test_validation_failures_are_not_kept_so_the_fixed_request_reuses_the_key(shopper):
    invalid_body = rest(shopper, {"name": ""}, key="key-1")
    assert invalid_body.status_code == 422
    refused_by_handler = rest(shopper, {"name": "refused"}, key="key-1")
    assert refused_by_handler.status_code == 400
    assert refused_by_handler.json()["code"] == "invalid"
    not_json = Client().post(THINGS, "{", content_type="application/json", **shopper, HTTP_IDEMPOTENCY_KEY="key-1")
    assert not_json.status_code == 400
    assert not IdempotencyRecord.objects.exists()

    fixed = rest(shopper, {"name": "coat"}, key="key-1")
    assert fixed.status_code == 201
    assert not is_replay(fixed)
    assert runs("rest-thing") == 2  # the handler's refusal ran, then the fixed request


@pytest.mark.parametrize(
    "key",
    ["", "   ", "x" * 256, "caf\u00e9", "tab\tinside", '"unterminated', '"two" "strings"', '"bad\\escape"'],
)
def test_a_malformed_key_is_400_and_runs_nothing(shopper, key):
    response = rest(shopper, {"name": "coat"}, key=key)
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_invalid"
    assert runs("rest-thing") == 0


def test_a_quoted_key_is_the_same_key_as_a_bare_one(shopper):
    key = "8e03978e-40d5-43e8-bc93-6894a57f9324"
    first = rest(shopper, {"name": "coat"}, key=key)
    quoted = rest(shopper, {"name": "coat"}, key=f'"{key}"')
    assert is_replay(quoted)
    assert quoted.content == first.content
    assert rest(shopper, {"name": "coat"}, key="x" * 255).status_code == 201


def test_keys_belong_to_the_caller(shopper):
    other = signed_in("other@example.com")
    assert rest(shopper, {"name": "coat"}, key="key-1").json()["runs"] == 1
    theirs = rest(other, {"name": "scarf"}, key="key-1")
    assert theirs.status_code == 201
    assert not is_replay(theirs)

    anonymous = rest({}, {"name": "memo"}, key="key-1", path=NOTES)
    assert anonymous.status_code == 400
    assert anonymous.json()["code"] == "idempotency_key_anonymous"
    assert runs("rest-note") == 0


def test_an_anonymous_key_on_a_signed_in_operation_gets_the_operations_401(things):
    response = rest({}, {"name": "memo"}, key="key-1", path="/api/test/private")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    secret = 'mutation { secretNoteAdd(name: "memo") { errors { code } } }'
    assert graphql_error(graphql({}, secret, key="key-1")) == {"status": 401, "code": "unauthenticated"}
    assert runs("rest-private") == runs("graphql-secret") == 0

    signed_in_key = rest(signed_in(), {"name": "memo"}, key="key-1", path="/api/test/private")
    assert signed_in_key.status_code == 201
    assert runs("rest-private") == 1


def test_reads_ignore_the_key(shopper):
    response = Client().get("/api/test/things", **shopper, HTTP_IDEMPOTENCY_KEY="key-1")
    assert response.status_code == 405
    assert not IdempotencyRecord.objects.exists()


# GraphQL ---------------------------------------------------------------------------------------------------


def test_a_graphql_mutation_is_replayed_whatever_carries_the_key(shopper):
    first = graphql(shopper, PLACE, {"name": "coat"}, key="key-1")
    assert first.status_code == 200
    assert first.json()["data"]["thingPlace"] == {"result": {"name": "coat", "runs": 1}, "errors": []}

    reformatted = "  ".join(PLACE.split())
    by_header = graphql(shopper, reformatted, {"name": "coat"}, key="key-1")
    by_variable = graphql(shopper, PLACE, {"name": "coat", "key": "key-1"})
    literal = PLACE.replace(", $key: String", "").replace("idempotencyKey: $key", 'idempotencyKey: "key-1"')
    by_literal = graphql(shopper, literal, {"name": "coat"})
    both = graphql(shopper, PLACE, {"name": "coat", "key": "key-1"}, key="key-1")
    for response in (by_header, by_variable, by_literal, both):
        assert response.status_code == 200
        assert is_replay(response)
        assert response.content == first.content
    assert runs("graphql-thing") == 1


def test_a_graphql_domain_error_is_kept_and_an_input_error_is_not(shopper):
    refused = graphql(shopper, PLACE, {"name": "coat", "refuse": True}, key="key-1")
    assert refused.json()["data"]["thingPlace"]["errors"][0]["code"] == "test_sold_out"
    again = graphql(shopper, PLACE, {"name": "coat", "refuse": True}, key="key-1")
    assert is_replay(again)
    assert again.content == refused.content
    assert runs("graphql-thing") == 1

    # An input error in the payload, even when the client did not select `errors`, releases the key.
    unselected = PLACE.replace("errors { field code message }", "")
    invalid = graphql(shopper, unselected, {"name": "refused"}, key="key-2")
    assert invalid.json()["data"]["thingPlace"] == {"result": None}
    assert not IdempotencyRecord.objects.filter(key="key-2").exists()
    # A document or variables that do not validate never claim the key.
    bad_variables = graphql(shopper, PLACE, {"name": 12}, key="key-2")
    assert bad_variables.status_code == 400
    assert graphql(shopper, "mutation { thingPlace { errors { code } } }", key="key-2").status_code == 400
    fixed = graphql(shopper, PLACE, {"name": "coat"}, key="key-2")
    assert fixed.json()["data"]["thingPlace"]["result"] == {"name": "coat", "runs": 3}
    assert not is_replay(fixed)


def test_a_graphql_outage_before_any_write_frees_the_key_and_one_after_a_write_keeps_it(shopper, event_store):
    place = PLACE.replace("$refuse: Boolean,", "$refuse: Boolean, $outage: String,").replace(
        "refuse: $refuse,", "refuse: $refuse, outage: $outage,"
    )
    down = graphql(shopper, place, {"name": "coat", "outage": "before"}, key="key-1")
    assert (down.status_code, down["Retry-After"]) == (503, "5")
    assert down.json()["errors"][0]["extensions"]["code"] == "unavailable"
    assert not IdempotencyRecord.objects.filter(key="key-1").exists()
    fixed = graphql(shopper, place, {"name": "coat"}, key="key-1")
    assert fixed.json()["data"]["thingPlace"]["result"] == {"name": "coat", "runs": 2}

    written = graphql(shopper, place, {"name": "hat", "outage": "after_write"}, key="key-2")
    assert written.status_code == 503
    again = graphql(shopper, place, {"name": "hat", "outage": "after_write"}, key="key-2")
    assert is_replay(again)
    assert again.content == written.content
    assert runs("graphql-thing") == 3


def graphql_error(response) -> dict[str, Any]:
    body = response.json()
    assert "data" not in body
    [error] = body["errors"]
    return {"status": response.status_code, "code": error["extensions"]["code"]}


def test_graphql_refusals_are_graphql_errors(shopper):
    assert graphql_error(graphql(shopper, PLACE, {"name": "coat"})) == {
        "status": 400,
        "code": "idempotency_key_required",
    }
    assert graphql_error(graphql(shopper, PLACE, {"name": "coat", "key": "key-2"}, key="key-1")) == {
        "status": 400,
        "code": "idempotency_key_mismatch",
    }
    assert graphql_error(graphql(shopper, PLACE, {"name": "coat", "key": ""})) == {
        "status": 400,
        "code": "idempotency_key_invalid",
    }
    two = "mutation { a: ping { result } b: ping { result } }"
    assert graphql_error(graphql(shopper, two, key="key-1"))["code"] == "idempotency_key_several_mutations"
    by_fragment = 'mutation { ...F ping { result } } fragment F on Mutation { noteAdd(name: "n") { errors { code } } }'
    assert graphql_error(graphql(shopper, by_fragment, key="key-1"))["code"] == "idempotency_key_several_mutations"
    batch = Client().post(
        "/graphql",
        json.dumps([{"query": NOTE, "variables": {"name": "n"}}]),
        content_type="application/json",
        **shopper,
        HTTP_IDEMPOTENCY_KEY="key-1",
    )
    assert graphql_error(batch) == {"status": 400, "code": "batch_not_supported"}
    assert graphql_error(graphql({}, NOTE, {"name": "n"}, key="key-1")) == {
        "status": 400,
        "code": "idempotency_key_anonymous",
    }
    assert runs("graphql-thing") == runs("graphql-ping") == runs("graphql-note") == 0
    assert not IdempotencyRecord.objects.exists()

    # Without a key, several mutations and queries run as before; a query ignores the header.
    assert graphql(shopper, two).json()["data"] == {"a": {"result": "pong"}, "b": {"result": "pong"}}
    assert graphql(shopper, "{ hello }", key="key-1").json()["data"] == {"hello": "hello"}
    assert not IdempotencyRecord.objects.exists()


def test_a_graphql_key_in_flight_is_409_and_a_reused_one_422(shopper):
    variables = {"name": "coat", "hold": "first"}
    first = in_thread(lambda: graphql(shopper, PLACE, variables, key="key-1"))
    wait_entered("first")
    assert graphql_error(graphql(shopper, PLACE, variables, key="key-1")) == {
        "status": 409,
        "code": "idempotency_key_in_flight",
    }
    release("first")
    assert first.result(timeout=10).json()["data"]["thingPlace"]["result"]["runs"] == 1
    assert graphql_error(graphql(shopper, PLACE, {**variables, "name": "scarf"}, key="key-1")) == {
        "status": 422,
        "code": "idempotency_key_reused",
    }
    # The header works on any mutation sent alone, declared idempotent or not.
    pinged = graphql(shopper, "mutation { ping { result } }", key="key-2")
    assert is_replay(graphql(shopper, "mutation { ping { result } }", key="key-2"))
    assert pinged.json()["data"] == {"ping": {"result": "pong"}}
    assert runs("graphql-thing") == runs("graphql-ping") == 1


def test_declared_mutations_take_the_key_argument():
    fields = idempotency_app.schema.graphql_schema.mutation_type.fields
    assert set(fields["thingPlace"].args) == {"name", "hold", "refuse", "pause", "outage", "idempotencyKey"}
    assert set(fields["noteAdd"].args) == {"name", "idempotencyKey"}
    assert str(fields["noteAdd"].args["idempotencyKey"].type) == "String"
    assert list(fields["ping"].args) == []


# Keeping, purging, documenting -----------------------------------------------------------------------------


def test_keys_are_kept_for_the_ttl_then_purged_by_the_beat_job(things):
    start = datetime(2030, 1, 1, 12, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        first = rest(signed_in(), {"name": "coat"}, key="key-1")
        assert first.status_code == 201

        clock.shift(timedelta(hours=24) - timedelta(seconds=1))
        assert purge_idempotency_keys.delay().get() == 0
        assert is_replay(rest(signed_in(), {"name": "coat"}, key="key-1"))

        clock.shift(timedelta(seconds=2))
        assert purge_idempotency_keys.delay().get() == 1
        assert not IdempotencyRecord.objects.exists()
        anew = rest(signed_in(), {"name": "scarf"}, key="key-1")
        assert anew.status_code == 201
        assert not is_replay(anew)
    assert runs("rest-thing") == 2


def test_the_purge_is_on_the_beat_schedule(transactional_db, settings):
    DatabaseScheduler(app=celery_app)
    task = PeriodicTask.objects.get(name="spine.purge_idempotency_keys")
    assert task.task == "ocg.spine.tasks.purge_idempotency_keys"
    assert task.interval.every == settings.IDEMPOTENCY["PURGE_EVERY_SECONDS"]
    assert task.interval.period == "seconds"
    assert task.task == purge_idempotency_keys.name
    assert task.task in celery_app.tasks


def test_the_openapi_documents_the_header_and_its_answers():
    document = idempotency_app.api.get_openapi_schema()
    paths = document["paths"]

    def key_parameter(operation: dict) -> dict:
        [parameter] = [p for p in operation["parameters"] if p["name"] == "Idempotency-Key"]
        return parameter

    assert key_parameter(paths[THINGS]["post"])["required"] is True
    assert key_parameter(paths[THINGS + "/{name}"]["put"])["required"] is True
    assert key_parameter(paths[NOTES]["post"])["required"] is False
    assert key_parameter(paths[NOTES]["post"])["in"] == "header"
    for status in ("400", "409", "422"):
        answer = paths[THINGS]["post"]["responses"][int(status)]
        assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorOut"}
        assert "Idempotency-Key" in answer["description"]
    # The operation's own 409 keeps its meaning and gains the key's.
    assert paths[THINGS]["post"]["responses"][409]["description"].startswith("Conflict")

    for item in PROJECT_OPENAPI["paths"].values():
        for method, operation in item.items():
            writes = method in ("post", "put", "patch", "delete")
            assert writes == any(p["name"] == "Idempotency-Key" for p in operation.get("parameters", ()))
