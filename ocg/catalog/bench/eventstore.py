"""Event store write throughput: 1-event catalog commands against raw INSERTs of the same rows.

The command is a price change: it reads its product (one or two events) and saves exactly one event.
(Creating a product saves two, the product and its slug's index.) Each thread changes the prices of
its own products, taking them in turn, so commands never conflict and no product's history grows
long. The raw side inserts rows of the same topic and size, without reading. Both sides run on 4
threads in alternating rounds of equal length, so background load on the machine weighs on both
alike and the ratio compares like with like.
"""

from __future__ import annotations

import os
import uuid
from decimal import Decimal

import psycopg

from ocg.catalog.bench.backlog import write_products
from ocg.spine.bench.common import reset, run_threads, say
from ocg.spine.domain.money import Money
from ocg.spine.eventstore import applications, events_table, postgres_conninfo

THREADS = 4
RAW_TABLE = "public.bench_raw_events"


def create_raw_table(source_table: str) -> None:
    """A same-shaped table (columns, primary key, unique notification_id index) with its own sequence."""
    with psycopg.connect(postgres_conninfo("ocg-bench"), autocommit=True) as connection:
        connection.execute(f"DROP TABLE IF EXISTS {RAW_TABLE}")
        connection.execute(f"CREATE TABLE {RAW_TABLE} (LIKE {source_table} INCLUDING ALL EXCLUDING DEFAULTS)")
        connection.execute(f"CREATE SEQUENCE {RAW_TABLE}_seq OWNED BY {RAW_TABLE}.notification_id")
        connection.execute(f"ALTER TABLE {RAW_TABLE} ALTER notification_id SET DEFAULT nextval('{RAW_TABLE}_seq')")


def real_event_shape(source_table: str) -> tuple[str, int]:
    """The topic and state size of a real Product.PriceChanged event, for the raw rows to copy."""
    [sample] = write_products(1, "Shape sample")
    applications.get("catalog").change_price(
        sample, Money(Decimal("120.00"), "EUR"), actor_id=None, acting_designer_id=None
    )
    with psycopg.connect(postgres_conninfo("ocg-bench")) as connection:
        topic, size = connection.execute(
            f"SELECT topic, octet_length(state) FROM {source_table} ORDER BY notification_id DESC LIMIT 1"
        ).fetchone()
    return topic, size


class PriceChanges:
    """Each thread's products, changed in turn; every pass over them sets a new price, so each call saves one event."""

    def __init__(self, per_thread: int) -> None:
        self.catalog = applications.get("catalog")
        self.products = [write_products(per_thread, f"Bench piece {index}") for index in range(THREADS)]
        self.calls = [0] * THREADS

    def command(self, index: int) -> None:
        products = self.products[index]
        number = self.calls[index]
        self.calls[index] += 1
        price = Money(Decimal(121 + number // len(products)), "EUR")  # created at 250.00
        self.catalog.change_price(products[number % len(products)], price, actor_id=None, acting_designer_id=None)


class RawWriter:
    """One connection per thread, autocommit: one row per transaction, as the event store commits."""

    def __init__(self, topic: str, state_size: int) -> None:
        self.topic = topic
        self.state = os.urandom(state_size)
        self.connections = [psycopg.connect(postgres_conninfo("ocg-bench"), autocommit=True) for _ in range(THREADS)]
        self.statement = (
            f"INSERT INTO {RAW_TABLE} (originator_id, originator_version, topic, state) "
            "VALUES (%s, 1, %s, %s) RETURNING notification_id"
        )

    def insert(self, index: int) -> None:
        self.connections[index].execute(self.statement, (uuid.uuid4(), self.topic, self.state), prepare=True).fetchone()

    def close(self) -> None:
        for connection in self.connections:
            connection.close()


def run(quick: bool) -> dict[str, float]:
    seconds = 3.0 if quick else 10.0
    rounds = 3 if quick else 5
    reset("catalog")
    source_table = events_table(applications.get("catalog"))
    create_raw_table(source_table)
    topic, state_size = real_event_shape(source_table)
    command = PriceChanges(per_thread=1_000 if quick else 3_000).command
    say("products to change written")

    raw = RawWriter(topic, state_size)
    try:
        run_threads(THREADS, 0.5, command)
        run_threads(THREADS, 0.5, raw.insert)
        command_rates, raw_rates = [], []
        for number in range(1, rounds + 1):
            command_rates.append(run_threads(THREADS, seconds / rounds, command))
            raw_rates.append(run_threads(THREADS, seconds / rounds, raw.insert))
            say(f"round {number}/{rounds}: commands {command_rates[-1]:,.0f}/s, raw inserts {raw_rates[-1]:,.0f}/s")
    finally:
        raw.close()
    commands_per_s = sum(command_rates) / rounds
    raw_inserts_per_s = sum(raw_rates) / rounds
    return {
        "commands_per_s": round(commands_per_s, 1),
        "raw_inserts_per_s": round(raw_inserts_per_s, 1),
        "ratio": round(commands_per_s / raw_inserts_per_s, 3),
    }
