"""WebSocket lines on the request log: one when the handshake ends (accepted or refused), one when a socket closes.

The server's own per-socket lines are switched off (see settings.LOGGING), so these are the only ones. Like
the HTTP request log they carry the path, never the query string, and no header.
"""

from __future__ import annotations

import logging
import time
import uuid
from types import SimpleNamespace
from typing import Any

from ocg.spine.gateway import client_ip
from ocg.spine.requestlog import SANE_REQUEST_ID, request_id_var

logger = logging.getLogger("ocg.request")

METHOD = "WEBSOCKET"
# What uvicorn answers on the wire when an application closes a socket before accepting it.
REFUSED_STATUS = 403
LOG_CONTEXT = "ocg.log_context"
# A close code in the 4000 range that mirrors HTTP 404.
CLOSE_NOT_FOUND = 4404


def note_user(scope: dict[str, Any], user_id: Any) -> None:
    """Called by whatever authenticates a socket, so its lines name the user."""
    context = scope.get(LOG_CONTEXT)
    if isinstance(context, dict):
        context["user_id"] = str(user_id)


def header(scope: dict[str, Any], name: bytes) -> str:
    for key, value in scope.get("headers") or []:
        if key.lower() == name:
            return value.decode("latin-1")
    return ""


def socket_client_ip(scope: dict[str, Any]) -> str:
    """The same trusted-proxy rule as HTTP requests, read from the ASGI scope."""
    peer = scope.get("client") or ("", 0)
    meta = {"REMOTE_ADDR": peer[0] or "", "HTTP_X_FORWARDED_FOR": header(scope, b"x-forwarded-for")}
    return client_ip(SimpleNamespace(META=meta))


class SocketLogMiddleware:
    """Outermost on the websocket stack, so handshakes refused by the origin or token checks are logged too."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope.get("type") != "websocket":
            return await self.inner(scope, receive, send)
        given = header(scope, b"x-request-id")
        request_id = given if SANE_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        context: dict[str, Any] = {"user_id": None}
        socket = SocketLine(scope, request_id, context)
        token = request_id_var.set(request_id)

        async def logging_send(message: dict[str, Any]) -> None:
            socket.sent(message)
            await send(message)

        async def logging_receive() -> dict[str, Any]:
            message = await receive()
            socket.received(message)
            return message

        try:
            return await self.inner(dict(scope, **{LOG_CONTEXT: context}), logging_receive, logging_send)
        finally:
            socket.ended()
            request_id_var.reset(token)


class SocketLine:
    """The state of one socket as far as logging goes: handshake outcome, then its close."""

    def __init__(self, scope: dict[str, Any], request_id: str, context: dict[str, Any]) -> None:
        self.path = scope.get("path", "")
        self.client_ip = socket_client_ip(scope)
        self.request_id = request_id
        self.context = context
        self.started = time.perf_counter()
        self.accepted = False
        self.done = False

    def sent(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "websocket.accept" and not self.accepted and not self.done:
            self.accepted = True
            self.log("connect", 101)
        elif kind == "websocket.close" and not self.done:
            if self.accepted:
                self.log("close", 101, close_code=message.get("code", 1000), closed_by="server")
            else:
                self.log("refused", REFUSED_STATUS, close_code=message.get("code", 1000))
            self.done = True
        elif kind == "websocket.http.response.start" and not self.accepted and not self.done:
            self.log("refused", message.get("status", REFUSED_STATUS))
            self.done = True

    def received(self, message: dict[str, Any]) -> None:
        if message.get("type") == "websocket.disconnect" and not self.done:
            self.log(
                "close" if self.accepted else "abandoned",
                101 if self.accepted else 499,
                close_code=message.get("code", 1005),
                closed_by="client",
            )
            self.done = True

    def ended(self) -> None:
        """The application returned (or failed) without a close either side saw: still one line."""
        if not self.done:
            self.log("close" if self.accepted else "abandoned", 101 if self.accepted else 500, closed_by="application")
            self.done = True

    def log(self, event: str, status: int, **extra: Any) -> None:
        level = logging.ERROR if status >= 500 else logging.INFO
        fields = {
            "method": METHOD,
            "path": self.path,
            "status": status,
            "event": event,
            "duration_ms": round((time.perf_counter() - self.started) * 1000, 3),
            "user_id": self.context.get("user_id"),
            "client_ip": self.client_ip,
            "request_id": self.request_id,
            **extra,
        }
        logger.log(level, "%s %s %s %s", METHOD, self.path, status, event, extra={"fields": fields})


async def unrouted(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The last websocket route: an unknown path is refused cleanly instead of failing inside the router."""
    message = await receive()
    if message.get("type") == "websocket.connect":
        await send({"type": "websocket.close", "code": CLOSE_NOT_FOUND})


class ServerSocketLinesFilter(logging.Filter):
    """On the server's logger: drops its per-socket lines, which `SocketLogMiddleware` already writes."""

    PREFIXES = ('%s - "WebSocket ', "connection open", "connection closed", "connection rejected")

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.startswith(self.PREFIXES))
