"""Channel-layer group names, and sending to a group from sync code (projections, tasks, GraphQL)."""

from __future__ import annotations

import json
import logging
from typing import Any
from uuid import UUID

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)


def order_group(order_id: UUID | str) -> str:
    return f"chat.order.{order_id}"


def user_group(user_id: UUID | str) -> str:
    return f"chat.user.{user_id}"


def send(group: str, message: dict[str, Any]) -> None:
    """Best effort: the row is stored already, and a client that missed the push reads it on reconnect."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:
        logger.exception("could not push %s to %s", message.get("type"), group)


def message_event(message: dict[str, Any], ref: str | None = None) -> dict[str, Any]:
    """The channel-layer message that delivers a chat message to every socket of its order."""
    frame = {"type": "message", "message": message} | ({"ref": ref} if ref is not None else {})
    return {"type": "chat.message", "frame": json.dumps(frame, separators=(",", ":"))}
