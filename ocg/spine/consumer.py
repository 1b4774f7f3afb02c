"""Consuming other contexts' events from Kafka, each envelope handled once.

Redeliveries are normal (the relay is at-least-once): the handler's effects and the envelope id
commit in one database transaction, and an id already recorded is skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from confluent_kafka import Consumer, KafkaException
from django.db import IntegrityError, transaction

from ocg.spine.envelope import decode
from ocg.spine.models import ConsumedEvent

logger = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], None]


def handle_once(consumer_name: str, message: dict[str, Any], handler: Handler) -> bool:
    """Run `handler` for this envelope unless this consumer already has; True if it ran."""
    try:
        with transaction.atomic():
            ConsumedEvent.objects.create(consumer=consumer_name, event_id=message["id"])
            handler(message)
    except IntegrityError:
        if ConsumedEvent.objects.filter(consumer=consumer_name, event_id=message["id"]).exists():
            return False
        raise
    return True


class EventConsumer:
    """A Kafka consumer group that hands each new envelope to `handler` exactly once."""

    def __init__(self, name: str, bootstrap_servers: str, topics: list[str], handler: Handler, **options: Any):
        self.name = name
        self.handler = handler
        self.consumer = Consumer(
            {
                "bootstrap.servers": bootstrap_servers,
                "group.id": name,
                "enable.auto.commit": False,
                "auto.offset.reset": "earliest",
                **options,
            }
        )
        self.consumer.subscribe(topics)

    def poll(self, timeout: float = 1.0) -> bool | None:
        """Handle at most one message: True if handled, False if a duplicate, None if nothing came."""
        message = self.consumer.poll(timeout)
        if message is None:
            return None
        if message.error():
            raise KafkaException(message.error())
        try:
            envelope = decode(message.value())
        except ValueError:
            logger.error("%s: skipping a malformed message at %s[%s]@%s", self.name,
                         message.topic(), message.partition(), message.offset())
            self.consumer.commit(message=message, asynchronous=False)
            return False
        handled = handle_once(self.name, envelope, self.handler)
        self.consumer.commit(message=message, asynchronous=False)
        return handled

    def close(self) -> None:
        self.consumer.close()
