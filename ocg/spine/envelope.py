"""The versioned JSON envelope every event is republished in (CloudEvents 1.0 attributes).

The id is derived from the event's identity (context, aggregate, version), so a re-sent event
carries the same id and consumers can drop the duplicate.
"""

from __future__ import annotations

import datetime
import json
import uuid
from decimal import Decimal
from typing import Any

from ocg.spine.domain.money import Money

ENVELOPE_VERSION = 1
EVENT_ID_NAMESPACE = uuid.UUID("5b0c1f0e-8f3a-4c55-9a52-4f0c3d1e0b6a")
_INTERNAL_ATTRIBUTES = {"originator_id", "originator_version", "timestamp", "originator_topic"}


def topic_for(context: str) -> str:
    return f"ocg.{context}.v1"


def event_id(context: str, originator_id: uuid.UUID, originator_version: int) -> uuid.UUID:
    return uuid.uuid5(EVENT_ID_NAMESPACE, f"{context}/{originator_id}/{originator_version}")


def _json_default(value: Any) -> Any:
    if isinstance(value, Money):
        return {"amount": str(value.amount), "currency": value.currency}
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable in an event envelope")


def envelope(context: str, domain_event: Any, sequence: int) -> dict[str, Any]:
    event_type = type(domain_event).__qualname__
    return {
        "specversion": "1.0",
        "id": str(event_id(context, domain_event.originator_id, domain_event.originator_version)),
        "type": f"ocg.{context}.{event_type}",
        "source": f"/ocg/{context}",
        "subject": str(domain_event.originator_id),
        "time": domain_event.timestamp.isoformat(),
        "datacontenttype": "application/json",
        "envelopeversion": ENVELOPE_VERSION,
        "sequence": sequence,
        "aggregateversion": domain_event.originator_version,
        "data": {k: v for k, v in domain_event.__dict__.items() if k not in _INTERNAL_ATTRIBUTES},
    }


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, default=_json_default, separators=(",", ":")).encode()


def decode(value: bytes | None) -> dict[str, Any]:
    """The envelope in a Kafka message value; ValueError for anything else (tombstones included)."""
    if value is None:
        raise ValueError("an empty message (tombstone) is not an OCG event envelope")
    message = json.loads(value)
    if not isinstance(message, dict) or message.get("specversion") != "1.0" or not isinstance(message.get("id"), str):
        raise ValueError("not an OCG event envelope")
    uuid.UUID(message["id"])  # consumers record the id as a UUID: reject others here, not in their transaction
    return message
