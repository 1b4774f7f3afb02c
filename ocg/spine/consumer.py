"""Consuming other contexts' events from Kafka, each envelope handled once.

Redeliveries are normal (the relay is at-least-once): the handler's effects and the envelope id
commit in one database transaction, and an id already recorded is skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from confluent_kafka import Consumer, KafkaException, Message, TopicPartition
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
                # A subscribed topic that does not exist yet (the relay creates it on first run)
                # is only noticed at the next metadata refresh: 5 minutes by default.
                "topic.metadata.refresh.interval.ms": 5_000,
                "logger": logger,
                **options,
            }
        )
        self.consumer.subscribe(topics)

    def poll(self, timeout: float = 1.0) -> bool | None:
        """Handle at most one message: True if handled, False if skipped (a duplicate or malformed), None if none.

        A handler that raises leaves the message to be delivered again by the next poll.
        """
        message = self.consumer.poll(timeout)
        if message is None:
            return None
        error = message.error()
        if error is not None:
            if error.fatal():
                raise KafkaException(error)
            # Non-fatal errors (a subscribed topic not created yet, a broker away) are
            # informational: the client recovers on its own.
            logger.warning("%s: %s", self.name, error.str())
            return None
        try:
            envelope = decode(message.value())
        except ValueError:
            logger.error(
                "%s: skipping a malformed message at %s[%s]@%s",
                self.name,
                message.topic(),
                message.partition(),
                message.offset(),
            )
            self._commit(message)
            return False
        try:
            handled = handle_once(self.name, envelope, self.handler)
        except BaseException:
            self._rewind(message)
            raise
        self._commit(message)
        return handled

    def _rewind(self, message: Message) -> None:
        """Fetch this message again next poll: the client's position has already moved past it,
        so without the seek the next message would be handled (and committed) and this one lost."""
        try:
            self.consumer.seek(TopicPartition(message.topic(), message.partition(), message.offset()))
        except KafkaException as error:
            # Only fails if the partition was revoked; its next owner starts from the last commit.
            logger.warning("%s: could not rewind to the failed message: %s", self.name, error)

    def _commit(self, message: Message) -> None:
        """A lost commit only means a redelivery, which the recorded event id turns into a skip."""
        try:
            self.consumer.commit(message=message, asynchronous=False)
        except KafkaException as error:
            logger.warning("%s: commit failed, the message may be delivered again: %s", self.name, error)

    def close(self) -> None:
        self.consumer.close()

    def __enter__(self) -> EventConsumer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
