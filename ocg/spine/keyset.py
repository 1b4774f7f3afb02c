"""Lists a page at a time, newest first, on a keyset (a time column, id): a deep page seeks in an index
instead of counting past the rows before it, and costs one query whatever its size.

A cursor is opaque: the row's time and id, with a fingerprint of the list it came from (whose rows, which
filter), so a cursor from another list is refused rather than silently paging something else. A context
gives its own error class, so a refusal carries that context's code and the field the client sent.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import F, QuerySet
from django.db.models.fields.tuple_lookups import TupleLessThan

DEFAULT_PAGE = 20
PAGE_MAX = 100
CURSOR_VERSION = 1
CURSOR_MAX_LENGTH = 400

# The context's error class, called as error(message, field=...).
ErrorClass = Callable[..., Exception]


def fingerprint(canonical: list[Any]) -> str:
    """A short, stable digest of what a list is (JSON-able: its scope and filter)."""
    return hashlib.sha256(json.dumps(canonical, separators=(",", ":")).encode()).hexdigest()[:16]


@dataclass
class Page:
    rows: list[Any]
    cursors: list[str]
    has_next: bool
    has_previous: bool
    whole_list: QuerySet
    total: int | None = field(default=None)

    def count(self) -> int:
        """Rows in the whole list, every page together: one query, made only when asked for."""
        if self.total is None:
            self.total = self.whole_list.count()
        return self.total


def page_size(first: Any, error: ErrorClass, field_name: str = "first") -> int:
    size = DEFAULT_PAGE if first is None else first
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= PAGE_MAX:
        raise error(f"{field_name} must be between 1 and {PAGE_MAX}.", field=field_name)
    return size


def encode_cursor(list_print: str, moment: datetime, row_id: UUID) -> str:
    payload = json.dumps([CURSOR_VERSION, list_print, moment.isoformat(), row_id.hex])
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(cursor: Any, list_print: str, error: ErrorClass, field_name: str = "after") -> tuple[datetime, UUID]:
    invalid = error("This cursor is not one this list gave out.", field=field_name)
    if not isinstance(cursor, str) or len(cursor) > CURSOR_MAX_LENGTH:
        raise invalid
    try:
        version, print_, moment_text, row_hex = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        moment = datetime.fromisoformat(moment_text)
        row_id = UUID(hex=row_hex)
    except (ValueError, TypeError, AttributeError, binascii.Error, UnicodeDecodeError):
        raise invalid from None
    if version != CURSOR_VERSION or moment.tzinfo is None:
        raise invalid
    if print_ != list_print:
        raise error("This cursor belongs to another list or filter: start again without it.", field=field_name)
    return moment, row_id


def newest_first(
    rows: QuerySet, time_field: str, list_print: str, size: int, after: tuple[datetime, UUID] | None
) -> Page:
    """The page after `after` (or the first), and one row more to know whether another follows."""
    seek = rows if after is None else rows.filter(TupleLessThan((F(time_field), F("id")), after))
    found = list(seek.order_by(f"-{time_field}", "-id")[: size + 1])
    more = len(found) > size
    found = found[:size]
    cursors = [encode_cursor(list_print, getattr(row, time_field), row.id) for row in found]
    return Page(found, cursors, has_next=more, has_previous=after is not None, whole_list=rows)
