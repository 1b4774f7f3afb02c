"""The transactional-outbox relay: every context's events table, republished to Kafka.

Follows each table by position and produces to `ocg.<context>.v1` with an idempotent producer
(key = aggregate id, so one aggregate's events stay ordered in one partition). The position
advances only once the broker has confirmed every message of the batch: at-least-once delivery.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from confluent_kafka import KafkaError, KafkaException, Producer
from confluent_kafka.admin import AdminClient, NewTopic
from django.conf import settings
from django.db import close_old_connections, connection

from ocg.spine.envelope import encode, envelope, topic_for
from ocg.spine.eventstore import applications
from ocg.spine.follow import Follower, FollowerAlreadyRunning
from ocg.spine.models import ProjectionPosition

logger = logging.getLogger(__name__)

RELAY_FOLLOWER = "relay"
BATCH_SIZE = 1000
FLUSH_WAIT_SECONDS = 2.0
MAX_BACKOFF_SECONDS = 30.0


def producer_config(bootstrap_servers: str) -> dict[str, object]:
    return {
        "bootstrap.servers": bootstrap_servers,
        "enable.idempotence": True,
        "acks": "all",
        "linger.ms": 5,
        "compression.type": "none",
        "message.timeout.ms": settings.KAFKA_MESSAGE_TIMEOUT_MS,
        "reconnect.backoff.max.ms": 2_000,
        **settings.KAFKA_PRODUCER_OPTIONS,
    }


class DeliveryFailed(Exception):
    pass


@dataclass
class _Deliveries:
    confirmed: int = 0
    errors: list[KafkaError] = field(default_factory=list)

    def __call__(self, error: KafkaError | None, _message: object) -> None:
        if error is None:
            self.confirmed += 1
        else:
            self.errors.append(error)


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
        """After a fatal producer error the idempotent session is gone: start a new one."""
        if self._producer is not None:
            self._producer.purge()
            self._producer = None

    def ensure_topics(self) -> None:
        admin = AdminClient({"bootstrap.servers": self.bootstrap_servers})
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
        topic = topic_for(context)
        deliveries = _Deliveries()
        producer = self.producer
        for notification in notifications:
            domain_event = application.mapper.to_domain_event(notification)
            value = encode(envelope(context, domain_event, notification.id))
            while True:
                try:
                    producer.produce(topic, value=value, key=notification.originator_id.bytes, on_delivery=deliveries)
                    break
                except BufferError:
                    producer.poll(0.1)  # local queue full: let deliveries drain
        # Wait for every delivery report (success, or failure once message.timeout.ms passes)
        # rather than producing the batch again while the first copy is still queued.
        while producer.flush(FLUSH_WAIT_SECONDS):
            if self.stop.is_set():
                raise DeliveryFailed(f"{context}: stopping with deliveries unconfirmed")
            logger.warning("relay: %s waiting for the broker to confirm deliveries", context)
        if deliveries.errors or deliveries.confirmed != len(notifications):
            if any(error.fatal() for error in deliveries.errors):
                self._reset_producer()
            self._topics_ready = False  # a restarted broker may have lost them
            reason = deliveries.errors[0].str() if deliveries.errors else "unconfirmed deliveries"
            raise DeliveryFailed(f"{context}: {reason}")
        ProjectionPosition.objects.filter(follower=RELAY_FOLLOWER, source=context, position=start).update(
            position=notifications[-1].id
        )
        return len(notifications)

    def catch_up(self) -> int:
        if not self._topics_ready:
            self.ensure_topics()
        total = 0
        while not self.stop.is_set():
            sent = sum(self.relay_batch(context) for context in self.contexts)
            total += sent
            if sent == 0:
                break
        return total

    def run_forever(self, poll_seconds: float = 1.0) -> None:
        """Relay until `stop` is set; survives the broker going away, retrying with backoff."""
        backoff = 0.5
        follower = Follower(RELAY_FOLLOWER, self.contexts, self.stop)
        try:
            with follower:
                logger.info("relay running to %s", self.bootstrap_servers)
                while not self.stop.is_set():
                    try:
                        sent = self.catch_up()
                        backoff = 0.5
                    except Exception as error:
                        logger.warning("relay: %s; retrying in %.1fs", error, backoff)
                        close_old_connections()
                        self.stop.wait(backoff)
                        backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
                        continue
                    if sent == 0:
                        follower.wait(poll_seconds)
        except FollowerAlreadyRunning:
            if not self.stop.is_set():
                raise
        finally:
            if self._producer is not None:
                self._producer.flush(5)
            connection.close()
