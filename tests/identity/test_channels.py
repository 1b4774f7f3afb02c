"""The WebSocket token middleware, driven through the ASGI interface with a tiny consumer of the test's own.

channels.testing.WebsocketCommunicator cannot be imported without daphne (channels.testing pulls in
its live-server case), so this drives the same ASGI messages with asgiref's ApplicationCommunicator,
which WebsocketCommunicator is built on.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.routing import URLRouter
from django.urls import path

from ocg import asgi  # imported first: it sets Django up, which reconfigures logging
from ocg.identity import tokens
from ocg.identity.channels import CLOSE_UNAUTHENTICATED, TokenAuthMiddleware
from ocg.spine.socketlog import CLOSE_NOT_FOUND, SocketLogMiddleware
from tests.identity.conftest import claims_for, forge


class WhoAmI(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        offered = self.scope["subprotocols"]
        await self.accept(subprotocol="bearer" if "bearer" in offered else None)
        await self.send(text_data=json.dumps({"email": self.scope["user"].email, "subprotocols": offered}))


application = SocketLogMiddleware(TokenAuthMiddleware(URLRouter([path("ws/whoami/", WhoAmI.as_asgi())])))


async def _open(
    query: dict | None = None,
    subprotocols: list[str] | None = None,
    app=application,
    path: str = "/ws/whoami/",
) -> tuple[dict, dict | None]:
    scope = {
        "type": "websocket",
        "path": path,
        "query_string": urlencode(query or {}).encode(),
        "headers": [(b"host", b"testserver"), (b"origin", b"http://testserver")],
        "subprotocols": subprotocols or [],
        "client": ("127.0.0.1", 50000),
    }
    communicator = ApplicationCommunicator(app, scope)
    await communicator.send_input({"type": "websocket.connect"})
    answer = await communicator.receive_output(timeout=5)
    greeting = None
    if answer["type"] == "websocket.accept":
        greeting = json.loads((await communicator.receive_output(timeout=5))["text"])
        await communicator.send_input({"type": "websocket.disconnect", "code": 1000})
    await communicator.wait(timeout=5)
    return answer, greeting


open_socket = async_to_sync(_open)


def test_a_token_offered_as_a_subprotocol_signs_the_socket_in(user):
    access = tokens.issue_token_pair(user, "password")["access"]
    answer, greeting = open_socket(subprotocols=["chat.v1", "bearer", access])
    assert (answer["type"], answer["subprotocol"]) == ("websocket.accept", "bearer")
    assert greeting == {"email": "ada@example.com", "subprotocols": ["chat.v1", "bearer"]}


def test_a_token_in_the_query_string_is_refused_as_no_token(user):
    """A URL ends up in logs and histories: only the subprotocol header carries the token."""
    access = tokens.issue_token_pair(user, "password")["access"]
    answer, greeting = open_socket(query={"token": access})
    assert answer == {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}
    assert greeting is None


def test_sockets_without_a_good_access_token_are_closed(user):
    pair = tokens.issue_token_pair(user, "password")
    revoked = tokens.issue_token_pair(user, "password")["access"]
    tokens.revoke(revoked)
    for query, subprotocols in (
        (None, None),
        (None, ["bearer"]),
        ({"token": "not-a-jwt"}, None),
        ({"token": pair["refresh"]}, None),
        ({"token": revoked}, None),
        (None, ["bearer", forge(claims_for(user), key="another-secret-of-thirty-two-bytes!!")]),
    ):
        answer, greeting = open_socket(query=query, subprotocols=subprotocols)
        assert answer == {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}
        assert greeting is None


def socket_lines(caplog) -> list[dict]:
    return [record.fields for record in caplog.records if record.name == "ocg.request"]


def test_each_socket_is_logged_at_its_handshake_and_its_close_with_the_path_only(user, caplog):
    access = tokens.issue_token_pair(user, "password")["access"]
    caplog.set_level("INFO", logger="ocg.request")

    open_socket(query={"note": "private"}, subprotocols=["bearer", access])
    accepted = socket_lines(caplog)
    caplog.clear()
    open_socket(query={"token": access})
    refused = socket_lines(caplog)

    assert [(line["event"], line["status"], line["user_id"]) for line in accepted] == [
        ("connect", 101, str(user.id)),
        ("close", 101, str(user.id)),
    ]
    assert (accepted[1]["closed_by"], accepted[1]["close_code"]) == ("client", 1000)
    assert [(line["event"], line["status"], line["close_code"], line["user_id"]) for line in refused] == [
        ("refused", 403, CLOSE_UNAUTHENTICATED, None)
    ]
    for line in accepted + refused:
        assert (line["method"], line["path"], line["client_ip"]) == ("WEBSOCKET", "/ws/whoami/", "127.0.0.1")
        assert line["request_id"]
    assert access not in caplog.text and "private" not in caplog.text


def test_the_project_stack_refuses_an_unknown_path_after_authenticating(user, caplog):
    access = tokens.issue_token_pair(user, "password")["access"]
    caplog.set_level("INFO", logger="ocg.request")
    answer, greeting = open_socket(subprotocols=["bearer", access], app=asgi.application, path="/ws/nowhere/")
    assert (answer, greeting) == ({"type": "websocket.close", "code": CLOSE_NOT_FOUND}, None)
    [line] = socket_lines(caplog)
    assert (line["path"], line["event"], line["close_code"], line["user_id"]) == (
        "/ws/nowhere/",
        "refused",
        CLOSE_NOT_FOUND,
        str(user.id),
    )

    caplog.clear()
    answer, _greeting = open_socket(app=asgi.application, path="/ws/nowhere/")
    assert answer == {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}
    assert [line["close_code"] for line in socket_lines(caplog)] == [CLOSE_UNAUTHENTICATED]


def test_the_project_routes_websockets_through_the_log_and_token_middleware():
    logged = asgi.application.application_mapping["websocket"]
    assert isinstance(logged, SocketLogMiddleware)
    assert isinstance(logged.inner.application, TokenAuthMiddleware)
