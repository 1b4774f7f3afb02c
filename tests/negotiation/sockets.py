"""Opening chat sockets in tests: Channels' WebsocketCommunicator on the project's ASGI stack, and real sockets.

`channels.testing` imports its live-server case, which needs daphne (not a dependency: uvicorn serves the
app); the communicator's own module does not, so it is loaded without the package's __init__.
"""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path
from typing import Any

import channels


def _load_communicator() -> type:
    if "channels.testing" not in sys.modules:
        package = types.ModuleType("channels.testing")
        package.__path__ = [str(Path(channels.__file__).parent / "testing")]
        sys.modules["channels.testing"] = package
    from channels.testing.websocket import WebsocketCommunicator

    return WebsocketCommunicator


WebsocketCommunicator = _load_communicator()


def chat_path(order_id: Any) -> str:
    return f"/ws/orders/{order_id}/chat/"


def communicator(order_id: Any, token: str | None, origin: str = "http://testserver") -> Any:
    from ocg.asgi import application

    headers = [(b"host", b"testserver"), (b"origin", origin.encode())]
    subprotocols = ["bearer", token] if token else []
    return WebsocketCommunicator(application, chat_path(order_id), headers=headers, subprotocols=subprotocols)


async def frames_until(socket: Any, kind: str, timeout: float = 5.0) -> list[dict]:
    """Frames received until (and with) the first of `kind`."""
    seen = []
    while True:
        frame = json.loads(await socket.receive_from(timeout=timeout))
        seen.append(frame)
        if frame["type"] == kind:
            return seen


async def next_of(socket: Any, kind: str, timeout: float = 5.0) -> dict:
    return (await frames_until(socket, kind, timeout))[-1]


async def close_code(socket: Any, timeout: float = 5.0) -> int:
    """Read on until the server closes; the close code."""
    while True:
        output = await socket.receive_output(timeout=timeout)
        if output["type"] == "websocket.close":
            return output.get("code", 1000)
