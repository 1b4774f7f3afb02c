"""A small REST router and GraphQL schema for the idempotency tests, mounted by a URLconf of their own.

Each handler counts its executions in a plain table, so a test can tell "ran once" from "answered once".
A request naming a `hold` waits inside its handler until the test lets it go, to be caught in flight.
"""

from __future__ import annotations

import threading
from typing import Any

import graphene
import psycopg
from django.db import connection
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from ninja import Field, Router, Schema, Status

from ocg.catalog.permissions import MANAGE_PRODUCTS
from ocg.spine.domain import DomainError
from ocg.spine.errors import register_error_statuses
from ocg.spine.eventstore import applications
from ocg.spine.graphql import DomainMutation, OCGGraphQLView
from ocg.spine.health import healthz
from ocg.spine.idempotency import idempotency_required
from ocg.spine.rest import ErrorOut, OCGNinjaAPI
from tests.spine.workload import create_product

RUNS_TABLE = "idempotency_test_runs"
HOLD_SECONDS = 20


class SoldOut(DomainError):
    """A domain refusal: kept and replayed like a success."""

    code = "test_sold_out"


class NameRefused(DomainError):
    """An input error found by the handler itself: not kept, so the fixed request may reuse the key."""

    code = "invalid"


register_error_statuses({SoldOut.code: 409})


class Holds:
    """Per hold name, the first request to arrive waits in its handler until released; later ones pass.

    `entered` is set once that first request is inside its handler, `release` lets it finish.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entered: dict[str, threading.Event] = {}
        self.release: dict[str, threading.Event] = {}

    def events(self, name: str) -> tuple[threading.Event, threading.Event]:
        with self.lock:
            return self.entered.setdefault(name, threading.Event()), self.release.setdefault(name, threading.Event())

    def hold(self, name: str) -> None:
        entered, release = self.events(name)
        with self.lock:
            first = not entered.is_set()
            entered.set()
        if first:
            release.wait(HOLD_SECONDS)

    def clear(self) -> None:
        with self.lock:
            for event in self.release.values():
                event.set()
            self.entered.clear()
            self.release.clear()


holds = Holds()


def create_runs_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {RUNS_TABLE} (id bigserial PRIMARY KEY, label text NOT NULL, name text)"
        )
        cursor.execute(f"TRUNCATE {RUNS_TABLE}")


def drop_runs_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {RUNS_TABLE}")


def runs(label: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {RUNS_TABLE} WHERE label = %s", [label])
        return cursor.fetchone()[0]


class DatabaseWentAway(psycopg.OperationalError):
    """What the driver raises when the server goes away mid-request: a service failure, not a bug."""


def run_handler(label: str, name: str, hold: str | None, refuse: bool, pause: float, outage: str = "") -> int:
    """The work: one row per execution; then the same refusals a real command makes.

    `outage` "before" fails as the database would before any event is written, "after_write" just after one.
    """
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {RUNS_TABLE} (label, name) VALUES (%s, %s)", [label, name])
    if outage == "before":
        raise DatabaseWentAway("server closed the connection unexpectedly")
    if outage == "after_write":
        create_product(applications.get("catalog"), f"Written before the outage {name}")
        raise DatabaseWentAway("server closed the connection unexpectedly")
    if hold:
        holds.hold(hold)
    if pause:
        threading.Event().wait(pause)
    if refuse:
        raise SoldOut("That piece is sold out.")
    if name == "refused":
        raise NameRefused("That name is not allowed.", field="name")
    return runs(label)


# REST ------------------------------------------------------------------------------------------------------

router = Router(tags=["idempotency-test"])


class ThingIn(Schema):
    name: str = Field(min_length=1, max_length=50)
    hold: str | None = None
    refuse: bool = False
    pause: float = 0
    outage: str = ""


class ThingOut(Schema):
    name: str
    runs: int


@router.post("/things", response={201: ThingOut, 400: ErrorOut, 409: ErrorOut})
@idempotency_required
def place_thing(request, payload: ThingIn):
    count = run_handler("rest-thing", payload.name, payload.hold, payload.refuse, payload.pause, payload.outage)
    return Status(201, {"name": payload.name, "runs": count})


@idempotency_required
@router.put("/things/{name}", response={200: ThingOut})
def put_thing(request, name: str):
    return {"name": name, "runs": run_handler("rest-put", name, None, False, 0)}


@router.post("/notes", response={201: ThingOut, 400: ErrorOut})
def add_note(request, payload: ThingIn):
    return Status(201, {"name": payload.name, "runs": run_handler("rest-note", payload.name, payload.hold, False, 0)})


def signed_in_only(request) -> Any:
    """A ninja auth callable: the caller the token middleware signed in, if any."""
    return request.user if request.user.is_authenticated else None


@router.post("/private", auth=signed_in_only, response={201: ThingOut})
def add_private(request, payload: ThingIn):
    return Status(201, {"name": payload.name, "runs": run_handler("rest-private", payload.name, None, False, 0)})


api = OCGNinjaAPI(title="Idempotency test API", version="1", urls_namespace="idempotency-test")
api.add_router("/test", router)


# GraphQL ---------------------------------------------------------------------------------------------------


class Thing(graphene.ObjectType):
    name = graphene.String(required=True)
    runs = graphene.Int(required=True)


class ThingPlace(DomainMutation):
    idempotency_required = True
    result = graphene.Field(Thing)

    class Arguments:
        name = graphene.String(required=True)
        hold = graphene.String()
        refuse = graphene.Boolean(default_value=False)
        pause = graphene.Float(default_value=0)
        outage = graphene.String(default_value="")

    @classmethod
    def perform(
        cls, info: graphene.ResolveInfo, name: str, hold: Any = None, refuse: bool = False, pause=0, outage=""
    ) -> Any:
        return Thing(name=name, runs=run_handler("graphql-thing", name, hold, refuse, pause, outage))


class NoteAdd(DomainMutation):
    idempotent = True
    result = graphene.Field(Thing)

    class Arguments:
        name = graphene.String(required=True)

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, name: str) -> Any:
        return Thing(name=name, runs=run_handler("graphql-note", name, None, False, 0))


class SecretNoteAdd(DomainMutation):
    """Needs a signed-in caller with a permission: an anonymous key gets the 401 the mutation would give."""

    permission = MANAGE_PRODUCTS
    idempotent = True
    result = graphene.Field(Thing)

    class Arguments:
        name = graphene.String(required=True)

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, name: str) -> Any:
        return Thing(name=name, runs=run_handler("graphql-secret", name, None, False, 0))


class Ping(DomainMutation):
    result = graphene.String()

    @classmethod
    def perform(cls, info: graphene.ResolveInfo) -> Any:
        run_handler("graphql-ping", "ping", None, False, 0)
        return "pong"


class Query(graphene.ObjectType):
    hello = graphene.String()

    @staticmethod
    def resolve_hello(root: Any, info: graphene.ResolveInfo) -> str:
        return "hello"


class Mutation(graphene.ObjectType):
    thing_place = ThingPlace.Field()
    note_add = NoteAdd.Field()
    secret_note_add = SecretNoteAdd.Field()
    ping = Ping.Field()


schema = graphene.Schema(query=Query, mutation=Mutation)


class ThingsGraphQLView(OCGGraphQLView):
    """The project's view (limits, error shapes, idempotency) over the test schema."""


urlpatterns = [
    path("api/", api.urls),
    path("graphql", csrf_exempt(ThingsGraphQLView.as_view(schema=schema))),
    path("healthz", healthz),
]
