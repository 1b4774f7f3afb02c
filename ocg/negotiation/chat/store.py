"""Reading and writing chat rows: the socket, GraphQL and the projection all go through these functions."""

from __future__ import annotations

import base64
import binascii
import functools
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from ocg.negotiation.chat.access import ChatError
from ocg.negotiation.models import ChatMessage, ChatReadReceipt
from ocg.spine.domain.text import clean_text

PAGE_DEFAULT = 50
PAGE_MAX = 100
CURSOR_PREFIX = "chat:"


def as_frame(message: ChatMessage) -> dict[str, Any]:
    """A message as sockets and GraphQL show it."""
    return {
        "id": message.id,
        "order_id": str(message.order_id),
        "author_id": str(message.author_id) if message.author_id else None,
        "author_role": message.author_role,
        "kind": message.kind,
        "text": message.text,
        "created_at": message.created_at.isoformat(),
    }


def clean_message(text: Any) -> str:
    """The spine's text rule, multi-line, within CHAT_MESSAGE_MAX_CHARS."""
    return clean_text(
        text,
        field="text",
        label="A message",
        max_length=settings.CHAT_MESSAGE_MAX_CHARS,
        multiline=True,
        error=ChatError,
    )


# The columns a participant's message is inserted with (the id comes back from the database).
POSTED_FIELDS = ("order_id", "author_id", "author_role", "kind", "text", "created_at")


@functools.cache
def post_statement(vendor: str) -> str:
    """The INSERT of a posted message, written once: every chat message runs it, and building it through the ORM
    cost a socket server more than running it."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(ChatMessage._meta.get_field(name).column) for name in POSTED_FIELDS)
    return (
        f"INSERT INTO {quote(ChatMessage._meta.db_table)} ({columns}) "  # noqa: S608 - names from the model
        f"VALUES ({', '.join(['%s'] * len(POSTED_FIELDS))}) RETURNING {quote('id')}"
    )


def post(order_id: UUID, author_id: UUID, author_role: str, text: str) -> ChatMessage:
    """Store a participant's (already cleaned) message.

    On PostgreSQL the commit does not wait for the write-ahead log to reach the disk (`synchronous_commit` off
    for this transaction alone): a chat message's latency then does not depend on the disk's flush time,
    which other writers on a busy server stretch to tens of milliseconds. What it risks is the last fraction
    of a second of chat messages if the database server itself crashes (never a corrupt table, and never an
    event or a payment: only these rows). A crash of the web server loses nothing.
    """
    message = ChatMessage(
        order_id=order_id,
        author_id=author_id,
        author_role=author_role,
        kind=ChatMessage.Kind.USER,
        text=text,
        created_at=timezone.now(),
    )
    fields = [ChatMessage._meta.get_field(name) for name in POSTED_FIELDS]
    values = [field.get_db_prep_save(getattr(message, field.attname), connection) for field in fields]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        cursor.execute(post_statement(connection.vendor), values)
        message.id = cursor.fetchone()[0]
    return message


def history(order_id: UUID, limit: int | None = None) -> list[ChatMessage]:
    """The latest `limit` messages (CHAT_HISTORY_SIZE by default), oldest first."""
    limit = settings.CHAT_HISTORY_SIZE if limit is None else limit
    latest = list(ChatMessage.objects.filter(order_id=order_id).order_by("-id")[:limit])
    latest.reverse()
    return latest


def receipts(order_id: UUID) -> list[ChatReadReceipt]:
    return list(ChatReadReceipt.objects.filter(order_id=order_id).order_by("user_id"))


def mark_read(order_id: UUID, user_id: UUID, message_id: Any) -> ChatReadReceipt:
    """Move the reader's receipt forward to `message_id`, a message of this order; it never moves back."""
    if not isinstance(message_id, int) or isinstance(message_id, bool) or message_id < 1:
        raise ChatError("Give the id of a message of this order.", field="messageId")
    if not ChatMessage.objects.filter(order_id=order_id, id=message_id).exists():
        raise ChatError("There is no such message in this order's chat.", field="messageId")
    now = timezone.now()
    with transaction.atomic():
        receipt, created = ChatReadReceipt.objects.select_for_update().get_or_create(
            order_id=order_id, user_id=user_id, defaults={"last_read_id": message_id, "read_at": now}
        )
        if not created and message_id > receipt.last_read_id:
            receipt.last_read_id, receipt.read_at = message_id, now
            receipt.save(update_fields=["last_read_id", "read_at"])
    return receipt


@dataclass(frozen=True)
class Page:
    rows: list[ChatMessage]
    has_next: bool
    has_previous: bool

    @property
    def cursors(self) -> list[str]:
        return [cursor_of(row.id) for row in self.rows]


def cursor_of(message_id: int) -> str:
    return base64.urlsafe_b64encode(f"{CURSOR_PREFIX}{message_id}".encode()).decode()


def after_id(cursor: str | None) -> int:
    if cursor is None:
        return 0
    try:
        decoded = base64.urlsafe_b64decode(cursor.encode("ascii")).decode("ascii")
        if decoded.startswith(CURSOR_PREFIX):
            value = int(decoded.removeprefix(CURSOR_PREFIX))
            if value >= 0:
                return value
    except (binascii.Error, UnicodeError, ValueError):
        pass
    raise ChatError("This cursor is not one this list gave out.", field="after")


def page(order_id: UUID, first: int | None, after: str | None) -> Page:
    """Messages in conversation order (oldest first), `first` at a time after the `after` cursor."""
    size = PAGE_DEFAULT if first is None else first
    if not 1 <= size <= PAGE_MAX:
        raise ChatError(f"Ask for 1 to {PAGE_MAX} messages.", field="first")
    start = after_id(after)
    rows = list(ChatMessage.objects.filter(order_id=order_id, id__gt=start).order_by("id")[: size + 1])
    return Page(rows=rows[:size], has_next=len(rows) > size, has_previous=start > 0)
