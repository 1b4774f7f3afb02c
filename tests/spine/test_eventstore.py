"""The event store on PostgreSQL: one table per context, bounded retries of conflicting commands."""

from decimal import Decimal

import pytest

from ocg.spine.errors import ConcurrencyConflict, http_status
from ocg.spine.eventstore import command, events_table, written_positions


def test_each_context_writes_its_own_events_table(event_store):
    tables = {name: events_table(application) for name, application in event_store.items()}
    assert tables["catalog"] == "catalog.catalog_events"
    assert len(set(tables.values())) == len(tables)


def test_a_command_that_lost_a_race_is_retried_and_then_succeeds(catalog):
    product_id = catalog.create_product("Coat", Decimal("10.00"), "EUR")
    stale = catalog.repository.get(product_id)
    catalog.rename_product(product_id, "Changed meanwhile")
    attempts = []

    @command
    def rename(product_id, name):
        attempts.append(name)
        product = stale if len(attempts) == 1 else catalog.repository.get(product_id)
        product.rename(name)
        catalog.save(product)

    rename(product_id, "Final")

    assert len(attempts) == 2
    assert catalog.repository.get(product_id).name == "Final"
    assert catalog.repository.get(product_id).version == 3


def test_a_command_that_keeps_conflicting_gives_up_with_a_clear_conflict(catalog, settings):
    product_id = catalog.create_product("Coat", Decimal("10.00"), "EUR")
    catalog.rename_product(product_id, "Changed meanwhile")
    attempts = []

    @command
    def rename_stale():
        attempts.append(1)
        stale = catalog.repository.get(product_id, version=1)
        stale.rename(f"Attempt {len(attempts)}")
        catalog.save(stale)

    with pytest.raises(ConcurrencyConflict) as raised:
        rename_stale()

    assert len(attempts) == settings.EVENT_STORE["CONFLICT_RETRIES"] + 1
    assert raised.value.code == "conflict" and http_status(raised.value) == 409
    assert catalog.repository.get(product_id).name == "Changed meanwhile"


def test_commands_record_the_position_they_wrote_for_read_your_writes(catalog):
    catalog.create_product("Coat", Decimal("10.00"), "EUR")
    catalog.create_product("Dress", Decimal("10.00"), "EUR")
    assert written_positions()["catalog"] == 2


def test_an_insert_waits_for_any_earlier_uncommitted_insert_so_ids_commit_in_order(catalog):
    """A follower reads "everything after my position": an id that commits late would be skipped for good."""
    import threading
    import time
    import uuid

    import psycopg

    from ocg.spine.eventstore import postgres_conninfo

    table = events_table(catalog)
    with psycopg.connect(postgres_conninfo()) as in_flight:
        in_flight.execute(
            f"INSERT INTO {table} (originator_id, originator_version, topic, state) VALUES (%s, 1, 'x', '')",
            (uuid.uuid4(),),
        )
        writer = threading.Thread(target=catalog.create_product, args=("Coat", Decimal("10.00"), "EUR"))
        writer.start()
        waiting = False
        deadline = time.monotonic() + 10
        while not waiting and time.monotonic() < deadline and writer.is_alive():
            with psycopg.connect(postgres_conninfo()) as observer:
                waiting = observer.execute(
                    "SELECT count(*) > 0 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE %s",
                    ("%insert_events%",),
                ).fetchone()[0]
            time.sleep(0.05)
        in_flight.rollback()
    writer.join(timeout=10)
    assert waiting, "the command's insert did not wait for the earlier uncommitted insert"
    assert catalog.recorder.max_notification_id() == 2


def test_a_projection_misses_nothing_while_several_writers_commit_concurrently(catalog, run_projection):
    import threading
    import time

    from ocg.catalog.models import ProductView

    run_projection("catalog_products")

    def write(worker: int) -> None:
        for number in range(150):
            catalog.create_product(f"Piece {worker}-{number}", Decimal("10.00"), "EUR")

    writers = [threading.Thread(target=write, args=(worker,)) for worker in range(4)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    deadline = time.monotonic() + 30
    while ProductView.objects.count() < 600 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert ProductView.objects.count() == 600


def test_a_forked_child_builds_its_own_applications_and_leaves_the_parents_alone(catalog):
    import os

    from ocg.spine.eventstore import applications

    catalog.create_product("Coat", Decimal("10.00"), "EUR")
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        try:
            own = applications.get("catalog")
            own.create_product("Dress", Decimal("10.00"), "EUR")
            os.write(write, b"fresh" if own is not catalog else b"inherited")
        finally:
            os._exit(0)
    os.close(write)
    answer = os.read(read, 16)
    os.waitpid(child, 0)
    assert answer == b"fresh"
    catalog.create_product("Skirt", Decimal("10.00"), "EUR")
    assert catalog.recorder.max_notification_id() == 3
