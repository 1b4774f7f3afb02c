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

from ocg.identity import tokens
from ocg.identity.channels import CLOSE_UNAUTHENTICATED, TokenAuthMiddleware
from tests.identity.conftest import claims_for, forge


class WhoAmI(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        offered = self.scope["subprotocols"]
        await self.accept(subprotocol="bearer" if "bearer" in offered else None)
        await self.send(text_data=json.dumps({"email": self.scope["user"].email, "subprotocols": offered}))


application = TokenAuthMiddleware(URLRouter([path("ws/whoami/", WhoAmI.as_asgi())]))


async def _open(query: dict | None = None, subprotocols: list[str] | None = None) -> tuple[dict, dict | None]:
    scope = {
        "type": "websocket",
        "path": "/ws/whoami/",
        "query_string": urlencode(query or {}).encode(),
        "headers": [(b"host", b"testserver")],
        "subprotocols": subprotocols or [],
    }
    communicator = ApplicationCommunicator(application, scope)
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


def test_a_token_in_the_query_string_signs_the_socket_in(user):
    access = tokens.issue_token_pair(user, "password")["access"]
    answer, greeting = open_socket(query={"token": access})
    assert answer["type"] == "websocket.accept"
    assert greeting["email"] == "ada@example.com"


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


def test_the_project_routes_websockets_through_the_token_middleware():
    from ocg import asgi

    websocket_app = asgi.application.application_mapping["websocket"]
    assert isinstance(websocket_app.application, TokenAuthMiddleware)
