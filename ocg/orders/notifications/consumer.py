"""The notification worker: a Kafka consumer group recording mails, and a sender delivering them.

Two loops in one process, so a slow or absent mail server never holds up the consumer group (a
member that stops polling for `max.poll.interval.ms` is dropped from it), and a backlog of Kafka
messages never delays mails already recorded:
- the consumer thread polls `ocg.orders.v1` and `ocg.catalog.v1`; each envelope's mails are
  recorded in the transaction that records its id (handle_once), and the offset is committed after;
- the sender thread delivers due mails (delivery.py), woken by the consumer when it records some.

A failure to record (say the database is away) is retried by the consumer: the message is not
committed and is fetched again after a backoff. A failure to send is retried by the sender from
the table; the Kafka message was settled once its mails were recorded, so no mailbox can hold a
partition. Both loops record a FollowerStall row (`notifications`, `notifications:mail`) while
they fail, which /readyz shows.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from confluent_kafka import KafkaException
from django.db import close_old_connections, connections

from ocg.orders.notifications.delivery import DeliveryReport, SmtpUnavailable, deliver_due
from ocg.orders.notifications.handlers import TOPICS, handle
from ocg.spine.consumer import EventConsumer
from ocg.spine.errors import error_text
from ocg.spine.follow import FIRST_BACKOFF_SECONDS, MAX_BACKOFF_SECONDS, StallRecord

logger = logging.getLogger(__name__)

CONSUMER_NAME = "notifications"
# A fast first join on Tansu (~3 s instead of ~23 s); the consumer thread polls every second.
GROUP_OPTIONS = {"session.timeout.ms": 6000, "max.poll.interval.ms": 10000}
IDLE_SECONDS = 1.0


class Backoff:
    def __init__(self) -> None:
        self.seconds = 0.0

    def next(self) -> float:
        self.seconds = min(max(self.seconds * 2, FIRST_BACKOFF_SECONDS), MAX_BACKOFF_SECONDS)
        return self.seconds

    def reset(self) -> None:
        self.seconds = 0.0


class NotificationConsumer:
    """Consumes the order and stock topics; `poll` handles one message, `run_forever` runs both loops."""

    def __init__(
        self,
        bootstrap_servers: str,
        *,
        name: str = CONSUMER_NAME,
        stop: threading.Event | None = None,
        **kafka_options: Any,
    ) -> None:
        self.name = name
        self.bootstrap_servers = bootstrap_servers
        self.kafka_options = {**GROUP_OPTIONS, **kafka_options}
        self.stop = stop or threading.Event()
        self.recorded = threading.Event()
        self.sender = Sender(f"{name}:mail", self.stop, self.recorded)
        self.events = self._consumer()

    def _consumer(self) -> EventConsumer:
        return EventConsumer(self.name, self.bootstrap_servers, TOPICS, handle, **self.kafka_options)

    def poll(self, timeout: float = IDLE_SECONDS) -> bool | None:
        """Handle at most one message (see EventConsumer.poll); wakes the sender when it was new."""
        handled = self.events.poll(timeout)
        if handled:
            self.recorded.set()
        return handled

    def run_forever(self) -> None:
        """Until `stop` is set; the sender runs in a thread of its own beside the consumer."""
        thread = threading.Thread(target=self.sender.run_forever, name=f"{self.name}-mail", daemon=True)
        thread.start()
        stall = StallRecord(self.name)
        backoff = Backoff()
        logger.info("%s: consuming %s from %s", self.name, ", ".join(TOPICS), self.bootstrap_servers)
        try:
            while not self.stop.is_set():
                try:
                    handled = self.poll()
                except KafkaException as error:
                    if not error.args[0].fatal():
                        raise
                    logger.error("%s: the Kafka consumer failed for good, starting a new one: %s", self.name, error)
                    self._replace_consumer()
                    self.stop.wait(backoff.next())
                except Exception as error:
                    logger.error("%s: could not handle a message, retrying: %s", self.name, error_text(error))
                    stall.stalled(error)
                    close_old_connections()
                    self.stop.wait(backoff.next())
                else:
                    if handled is not None:
                        stall.moved_on()
                        backoff.reset()
        finally:
            self.stop.set()
            thread.join(timeout=60)
            self.close()
            connections.close_all()

    def _replace_consumer(self) -> None:
        try:
            self.events.close()
        except KafkaException as error:
            logger.warning("%s: closing the failed consumer: %s", self.name, error)
        self.events = self._consumer()

    def close(self) -> None:
        self.events.close()


class Sender:
    """Delivers due mails; pauses with growing backoff while the mail server is unavailable."""

    def __init__(self, name: str, stop: threading.Event, wake: threading.Event) -> None:
        self.name = name
        self.stop = stop
        self.wake = wake

    def run_forever(self) -> None:
        stall = StallRecord(self.name)
        backoff = Backoff()
        try:
            while not self.stop.is_set():
                self.wake.clear()
                try:
                    report = deliver_due()
                except SmtpUnavailable as error:
                    pause = backoff.next()
                    logger.warning("%s: the mail server is unavailable, pausing %.1fs: %s", self.name, pause, error)
                    stall.stalled(error)
                    self.stop.wait(pause)
                    continue
                except Exception as error:
                    pause = backoff.next()
                    logger.error("%s: delivery failed, pausing %.1fs: %s", self.name, pause, error_text(error))
                    stall.stalled(error)
                    close_old_connections()
                    self.stop.wait(pause)
                    continue
                backoff.reset()
                if report.sent:
                    stall.moved_on()
                if not busy(report):
                    self.wake.wait(IDLE_SECONDS)
        finally:
            connections.close_all()


def busy(report: DeliveryReport) -> bool:
    """A pass that settled mails may have stopped at its time limit: start the next one at once."""
    return bool(report.sent or report.retrying or report.failed)
