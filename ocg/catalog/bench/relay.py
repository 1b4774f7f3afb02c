"""Relay throughput: a catalog backlog republished to Kafka, then read back to check it all arrived.

The topic is created before the clock starts, so the figure is the relay's steady rate. The check
counts only the envelope ids this run wrote, so it also holds on a shared broker given through
KAFKA_BOOTSTRAP_SERVERS whose topic already has messages. (Tansu 0.6 reports a high watermark of
1 on a filled partition, so starting from the offsets a topic had before is not an option.)
"""

from __future__ import annotations

import time
import uuid

from confluent_kafka import Consumer

from ocg.catalog.bench.backlog import write_backlog
from ocg.spine.bench.common import kafka_bootstrap, reset, say
from ocg.spine.envelope import decode, event_id, topic_for
from ocg.spine.eventstore import applications, events_table
from ocg.spine.relay import Relay

IDLE_SECONDS = 15.0


def consumer(bootstrap: str) -> Consumer:
    return Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"ocg-bench-{uuid.uuid4()}",
            "session.timeout.ms": 6000,
            "max.poll.interval.ms": 10000,
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )


def read_back(bootstrap: str, wanted: set[str]) -> tuple[int, set[str]]:
    """Read the topic from the start in a new consumer group, until every wanted id arrived or it goes quiet.

    Returns how many messages carried a wanted id (a redelivery counts twice) and which ids came.
    Messages of earlier runs on a shared broker carry other ids and are passed over.
    """
    reader = consumer(bootstrap)
    reader.subscribe([topic_for("catalog")])
    consumed = 0
    seen: set[str] = set()
    quiet_since = time.monotonic()
    try:
        while seen != wanted and time.monotonic() - quiet_since < IDLE_SECONDS:
            messages = reader.consume(num_messages=10_000, timeout=1.0)
            for message in messages:
                if message.error() is None:
                    event = decode(message.value())["id"]
                    if event in wanted:
                        consumed += 1
                        seen.add(event)
            if messages:
                quiet_since = time.monotonic()
    finally:
        reader.close()
    return consumed, seen


def expected_ids() -> set[str]:
    catalog = applications.get("catalog")
    with catalog.recorder.datastore.get_connection() as connection:
        rows = connection.execute(f"SELECT originator_id, originator_version FROM {events_table(catalog)}").fetchall()
    return {str(event_id("catalog", row["originator_id"], row["originator_version"])) for row in rows}


def timed_catch_up(bootstrap: str) -> tuple[int, float]:
    """The relay (and its producer) ends with this call, before the broker does."""
    relay = Relay(bootstrap, contexts=["catalog"])
    relay.ensure_topics()
    started = time.perf_counter()
    sent = relay.catch_up()
    return sent, time.perf_counter() - started


def run(quick: bool) -> dict[str, float]:
    backlog = 20_000 if quick else 100_000
    reset("catalog")
    write_backlog(backlog)
    say(f"backlog of {backlog} events written")
    wanted = expected_ids()
    with kafka_bootstrap() as bootstrap:
        sent, seconds = timed_catch_up(bootstrap)
        say(f"relayed {sent} events in {seconds:.2f}s; reading them back")
        consumed, seen = read_back(bootstrap, wanted)
    if sent != backlog:
        raise RuntimeError(f"the relay sent {sent} events, expected {backlog}")
    if seen != wanted:
        raise RuntimeError(f"{len(wanted - seen)} of {backlog} events never reached the topic")
    return {
        "events": sent,
        "seconds": round(seconds, 3),
        "events_per_s": round(sent / seconds, 1),
        "consumed": consumed,
    }
