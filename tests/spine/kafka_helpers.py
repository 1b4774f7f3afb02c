"""Reading a topic back with a real consumer group, bounded by marker messages rather than by time.

Tansu's high watermarks are not reliable (it reports one past the last batch, not the last
message), so "everything up to now" is marked by producing a marker into every partition and
reading until each marker comes back.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient, NewTopic

from ocg.spine.envelope import decode

MARKER = b"ocg-test-marker"
# Without these a consumer group's first join waits ~23 s on Tansu; with them ~3 s.
GROUP_OPTIONS = {"session.timeout.ms": 6000, "max.poll.interval.ms": 10000}


@dataclass(frozen=True)
class Record:
    partition: int
    offset: int
    key: bytes | None
    envelope: dict[str, Any]


def wait_until(condition: Callable[[], object], timeout: float, what: str, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def create_topic(bootstrap_servers: str, topic: str, partitions: int = 1) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap_servers})
    for future in admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)]).values():
        future.result(timeout=15)


def partition_count(bootstrap_servers: str, topic: str) -> int:
    return len(AdminClient({"bootstrap.servers": bootstrap_servers}).list_topics(timeout=10).topics[topic].partitions)


def produce(bootstrap_servers: str, topic: str, values: Iterable[bytes | None], key: bytes = b"k") -> None:
    """Produce in order to partition 0 and return once the broker confirmed every message."""
    producer = Producer({"bootstrap.servers": bootstrap_servers, "enable.idempotence": True})
    errors: list[object] = []
    for value in values:
        producer.produce(topic, value=value, key=key, partition=0, on_delivery=lambda e, _m: e and errors.append(e))
    assert producer.flush(15) == 0, "deliveries unconfirmed"
    assert not errors, errors


def mark(bootstrap_servers: str, topic: str) -> dict[int, int]:
    """Produce a marker into every partition of `topic`; return each marker's offset ({} if no topic yet)."""
    metadata = AdminClient({"bootstrap.servers": bootstrap_servers}).list_topics(timeout=10)
    if topic not in metadata.topics:
        return {}
    producer = Producer({"bootstrap.servers": bootstrap_servers})
    offsets: dict[int, int] = {}

    def delivered(error, message) -> None:
        if error is None:
            offsets[message.partition()] = message.offset()

    for partition in metadata.topics[topic].partitions:
        producer.produce(topic, value=MARKER, partition=partition, on_delivery=delivered)
    assert producer.flush(15) == 0, "markers unconfirmed"
    assert set(offsets) == set(metadata.topics[topic].partitions), offsets
    return offsets


def read_between(
    bootstrap_servers: str, topic: str, start: dict[int, int], end: dict[int, int], timeout: float = 60.0
) -> list[Record]:
    """Every envelope after the `start` markers and before the `end` markers, in partition order."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap_servers,
            "group.id": f"test-reader-{uuid.uuid4().hex}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
            **GROUP_OPTIONS,
        }
    )
    consumer.subscribe([topic])
    records: list[Record] = []
    reached: set[int] = set()
    deadline = time.monotonic() + timeout
    try:
        while reached != set(end):
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"read {len(records)} records in {timeout}s; end markers seen in {sorted(reached)} of {sorted(end)}"
                )
            message = consumer.poll(0.5)
            if message is None or message.error():
                continue
            partition, offset = message.partition(), message.offset()
            if offset == end.get(partition):
                reached.add(partition)
            elif start.get(partition, -1) < offset < end.get(partition, -1):
                records.append(Record(partition, offset, message.key(), decode(message.value())))
    finally:
        consumer.close()
    return records


def first_occurrence_versions(records: list[Record]) -> dict[str, list[int]]:
    """Each aggregate's versions in the order they first arrived (redeliveries ignored)."""
    seen: set[str] = set()
    versions: dict[str, list[int]] = {}
    for record in records:
        if record.envelope["id"] not in seen:
            seen.add(record.envelope["id"])
            versions.setdefault(record.envelope["subject"], []).append(record.envelope["aggregateversion"])
    return versions
