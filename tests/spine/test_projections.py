"""Projections on PostgreSQL: exactly-once under crashes, identical rebuilds, one copy at a time."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from ocg.catalog.models import ProductView
from ocg.catalog.projections import CatalogProjection
from ocg.spine.follow import FollowerAlreadyRunning
from ocg.spine.models import ProjectionPosition
from ocg.spine.projections import ProjectionRunner, rebuild
from tests.spine.workload import create_product, head, rename_product

# Everything a product row shows, except `revision` (see test_rebuild_gives_the_identical_read_model).
SNAPSHOT_FIELDS = [f.name for f in ProductView._meta.concrete_fields if f.name != "revision"]


def create_products(catalog, count: int) -> list:
    return [create_product(catalog, f"Piece {i}", Decimal("100.00") + i) for i in range(count)]


def position() -> int:
    return ProjectionPosition.objects.get(follower=CatalogProjection.name, source="catalog").position


def snapshot() -> list[tuple]:
    return list(ProductView.objects.order_by("id").values_list(*SNAPSHOT_FIELDS))


class CrashingOnce(CatalogProjection):
    """Writes the read model, then dies before the position is recorded: once."""

    def __init__(self):
        self.crashed = False

    def handle(self, events):
        super().handle(events)
        if not self.crashed:
            self.crashed = True
            raise RuntimeError("crash between read-model write and position")


def test_catch_up_projects_created_and_renamed(catalog):
    [first, second] = create_products(catalog, 2)
    rename_product(catalog, first, "Renamed")
    assert ProjectionRunner(CatalogProjection()).catch_up() == head(catalog)
    assert ProductView.objects.get(id=first).name == "Renamed"
    assert ProductView.objects.get(id=first).version == 2
    assert ProductView.objects.get(id=second).name == "Piece 1"
    assert position() == head(catalog)


def test_a_crash_inside_the_transaction_leaves_nothing_and_the_retry_applies_once(catalog):
    """The crashed batch rolls back whole; it is then applied again event by event, each once."""
    ids = create_products(catalog, 5)
    rename_product(catalog, ids[0], "Renamed once")
    end = head(catalog)
    assert end % 4, "the last batch is a short one"
    committed: list[int] = []
    runner = ProjectionRunner(CrashingOnce(), batch_size=4, on_batch=lambda _source, end: committed.append(end))
    assert runner.catch_up() == end
    assert runner.projection.crashed
    # The first batch crashed: it is redone one event at a time, then whole batches again.
    assert committed == [1, 2, 3, 4, *range(8, end, 4), end]
    assert ProductView.objects.count() == 5
    assert ProductView.objects.get(id=ids[0]).version == 2
    assert ProductView.objects.get(id=ids[0]).name == "Renamed once"
    assert position() == end


def test_events_the_projection_ignores_still_advance_its_position(catalog):
    create_products(catalog, 1)

    class IgnoresEverything(CatalogProjection):
        def handle(self, events):
            pass

    ProjectionRunner(IgnoresEverything()).catch_up()
    assert position() == head(catalog)
    assert ProductView.objects.count() == 0


def test_rebuild_gives_the_identical_read_model(catalog):
    ids = create_products(catalog, 30)
    for product_id in ids[::3]:
        rename_product(catalog, product_id, "Second name")
    ProjectionRunner(CatalogProjection(), batch_size=7).catch_up()
    before = snapshot()
    ProductView.objects.filter(id__in=ids[:5]).update(name="corrupted")

    replayed = rebuild(CatalogProjection())

    assert replayed == head(catalog)
    assert snapshot() == before
    assert ProductView.objects.filter(name="Second name").count() == 10
    assert position() == head(catalog)


def test_rebuild_refuses_while_the_projection_runs_elsewhere(catalog, run_projection):
    create_products(catalog, 1)
    run_projection(CatalogProjection.name)
    with pytest.raises(FollowerAlreadyRunning):
        for _ in range(50):  # the runner takes its lock as it starts
            rebuild(CatalogProjection())
            threading.Event().wait(0.05)


def test_two_runners_never_apply_the_same_event_twice(catalog):
    applied: list = []
    lock = threading.Lock()

    class Counting(CatalogProjection):
        def handle(self, events):
            super().handle(events)
            with lock:
                applied.extend((e.originator_id, e.originator_version) for e in events)

    stop = threading.Event()
    runners = [ProjectionRunner(Counting(), batch_size=10, stop=stop) for _ in range(2)]
    threads = [threading.Thread(target=r.run_forever, kwargs={"poll_seconds": 0.05}) for r in runners]
    for thread in threads:
        thread.start()
    ids = create_products(catalog, 150)
    end = head(catalog)
    deadline = threading.Event()
    for _ in range(200):
        if ProjectionPosition.objects.filter(follower=Counting.name, position__gte=end).exists():
            break
        deadline.wait(0.05)
    stop.set()
    for thread in threads:
        thread.join(timeout=10)

    assert len(applied) == end
    assert len(set(applied)) == end
    assert ProductView.objects.count() == len(ids)


def test_concurrent_catch_up_without_the_lock_still_applies_each_event_once(catalog):
    """The position row is locked and checked in the transaction, whatever the lock does."""
    applied: list = []
    lock = threading.Lock()

    class Counting(CatalogProjection):
        def handle(self, events):
            super().handle(events)
            with lock:
                applied.extend((e.originator_id, e.originator_version) for e in events)

    create_products(catalog, 200)
    ProjectionPosition.objects.get_or_create(follower=Counting.name, source="catalog")

    def catch_up_and_close():
        try:
            ProjectionRunner(Counting(), batch_size=5).catch_up()
        finally:
            connection.close()

    threads = [threading.Thread(target=catch_up_and_close) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(applied) == len(set(applied)) == head(catalog)
    assert ProductView.objects.count() == 200


def test_rebuild_command_replays_and_reports_progress(catalog, capsys):
    from django.core.management import call_command

    create_products(catalog, 12)
    call_command("rebuild_projection", "catalog")
    captured = capsys.readouterr()
    events = head(catalog)
    assert f"replayed {events} events" in captured.out
    assert f"{events}/{events}" in captured.err
    assert ProductView.objects.count() == 12


def test_rebuild_command_names_the_known_projections_when_given_a_wrong_one(event_store):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match=r"No projection named 'nope'; known: catalog\b"):
        call_command("rebuild_projection", "nope")
