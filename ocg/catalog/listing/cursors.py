"""Opaque cursors: the sort key and id of a row, and the fingerprint of the listing they belong to."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from ocg.catalog.listing.arguments import (
    NAME,
    NEWEST,
    PRICE,
    PRICE_TEXT,
    InvalidListing,
    ProductFilter,
    Sort,
)

CURSOR_VERSION = 1


def fingerprint(product_filter: ProductFilter, sort: Sort) -> str:
    """What a cursor belongs to: the filter and sort, hashed short."""
    text = json.dumps([sort.canonical(), product_filter.canonical()], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def encode_cursor(print_: str, key: Any, row_id: UUID) -> str:
    if isinstance(key, Decimal):
        key = str(key)
    elif isinstance(key, datetime):
        key = key.isoformat()
    payload = json.dumps([CURSOR_VERSION, print_, key, row_id.hex], separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, print_: str, sort: Sort, field_name: str) -> tuple[Any, UUID]:
    """The sort key and id a cursor carries, typed for its sort; refused if it belongs elsewhere."""
    invalid = InvalidListing("This cursor is not one this listing gave out.", field=field_name)
    if not isinstance(cursor, str) or len(cursor) > 1000:
        raise invalid
    try:
        decoded = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        version, fingerprint_, key, row_hex = decoded
        row_id = UUID(hex=row_hex)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise invalid from None
    if version != CURSOR_VERSION:
        raise invalid
    if fingerprint_ != print_:
        raise InvalidListing("This cursor belongs to another filter or sort: start again without it.", field=field_name)
    try:
        return _typed_key(key, sort), row_id
    except (ValueError, TypeError, InvalidOperation):
        raise invalid from None


def _typed_key(key: Any, sort: Sort) -> Any:
    if sort.field == PRICE:
        if not isinstance(key, str) or not PRICE_TEXT.fullmatch(key):
            raise ValueError(key)
        return Decimal(key)
    if sort.field == NEWEST:
        moment = datetime.fromisoformat(key)
        if moment.tzinfo is None:
            raise ValueError(key)
        return moment
    if sort.field == NAME:
        # A name is stored text: a NUL or a lone surrogate could be no row's, and PostgreSQL refuses them.
        if not isinstance(key, str) or len(key) > 200 or "\x00" in key:
            raise ValueError(key)
        key.encode("utf-8")
        return key
    if isinstance(key, bool) or not isinstance(key, (int, float)):
        raise ValueError(key)
    return key
