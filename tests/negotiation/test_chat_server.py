"""The chat over real sockets: uvicorn as deployed, the channels-redis layer, the test's PostgreSQL database.

Two server processes share one Redis layer: a message sent to one reaches a socket held by the other.
A token revoked in another process closes a live socket held by the server.
"""

from __future__ import annotations

import json
from contextlib import ExitStack

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from ocg.identity import tokens
from ocg.negotiation.chat.consumer import CLOSE_UNAUTHENTICATED
from ocg.negotiation.models import ChatMessage
from tests.e2e.asgi_server import running_server


@pytest.fixture
def two_servers(chat_world, tmp_path, settings):
    if not settings.REDIS_URL:
        pytest.skip("the Redis channel layer needs REDIS_URL")
    with ExitStack() as stack:
        servers = [
            stack.enter_context(running_server(tmp_path / f"server-{n}.log", CHAT_AUTH_CHECK_SECONDS="1"))
            for n in (1, 2)
        ]
        yield servers


def open_chat(server, order_id, user=None, token=None, origin=None):
    token = token or tokens.issue_token_pair(user, "password")["access"]
    return connect(
        f"ws://127.0.0.1:{server.port}/ws/orders/{order_id}/chat/",
        subprotocols=["bearer", token],
        origin=origin or f"http://127.0.0.1:{server.port}",
        open_timeout=10,
    )


def next_of(socket, kind: str, timeout: float = 10.0) -> dict:
    while True:
        frame = json.loads(socket.recv(timeout=timeout))
        if frame["type"] == kind:
            return frame


def test_two_server_processes_on_one_redis_layer_exchange_messages(two_servers, chat_world):
    first, second = two_servers
    order, users = chat_world["order"], chat_world["users"]
    with (
        open_chat(first, order, users["customer"]) as customer,
        open_chat(second, order, users["designer"]) as designer,
    ):
        assert customer.subprotocol == "bearer"
        next_of(customer, "history")
        next_of(designer, "history")
        customer.send(json.dumps({"type": "message", "text": "Sent to server one", "ref": "a"}))
        received = next_of(designer, "message")
        designer.send(json.dumps({"type": "message", "text": "Answered on server two"}))
        answered = next_of(customer, "message")
        while answered["message"]["author_role"] != "designer":
            answered = next_of(customer, "message")
        customer.send("{not json")
        error = next_of(customer, "error")
    assert (received["ref"], received["message"]["text"]) == ("a", "Sent to server one")
    assert answered["message"]["text"] == "Answered on server two"
    assert error["code"] == "invalid_json"
    stored = ChatMessage.objects.filter(order_id=order).order_by("id").values_list("author_role", "text")
    assert list(stored) == [("customer", "Sent to server one"), ("designer", "Answered on server two")]


def test_a_revoked_token_closes_a_live_socket_on_the_server(two_servers, chat_world):
    server = two_servers[0]
    order, users = chat_world["order"], chat_world["users"]
    token = tokens.issue_token_pair(users["customer"], "password")["access"]
    with open_chat(server, order, token=token) as customer:
        next_of(customer, "history")
        tokens.revoke(token)
        error = next_of(customer, "error", timeout=5)
        with pytest.raises(ConnectionClosed):
            customer.recv(timeout=5)
    assert error["code"] == "token_revoked"
    assert customer.close_code == CLOSE_UNAUTHENTICATED


def test_a_foreign_origin_or_a_missing_token_is_refused_at_the_handshake(two_servers, chat_world):
    server = two_servers[0]
    order, customer = chat_world["order"], chat_world["users"]["customer"]
    with pytest.raises(InvalidStatus) as foreign:
        open_chat(server, order, customer, origin="https://evil.example")
    with pytest.raises(InvalidStatus) as anonymous:
        connect(f"ws://127.0.0.1:{server.port}/ws/orders/{order}/chat/", open_timeout=10)
    assert foreign.value.response.status_code == 403
    assert anonymous.value.response.status_code == 403
