"""The event store on PostgreSQL: one table per context, bounded retries of conflicting commands."""

import pytest

from ocg.catalog.domain import Product
from ocg.spine.errors import ConcurrencyConflict, http_status
from ocg.spine.eventstore import command, events_table, written_positions
from tests.spine.workload import create_product, head, logged, rename_product


def test_each_context_writes_its_own_events_table(event_store):
    tables = {name: events_table(application) for name, application in event_store.items()}
    assert tables["catalog"] == "catalog.catalog_events"
    assert len(set(tables.values())) == len(tables)


def test_a_command_that_lost_a_race_is_retried_and_then_succeeds(catalog):
    product_id = create_product(catalog, "Coat")
    stale = catalog.repository.get(product_id)
    rename_product(catalog, product_id, "Changed meanwhile")
    attempts = []

    @command
    def rename(product_id, name):
        attempts.append(name)
        product = stale if len(attempts) == 1 else catalog.repository.get(product_id)
        product.update_details(None, None, name=name)
        catalog.save(product)

    rename(product_id, "Final")

    assert len(attempts) == 2
    assert catalog.repository.get(product_id).name == "Final"
    assert catalog.repository.get(product_id).version == 3


def test_a_command_that_keeps_conflicting_gives_up_with_a_clear_conflict(catalog, settings):
    product_id = create_product(catalog, "Coat")
    rename_product(catalog, product_id, "Changed meanwhile")
    attempts = []

    @command
    def rename_stale():
        attempts.append(1)
        stale = catalog.repository.get(product_id, version=1)
        stale.update_details(None, None, name=f"Attempt {len(attempts)}")
        catalog.save(stale)

    with pytest.raises(ConcurrencyConflict) as raised:
        rename_stale()

    assert len(attempts) == settings.EVENT_STORE["CONFLICT_RETRIES"] + 1
    assert raised.value.code == "conflict" and http_status(raised.value) == 409
    assert catalog.repository.get(product_id).name == "Changed meanwhile"


def test_commands_record_the_position_they_wrote_for_read_your_writes(catalog):
    create_product(catalog, "Coat")
    first = written_positions()["catalog"]
    assert first == head(catalog)
    create_product(catalog, "Dress")
    assert written_positions()["catalog"] == head(catalog) > first


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
        writer = threading.Thread(target=create_product, args=(catalog, "Coat"))
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
    # The rolled-back row took id 1; the command's events follow it, none before it, none missing.
    positions = [position for position, _ in logged(catalog)]
    assert positions == list(range(2, head(catalog) + 1))
    assert [e.name for _, e in logged(catalog) if isinstance(e, Product.Created)] == ["Coat"]


def test_a_projection_misses_nothing_while_several_writers_commit_concurrently(catalog, run_projection):
    import threading
    import time

    from ocg.catalog.models import ProductView

    run_projection("catalog")

    def write(worker: int) -> None:
        for number in range(150):
            create_product(catalog, f"Piece {worker}-{number}")

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

    create_product(catalog, "Coat")
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        try:
            own = applications.get("catalog")
            create_product(own, "Dress")
            os.write(write, b"fresh" if own is not catalog else b"inherited")
        finally:
            os._exit(0)
    os.close(write)
    answer = os.read(read, 16)
    os.waitpid(child, 0)
    assert answer == b"fresh"
    create_product(catalog, "Skirt")
    created = [e.name for _, e in logged(catalog) if isinstance(e, Product.Created)]
    assert created == ["Coat", "Dress", "Skirt"]
    assert [position for position, _ in logged(catalog)] == list(range(1, head(catalog) + 1))


def test_processes_starting_together_build_their_applications_without_tripping_on_each_other(event_store):
    """Each build creates its schema's tables and functions if missing; PostgreSQL refuses concurrent
    CREATE OR REPLACE FUNCTION of one function, which failed a freshly started server's first request."""
    import threading

    from ocg.spine.eventstore import ApplicationRegistry

    starters = 6
    barrier = threading.Barrier(starters)
    registries = [ApplicationRegistry() for _ in range(starters)]
    failures: list[BaseException] = []

    def start(registry: ApplicationRegistry) -> None:
        barrier.wait()
        try:
            for name in ("orders", "policy:orders", "catalog"):
                registry.get(name)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=start, args=(registry,)) for registry in registries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for registry in registries:
        registry.close_all()

    assert failures == []
