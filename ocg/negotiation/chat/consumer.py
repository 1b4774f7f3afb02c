"""The chat socket of one order, `/ws/orders/<order id>/chat/`: see the README's "Chat" section for the protocol.

The token middleware has authenticated the socket (and the origin check vetted its Origin) before this runs.
The consumer accepts, then closes at once with 4404 for an order that does not exist and 4403 for an account
that is neither the order's customer, its designer nor staff, so a client sees why. Every
CHAT_AUTH_CHECK_SECONDS it checks its access token again: expired, revoked or its account disabled closes it
with 4401, unless the client sent a fresh token in an `auth` frame first. A bad frame gets an error frame and
the socket stays; repeated abuse (ABUSE_LIMIT refused frames within a minute) closes it with 4429.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import weakref
from collections import Counter, deque
from typing import Any
from uuid import UUID

from channels.consumer import get_handler_name
from channels.db import DatabaseSyncToAsync
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from ocg.identity.channels import SUBPROTOCOL, reauthenticate, recheck
from ocg.identity.domain import IdentityError
from ocg.negotiation.chat import access, notify, store
from ocg.negotiation.chat.access import ChatError, ChatNotFound, NotParticipant
from ocg.negotiation.chat.groups import message_event, order_group
from ocg.spine import ratelimit

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_EXPIRED = 4410
CLOSE_FLOODING = 4429
# Refused frames (bad, too big, over the rate) a socket may send in ABUSE_WINDOW_SECONDS before it is closed.
ABUSE_LIMIT = 20
ABUSE_WINDOW_SECONDS = 60.0
# Typing frames are relayed at most this often per socket; more are dropped silently.
TYPING_EVERY_SECONDS = 1.0
REF_MAX = 64


def in_thread(function: Any) -> Any:
    """Sync work (database, Redis) off the event loop, in the shared pool, the connection handed back after."""
    return DatabaseSyncToAsync(function, thread_sensitive=False)


class RateLimited(ChatError):
    code = "rate_limited"


class ChatConsumer(AsyncWebsocketConsumer):
    order_id: UUID
    role: str
    parties: tuple[UUID, UUID]

    async def connect(self) -> None:
        self.joined = False
        self.refused: deque[float] = deque()
        self.last_typing = 0.0
        user = self.scope["user"]
        self.order_id = UUID(self.scope["url_route"]["kwargs"]["order_id"])
        offered = self.scope.get("subprotocols") or []
        await self.accept(subprotocol=SUBPROTOCOL if SUBPROTOCOL in offered else None)
        try:
            self.role, self.parties, history, receipts = await in_thread(self.join)(user)
        except ChatNotFound as error:
            await self.send_error(error.code, error.message)
            await self.close(code=CLOSE_NOT_FOUND)
            return
        except NotParticipant as error:
            await self.send_error(error.code, error.message)
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.user_id: UUID = user.id
        await self.channel_layer.group_add(order_group(self.order_id), self.channel_name)
        self.joined = True
        await self.send_json({"type": "history", "messages": history, "receipts": receipts, "you": self.who()})
        self.watcher = watcher_for_this_loop()
        self.watcher.add(self)

    def join(self, user: Any) -> tuple[str, tuple[UUID, UUID], list[dict], list[dict]]:
        role = access.role_in(user, self.order_id)
        parties = access.participants(self.order_id)
        assert parties is not None  # role_in found the order
        notify.here(self.order_id, user.id)
        history = [store.as_frame(row) for row in store.history(self.order_id)]
        receipts = [receipt_frame(row) for row in store.receipts(self.order_id)]
        return role, parties, history, receipts

    async def disconnect(self, code: int) -> None:
        watcher_for_this_loop().discard(self)
        if self.joined:
            self.joined = False
            await self.channel_layer.group_discard(order_group(self.order_id), self.channel_name)
            await in_thread(notify.gone)(self.order_id, self.user_id)

    def who(self) -> dict[str, Any]:
        return {"user_id": str(self.user_id), "role": self.role}

    async def unauthenticated(self, error: IdentityError) -> None:
        """Its token expired or was revoked, or its account disabled (found by the watcher): say so and close."""
        await self.send_error(error.code, "Sign in again: " + error.message)
        await self.close(code=CLOSE_UNAUTHENTICATED)

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' dispatch, less its `close_old_connections` before every message: that is a hop to the one
        thread-sensitive worker thread per message and socket, which serialised every socket of the process
        behind it. This consumer uses the database only through `in_thread`, which closes its own connection.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    # Frames from the client.

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not self.joined:
            return
        if text_data is None:
            await self.refuse("invalid_frame", "Frames are JSON text.")
            return
        if len(text_data) > 4 * settings.CHAT_MESSAGE_MAX_CHARS + 1024:
            await self.refuse("too_big", "This frame is larger than any message may be.")
            return
        try:
            frame = json.loads(text_data)
        except ValueError:
            await self.refuse("invalid_json", "A frame must be a JSON object.")
            return
        kind = frame.get("type") if isinstance(frame, dict) else None
        handler = FRAME_HANDLERS.get(kind) if isinstance(kind, str) else None
        if handler is None:
            await self.refuse("unknown_type", f"Frame types are {', '.join(sorted(FRAME_HANDLERS))}.")
            return
        await handler(self, frame)

    async def on_message(self, frame: dict[str, Any]) -> None:
        text = frame.get("text")
        if isinstance(text, str) and len(text) > settings.CHAT_MESSAGE_MAX_CHARS:
            await self.refuse("too_long", f"A message has at most {settings.CHAT_MESSAGE_MAX_CHARS} characters.")
            return
        ref = frame.get("ref")
        if ref is not None and not (isinstance(ref, str) and len(ref) <= REF_MAX):
            await self.refuse("invalid", f"`ref` is a string of at most {REF_MAX} characters.")
            return
        try:
            cleaned = store.clean_message(text)
            message = await in_thread(self.store_message)(cleaned, not self.others_known_online())
        except ChatError as error:
            await self.refuse(error.code, error.message)
            return
        await self.channel_layer.group_send(order_group(self.order_id), message_event(message, ref))

    def store_message(self, text: str, look_for_offline: bool) -> dict[str, Any]:
        decision = ratelimit.hit([("chat", str(self.user_id))])
        if not decision.allowed:
            raise RateLimited(f"Too many messages. Try again in {decision.retry_after} seconds.")
        row = store.post(self.order_id, self.user_id, self.role, text)
        if look_for_offline and notify.notify_offline(self.order_id, self.user_id, self.parties) is None:
            self.watcher.all_online(self.order_id)
        return store.as_frame(row)

    def others_known_online(self) -> bool:
        """Every other party of the order has a socket open in this process, or was seen online lately: no
        need to look in Redis (a look per message was what kept `bench chat`'s p99 over 50 ms)."""
        return self.watcher.others_online(self.order_id, self.user_id, self.parties)

    async def on_typing(self, frame: dict[str, Any]) -> None:
        typing = frame.get("typing", True)
        if not isinstance(typing, bool):
            await self.refuse("invalid", "`typing` is true or false.")
            return
        now = time.monotonic()
        if typing and now - self.last_typing < TYPING_EVERY_SECONDS:
            return
        self.last_typing = now if typing else 0.0
        await self.channel_layer.group_send(
            order_group(self.order_id),
            {"type": "chat.typing", **self.who(), "typing": typing, "sender": self.channel_name},
        )

    async def on_read(self, frame: dict[str, Any]) -> None:
        try:
            receipt = await in_thread(store.mark_read)(self.order_id, self.user_id, frame.get("message_id"))
        except ChatError as error:
            await self.refuse(error.code, error.message)
            return
        await self.channel_layer.group_send(order_group(self.order_id), {"type": "chat.read", **receipt_frame(receipt)})

    async def on_auth(self, frame: dict[str, Any]) -> None:
        try:
            claims = await in_thread(reauthenticate)(self.scope, frame.get("token"))
        except IdentityError as error:
            await self.refuse(error.code, error.message)
            return
        await self.send_json({"type": "auth", "ok": True, "expires_at": int(claims["exp"])})

    # Refusals.

    async def refuse(self, code: str, message: str) -> None:
        """An error frame; past ABUSE_LIMIT refusals in a minute, the socket is closed (4429)."""
        now = time.monotonic()
        self.refused.append(now)
        while self.refused and self.refused[0] < now - ABUSE_WINDOW_SECONDS:
            self.refused.popleft()
        await self.send_error(code, message)
        if len(self.refused) > ABUSE_LIMIT:
            await self.close(code=CLOSE_FLOODING)

    async def send_error(self, code: str, message: str) -> None:
        await self.send_json({"type": "error", "code": code, "message": message})

    async def send_json(self, content: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(content, separators=(",", ":")))

    # Group messages from the channel layer.

    async def chat_message(self, event: dict[str, Any]) -> None:
        """The frame was serialised once by the sender, not once per receiving socket."""
        await self.send(text_data=event["frame"])

    async def chat_typing(self, event: dict[str, Any]) -> None:
        if event.get("sender") != self.channel_name:
            await self.send_json(
                {"type": "typing", "user_id": event["user_id"], "role": event["role"], "typing": event["typing"]}
            )

    async def chat_read(self, event: dict[str, Any]) -> None:
        await self.send_json({key: value for key, value in event.items() if key != "type"} | {"type": "read"})

    async def chat_expired(self, event: dict[str, Any]) -> None:
        """The order's chat was deleted (expiry): say so and close."""
        await self.send_json({"type": "expired", "message": "This order's chat has been deleted."})
        await self.close(code=CLOSE_EXPIRED)


FRAME_HANDLERS = {
    "message": ChatConsumer.on_message,
    "typing": ChatConsumer.on_typing,
    "read": ChatConsumer.on_read,
    "auth": ChatConsumer.on_auth,
}


def receipt_frame(receipt: Any) -> dict[str, Any]:
    return {
        "user_id": str(receipt.user_id),
        "message_id": receipt.last_read_id,
        "read_at": receipt.read_at.isoformat(),
    }


class Watcher:
    """Checks every open chat socket of this process again every CHAT_AUTH_CHECK_SECONDS, all in one thread call.

    One pass per interval for the whole process rather than a timer per socket: a server holding hundreds of
    sockets then makes one hop off the event loop per interval, not hundreds. A socket whose token has
    expired or been revoked, or whose account is disabled, is closed; the others refresh their presence.
    """

    def __init__(self) -> None:
        self.sockets: set[ChatConsumer] = set()
        self.task: asyncio.Task | None = None
        # Who has a socket open here, by order; and until when every party of an order was seen online in
        # Redis (CHAT_AUTH_CHECK_SECONDS after the look, as presence itself is refreshed that often).
        self.present: dict[UUID, Counter[UUID]] = {}
        self.online_until: dict[UUID, float] = {}

    def add(self, consumer: ChatConsumer) -> None:
        self.sockets.add(consumer)
        self.present.setdefault(consumer.order_id, Counter())[consumer.user_id] += 1
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self.run())

    def discard(self, consumer: ChatConsumer) -> None:
        if consumer not in self.sockets:
            return
        self.sockets.discard(consumer)
        here = self.present.get(consumer.order_id)
        if here is not None:
            here[consumer.user_id] -= 1
            if here[consumer.user_id] <= 0:
                del here[consumer.user_id]
            if not here:
                del self.present[consumer.order_id]
                self.online_until.pop(consumer.order_id, None)

    def others_online(self, order_id: UUID, user_id: UUID, parties: tuple[UUID, UUID]) -> bool:
        if time.monotonic() < self.online_until.get(order_id, 0.0):
            return True
        here = self.present.get(order_id, {})
        return all(party in here for party in parties if party != user_id)

    def all_online(self, order_id: UUID) -> None:
        """Redis says every party of the order is online (the sender, being here, is too)."""
        self.online_until[order_id] = time.monotonic() + settings.CHAT_AUTH_CHECK_SECONDS

    async def run(self) -> None:
        while self.sockets:
            await asyncio.sleep(settings.CHAT_AUTH_CHECK_SECONDS)
            watched = list(self.sockets)
            try:
                refused = await in_thread(check_all)(watched)
            except Exception:
                logger.exception("chat socket checks failed; trying again at the next pass")
                continue
            for consumer, error in refused:
                self.discard(consumer)
                try:
                    await consumer.unauthenticated(error)
                except Exception:
                    logger.exception("could not close a chat socket whose token is no longer good")


def check_all(consumers: list[ChatConsumer]) -> list[tuple[ChatConsumer, IdentityError]]:
    """Every socket's token and account again (sync, one cache round trip); the sockets that must close, and why."""
    errors = recheck([consumer.scope for consumer in consumers])
    refused = [(consumer, error) for consumer, error in zip(consumers, errors, strict=True) if error is not None]
    notify.here_many([(c.order_id, c.user_id) for c, error in zip(consumers, errors, strict=True) if error is None])
    return refused


_watchers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Watcher] = weakref.WeakKeyDictionary()


def watcher_for_this_loop() -> Watcher:
    loop = asyncio.get_running_loop()
    watcher = _watchers.get(loop)
    if watcher is None:
        watcher = _watchers[loop] = Watcher()
    return watcher
