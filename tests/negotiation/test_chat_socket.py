"""The chat socket through the project's whole ASGI stack (origin check, token middleware, router), with
Channels' WebsocketCommunicator and the Redis channel layer the settings choose when REDIS_URL is set."""

from __future__ import annotations

import json
import time

from asgiref.sync import async_to_sync, sync_to_async

from ocg.identity import tokens
from ocg.negotiation.chat.consumer import (
    ABUSE_LIMIT,
    CLOSE_FLOODING,
    CLOSE_FORBIDDEN,
    CLOSE_NOT_FOUND,
    CLOSE_UNAUTHENTICATED,
)
from ocg.negotiation.models import ChatMessage
from tests.identity.conftest import claims_for, forge
from tests.negotiation.sockets import close_code, communicator, frames_until, next_of


def access_token(user) -> str:
    return tokens.issue_token_pair(user, "password")["access"]


async def joined(order_id, user) -> tuple:
    token = await sync_to_async(access_token)(user)
    socket = communicator(order_id, token)
    connected, subprotocol = await socket.connect(timeout=5)
    assert connected and subprotocol == "bearer"
    history = await next_of(socket, "history")
    return socket, history


def test_the_parties_and_staff_join_and_every_message_reaches_each_of_them(chat_world):
    order, users = chat_world["order"], chat_world["users"]

    async def scenario():
        customer, history = await joined(order, users["customer"])
        assert history["you"] == {"user_id": str(users["customer"].id), "role": "customer"}
        assert [m["kind"] for m in history["messages"]] == []  # the system lines come from the projection
        designer, _ = await joined(order, users["designer"])
        staff, _ = await joined(order, users["staff"])
        await customer.send_to(
            text_data=json.dumps({"type": "message", "text": "  Could the hem be longer?  ", "ref": "c1"})
        )
        received = [await next_of(socket, "message") for socket in (customer, designer, staff)]
        for frame in received:
            assert frame["ref"] == "c1"
            assert frame["message"]["text"] == "Could the hem be longer?"
            assert (frame["message"]["author_role"], frame["message"]["kind"]) == ("customer", "user")
        await designer.send_to(text_data=json.dumps({"type": "message", "text": "Yes, by 3 cm."}))
        assert (await next_of(customer, "message"))["message"]["author_role"] == "designer"
        for socket in (customer, designer, staff):
            await socket.disconnect()
        again, history = await joined(order, users["staff"])
        await again.disconnect()
        return history

    history = async_to_sync(scenario)()
    assert [(m["author_role"], m["text"]) for m in history["messages"]] == [
        ("customer", "Could the hem be longer?"),
        ("designer", "Yes, by 3 cm."),
    ]
    assert ChatMessage.objects.filter(order_id=order).count() == 2


def test_outsiders_unknown_orders_missing_tokens_and_foreign_origins_are_refused(chat_world):
    order, users = chat_world["order"], chat_world["users"]

    async def scenario():
        outcomes = {}
        outsider = communicator(order, await sync_to_async(access_token)(users["outsider"]))
        assert (await outsider.connect(timeout=5))[0]
        error = await next_of(outsider, "error")
        outcomes["outsider"] = (error["code"], await close_code(outsider))
        unknown = communicator(
            "00000000-0000-4000-8000-000000000000", await sync_to_async(access_token)(users["staff"])
        )
        assert (await unknown.connect(timeout=5))[0]
        error = await next_of(unknown, "error")
        outcomes["unknown"] = (error["code"], await close_code(unknown))
        anonymous = communicator(order, None)
        outcomes["anonymous"] = await anonymous.connect(timeout=5)
        token = await sync_to_async(access_token)(users["customer"])
        foreign = communicator(order, token, origin="https://evil.example")
        outcomes["foreign"] = (await foreign.connect(timeout=5))[0]
        return outcomes

    outcomes = async_to_sync(scenario)()
    assert outcomes["outsider"] == ("permission_denied", CLOSE_FORBIDDEN)
    assert outcomes["unknown"] == ("not_found", CLOSE_NOT_FOUND)
    assert outcomes["anonymous"] == (False, CLOSE_UNAUTHENTICATED)
    assert outcomes["foreign"] is False
    assert not ChatMessage.objects.exists()


def test_bad_frames_get_error_frames_store_nothing_and_the_socket_keeps_serving(chat_world, settings):
    order, users = chat_world["order"], chat_world["users"]
    settings.CHAT_MESSAGE_MAX_CHARS = 20

    async def scenario():
        customer, _ = await joined(order, users["customer"])
        designer, _ = await joined(order, users["designer"])
        codes = []
        for frame in (
            "{not json",
            "[1, 2]",
            json.dumps({"type": "shout", "text": "hi"}),
            json.dumps({"type": "message", "text": "x" * 21}),
            json.dumps({"type": "message", "text": "x" * 200}),
            json.dumps({"type": "message", "text": "   "}),
            json.dumps({"type": "message", "text": 42}),
            json.dumps({"type": "message", "text": "bell\u0007"}),
            json.dumps({"type": "read", "message_id": "last"}),
            json.dumps({"type": "read", "message_id": 999999}),
            json.dumps({"type": "typing", "typing": "yes"}),
        ):
            await customer.send_to(text_data=frame)
            codes.append((await next_of(customer, "error"))["code"])
        await customer.send_to(bytes_data=b"\x00\x01")
        codes.append((await next_of(customer, "error"))["code"])
        assert await designer.receive_nothing(timeout=0.2)
        # Still up, for this client and for everyone else.
        await designer.send_to(text_data=json.dumps({"type": "message", "text": "Still here"}))
        delivered = await next_of(customer, "message")
        await customer.disconnect()
        await designer.disconnect()
        return codes, delivered

    codes, delivered = async_to_sync(scenario)()
    assert codes == [
        "invalid_json",
        "unknown_type",
        "unknown_type",
        "too_long",
        "too_long",
        "invalid",
        "invalid",
        "invalid",
        "invalid",
        "invalid",
        "invalid",
        "invalid_frame",
    ]
    assert delivered["message"]["text"] == "Still here"
    assert list(ChatMessage.objects.values_list("text", flat=True)) == ["Still here"]


def test_a_flood_is_rate_limited_per_user_and_repeated_abuse_closes_the_socket(chat_world, settings):
    order, users = chat_world["order"], chat_world["users"]
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "chat": (3, 60)}

    async def scenario():
        customer, _ = await joined(order, users["customer"])
        second_tab, _ = await joined(order, users["customer"])
        answers = []
        for number in range(3):
            await customer.send_to(text_data=json.dumps({"type": "message", "text": f"m{number}"}))
            answers.append((await customer.receive_json_from(timeout=5))["type"])
        await second_tab.send_to(text_data=json.dumps({"type": "message", "text": "from the other tab"}))
        other_tab = [frame["type"] for frame in await frames_until(second_tab, "error")]
        refused = 0
        while True:
            await customer.send_to(text_data=json.dumps({"type": "message", "text": "again"}))
            output = await customer.receive_output(timeout=5)
            if output["type"] == "websocket.close":
                break
            frame = json.loads(output["text"])
            if frame["type"] == "error":
                assert frame["code"] == "rate_limited"
                refused += 1
        await second_tab.disconnect()
        return answers, other_tab, refused, output["code"]

    answers, other_tab, refused, code = async_to_sync(scenario)()
    assert answers == ["message", "message", "message"]
    assert other_tab[-1] == "error"  # the limit is per user, over all their sockets
    assert refused == ABUSE_LIMIT + 1 and code == CLOSE_FLOODING
    assert ChatMessage.objects.count() == 3


def test_typing_goes_to_the_others_and_read_receipts_to_everyone(chat_world):
    order, users = chat_world["order"], chat_world["users"]

    async def scenario():
        customer, _ = await joined(order, users["customer"])
        designer, _ = await joined(order, users["designer"])
        await customer.send_to(text_data=json.dumps({"type": "typing", "typing": True}))
        typing = await next_of(designer, "typing")
        own_typing = await customer.receive_nothing(timeout=0.2)
        await customer.send_to(text_data=json.dumps({"type": "message", "text": "Hello"}))
        message = (await next_of(designer, "message"))["message"]
        await next_of(customer, "message")
        await designer.send_to(text_data=json.dumps({"type": "read", "message_id": message["id"]}))
        receipts = [await next_of(socket, "read") for socket in (customer, designer)]
        await customer.disconnect()
        again, history = await joined(order, users["customer"])
        await again.disconnect()
        await designer.disconnect()
        return typing, own_typing, message, receipts, history

    typing, own_typing, message, receipts, history = async_to_sync(scenario)()
    assert typing == {
        "type": "typing",
        "user_id": str(chat_world["users"]["customer"].id),
        "role": "customer",
        "typing": True,
    }
    assert own_typing
    designer_id = str(chat_world["users"]["designer"].id)
    for receipt in receipts:
        assert (receipt["user_id"], receipt["message_id"]) == (designer_id, message["id"])
    assert [(r["user_id"], r["message_id"]) for r in history["receipts"]] == [(designer_id, message["id"])]


def test_revoking_the_token_or_disabling_the_account_closes_live_sockets(chat_world):
    order, users = chat_world["order"], chat_world["users"]

    async def scenario():
        token = await sync_to_async(access_token)(users["customer"])
        customer = communicator(order, token)
        await customer.connect(timeout=5)
        await next_of(customer, "history")
        designer, _ = await joined(order, users["designer"])
        await sync_to_async(tokens.revoke)(token)
        revoked = await next_of(customer, "error", timeout=5)
        customer_code = await close_code(customer, timeout=5)

        designer_user = users["designer"]
        designer_user.is_active = False
        await sync_to_async(designer_user.save)()
        disabled = await next_of(designer, "error", timeout=5)
        designer_code = await close_code(designer, timeout=5)
        return revoked, customer_code, disabled, designer_code

    revoked, customer_code, disabled, designer_code = async_to_sync(scenario)()
    assert (revoked["code"], customer_code) == ("token_revoked", CLOSE_UNAUTHENTICATED)
    assert (disabled["code"], designer_code) == ("token_revoked", CLOSE_UNAUTHENTICATED)


def test_an_expiring_token_must_be_replaced_over_the_socket_or_the_socket_closes(chat_world):
    order, customer_user = chat_world["order"], chat_world["users"]["customer"]

    def short_lived() -> str:
        return forge(claims_for(customer_user, exp=int(time.time()) + 2))

    async def scenario():
        kept = communicator(order, await sync_to_async(short_lived)())
        await kept.connect(timeout=5)
        await next_of(kept, "history")
        dropped = communicator(order, await sync_to_async(short_lived)())
        await dropped.connect(timeout=5)
        await next_of(dropped, "history")

        await kept.send_to(text_data=json.dumps({"type": "auth", "token": "not-a-token"}))
        bad = await next_of(kept, "error")
        other = await sync_to_async(access_token)(chat_world["users"]["designer"])
        await kept.send_to(text_data=json.dumps({"type": "auth", "token": other}))
        foreign = await next_of(kept, "error")
        fresh = await sync_to_async(access_token)(customer_user)
        await kept.send_to(text_data=json.dumps({"type": "auth", "token": fresh}))
        renewed = await next_of(kept, "auth")

        expired = await next_of(dropped, "error", timeout=8)
        dropped_code = await close_code(dropped, timeout=5)
        # The renewed socket outlived its first token: it still sends and receives.
        await kept.send_to(text_data=json.dumps({"type": "message", "text": "Still signed in"}))
        still = await next_of(kept, "message")
        await kept.disconnect()
        return bad, foreign, renewed, expired, dropped_code, still

    bad, foreign, renewed, expired, dropped_code, still = async_to_sync(scenario)()
    assert (bad["code"], foreign["code"]) == ("token_invalid", "token_other_user")
    assert renewed["ok"] is True
    assert (expired["code"], dropped_code) == ("token_expired", CLOSE_UNAUTHENTICATED)
    assert still["message"]["text"] == "Still signed in"


def test_an_offline_party_is_mailed_once_per_quarter_hour_and_an_online_one_not_at_all(chat_world, smtp):
    order, users = chat_world["order"], chat_world["users"]

    async def scenario():
        customer, _ = await joined(order, users["customer"])
        for text in ("First", "Second"):
            await customer.send_to(text_data=json.dumps({"type": "message", "text": text}))
            await next_of(customer, "message")
        designer, _ = await joined(order, users["designer"])
        await designer.send_to(text_data=json.dumps({"type": "message", "text": "Here now"}))
        await next_of(customer, "message")
        await customer.disconnect()
        await designer.disconnect()

    async_to_sync(scenario)()
    to_designer = smtp.inbox.to("designer@chat.example")
    assert len(to_designer) == 1
    body = to_designer[0].get_content()
    assert "new message" in body and "First" not in body and "Second" not in body
    assert smtp.inbox.to("customer@chat.example") == []
