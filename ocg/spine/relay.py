"""The transactional-outbox relay: every context's events table, republished to Kafka.

Follows each table by position and produces to `ocg.<context>.v1` with an idempotent producer
(key = aggregate id, so one aggregate's events stay ordered in one partition). The position
advances only once the broker has confirmed every message of the batch: at-least-once delivery.
A failed batch is reported as a stall at the first event that could not be delivered.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Message, Producer
from confluent_kafka.admin import AdminClient, NewTopic
from django.conf import settings

from ocg.spine.envelope import encode, envelope, topic_for
from ocg.spine.errors import error_text
from ocg.spine.eventstore import applications
from ocg.spine.follow import drain, fail_at, follow_forever
from ocg.spine.models import ProjectionPosition

logger = logging.getLogger(__name__)

RELAY_FOLLOWER = "relay"
BATCH_SIZE = 1000
FLUSH_WAIT_SECONDS = 2.0


def producer_config(bootstrap_servers: str) -> dict[str, object]:
    """Topics are created by `ensure_topics` only: one auto-created by the broker (say after it lost
    its data) would take the broker's default partitions and replication instead of ours."""
    return {
        "bootstrap.servers": bootstrap_servers,
        "allow.auto.create.topics": False,
        "enable.idempotence": True,
        "acks": "all",
        "linger.ms": 5,
        "compression.type": "none",
        "message.timeout.ms": settings.KAFKA_MESSAGE_TIMEOUT_MS,
        "reconnect.backoff.max.ms": 2_000,
        "logger": logger,
        **settings.KAFKA_PRODUCER_OPTIONS,
    }


class DeliveryFailed(Exception):
    """`position` is the first event of the batch known to have failed, when one is."""

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.position = position


@dataclass
class _Deliveries:
    confirmed: int = 0
    errors: list[KafkaError] = field(default_factory=list)
    failed_positions: list[int] = field(default_factory=list)

    def __call__(self, error: KafkaError | None, message: Message) -> None:
        if error is None:
            self.confirmed += 1
        else:
            self.errors.append(error)
            self.failed_positions.append(json.loads(message.value())["sequence"])


class Relay:
    def __init__(
        self,
        bootstrap_servers: str,
        contexts: list[str] | None = None,
        *,
        batch_size: int = BATCH_SIZE,
        stop: threading.Event | None = None,
    ) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.contexts = contexts or applications.names
        self.batch_size = batch_size
        self.stop = stop or threading.Event()
        self._producer: Producer | None = None
        self._topics_ready = False

    @property
    def producer(self) -> Producer:
        if self._producer is None:
            self._producer = Producer(producer_config(self.bootstrap_servers))
        return self._producer

    def _reset_producer(self) -> None:
        """Drop the producer after a failed batch; the batch is produced again by a new one.

        Its idempotent session may be unusable: after a fatal error, or when the broker has
        forgotten its producer id (a restarted broker answers UNKNOWN_PRODUCER_ID until every
        queued message times out, and keeps answering it for the next batches too).
        """
        if self._producer is not None:
            self._producer.purge()
            self._producer.poll(0)
            self._producer = None

    def pending(self) -> int:
        """Messages handed to the producer and not yet confirmed (or failed) by the broker."""
        producer = self._producer
        return len(producer) if producer is not None else 0

    def close(self) -> None:
        """Wait (bounded) for queued deliveries and release the producer."""
        if self._producer is not None:
            self._producer.flush(5)
            self._producer = None

    def ensure_topics(self) -> None:
        admin = AdminClient(
            {"bootstrap.servers": self.bootstrap_servers, "reconnect.backoff.max.ms": 2_000, "logger": logger}
        )
        topics = [
            NewTopic(
                topic_for(context),
                num_partitions=settings.KAFKA_TOPIC_PARTITIONS,
                replication_factor=settings.KAFKA_TOPIC_REPLICATION,
            )
            for context in self.contexts
        ]
        for topic, future in admin.create_topics(topics, request_timeout=15).items():
            try:
                future.result(timeout=20)
            except KafkaException as error:
                if error.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                    raise
            else:
                logger.info("created topic %s", topic)
        self._topics_ready = True

    def position(self, context: str) -> int:
        row, _ = ProjectionPosition.objects.get_or_create(follower=RELAY_FOLLOWER, source=context)
        return row.position

    def relay_batch(self, context: str) -> int:
        """Produce the next batch of one context and advance its position; return how many were sent."""
        application = applications.get(context)
        start = self.position(context)
        notifications = application.recorder.select_notifications(
            start=start, limit=self.batch_size, inclusive_of_start=False
        )
        if not notifications:
            return 0
        events: list[tuple[int, Any]] = []
        for notification in notifications:
            try:
                events.append((notification.id, application.mapper.to_domain_event(notification)))
            except Exception as error:
                fail_at(context, notification, start, error)
        try:
            self._deliver(context, events)
        except BaseException as error:
            self._reset_producer()
            self._topics_ready = False  # a restarted broker may have lost them
            if isinstance(error, DeliveryFailed):
                failed = next((n for n in notifications if n.id == error.position), notifications[0])
                fail_at(context, failed, start, error)
            raise
        ProjectionPosition.objects.filter(follower=RELAY_FOLLOWER, source=context, position=start).update(
            position=notifications[-1].id
        )
        return len(notifications)

    def _deliver(self, context: str, events: list[tuple[int, Any]]) -> None:
        """Produce (position, domain event) pairs and return once the broker confirmed every one."""
        topic = topic_for(context)
        deliveries = _Deliveries()
        producer = self.producer
        for position, domain_event in events:
            try:
                value = encode(envelope(context, domain_event, position))
                while True:
                    try:
                        producer.produce(
                            topic, value=value, key=domain_event.originator_id.bytes, on_delivery=deliveries
                        )
                        break
                    except BufferError:
                        producer.poll(0.1)  # local queue full: let deliveries drain
            except (KafkaException, TypeError, ValueError) as error:
                reason = f"{context}: event {position} not produced: {error_text(error)}"
                raise DeliveryFailed(reason, position) from error
        # Wait for every delivery report (success, or failure once message.timeout.ms passes)
        # rather than producing the batch again while the first copy is still queued.
        while producer.flush(FLUSH_WAIT_SECONDS):
            if self.stop.is_set():
                raise DeliveryFailed(f"{context}: stopping with deliveries unconfirmed")
            logger.warning("relay: %s waiting for the broker to confirm deliveries", context)
        if deliveries.errors or deliveries.confirmed != len(events):
            reason = deliveries.errors[0].str() if deliveries.errors else "unconfirmed deliveries"
            raise DeliveryFailed(
                f"{context}: {len(deliveries.errors)} of {len(events)} not delivered: {reason}",
                min(deliveries.failed_positions, default=None),
            )

    def catch_up(self) -> int:
        if not self._topics_ready:
            self.ensure_topics()
        return drain(self.relay_batch, self.contexts, self.stop, self.batch_size)

    def run_forever(self, poll_seconds: float = 1.0) -> None:
        """Relay until `stop` is set; survives the broker or PostgreSQL going away, retrying with backoff."""
        logger.info("relaying to %s", self.bootstrap_servers)
        try:
            follow_forever(
                RELAY_FOLLOWER,
                self.contexts,
                self.stop,
                self.catch_up,
                poll_seconds,
                expected_errors=(DeliveryFailed, KafkaException),
            )
        finally:
            self.close()
