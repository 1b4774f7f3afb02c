"""The stock saga survives SIGKILL at its worst moments: each event takes effect exactly once.

The followers run as `manage.py run_projections` in a real process. To stop them at a chosen event
rather than sleeping and hoping, the test installs a trigger on an events table that makes the insert
of one aggregate's event wait on an advisory lock the test holds: the policy's transaction holding that
reaction (with the others batched with it) has its tracking row and part of its events written,
uncommitted, when the process is killed.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import psycopg
import pytest
from psycopg import sql

from ocg.catalog.domain import Reservation, Stock, reservation_id, stock_id
from ocg.catalog.models import VariantView
from ocg.orders.models import OrderView
from ocg.spine.eventstore import applications, events_table, postgres_conninfo
from tests.orders.followers import (
    ALL,
    alive,
    head,
    kill,
    sessions_blocked_by,
    settled,
    start_followers,
    stop,
    terminate,
    tracked,
    wait_until,
)
from tests.orders.shop import place, project_catalog, published_piece

STOCK = {"SAGA-A": 30, "SAGA-B": 12, "SAGA-C": 60}
# Order i takes the lines of SHAPES[i % 4]: every SKU is fought over, some orders need two.
SHAPES = [{"SAGA-A": 1}, {"SAGA-A": 1, "SAGA-B": 1}, {"SAGA-B": 2, "SAGA-C": 1}, {"SAGA-C": 2, "SAGA-A": 1}]
ORDERS = 120
HOLD_KEY = 7_305_117_001


def expected_outcome(lines: list[dict[str, int]]) -> list[bool]:
    """The inventory policy takes orders in log order, all or nothing: which ones fit."""
    left = dict(STOCK)
    outcome = []
    for wanted in lines:
        fits = all(left[sku] >= quantity for sku, quantity in wanted.items())
        if fits:
            for sku, quantity in wanted.items():
                left[sku] -= quantity
        outcome.append(fits)
    return outcome


@contextmanager
def held_insert(context: str, originator_id: UUID, version: int) -> Iterator[psycopg.Connection]:
    """Inserting this event into the context's log waits until the test lets go (or the writer dies).

    Yields the session holding the lock, so the test can find who waits on it.
    """
    table = events_table(applications.get(context))
    schema, name = table.split(".")
    function = sql.Identifier(schema, f"hold_{name}")
    trigger = sql.Identifier(f"hold_{name}")
    target = sql.Identifier(schema, name)
    holder = psycopg.connect(postgres_conninfo("saga-crash-hold"), autocommit=True)
    holder.execute("SELECT pg_advisory_lock(%s)", (HOLD_KEY,))
    holder.execute(
        sql.SQL(
            "CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF NEW.originator_id = {originator} AND NEW.originator_version = {version} THEN "
            "PERFORM pg_advisory_xact_lock_shared({key}); END IF; RETURN NEW; END $$"
        ).format(
            function=function,
            originator=sql.Literal(str(originator_id)) + sql.SQL("::uuid"),
            version=sql.Literal(version),
            key=sql.Literal(HOLD_KEY),
        )
    )
    holder.execute(
        sql.SQL("CREATE TRIGGER {trigger} BEFORE INSERT ON {target} FOR EACH ROW EXECUTE FUNCTION {function}()").format(
            trigger=trigger, target=target, function=function
        )
    )
    try:
        yield holder
    finally:
        holder.execute(sql.SQL("DROP TRIGGER IF EXISTS {trigger} ON {target}").format(trigger=trigger, target=target))
        holder.execute(sql.SQL("DROP FUNCTION IF EXISTS {function}()").format(function=function))
        holder.execute("SELECT pg_advisory_unlock(%s)", (HOLD_KEY,))
        holder.close()


def kill_while_held(process, log, holder: psycopg.Connection, ready: Any, what: str) -> None:
    """Wait until the followers are stuck on the held insert (and `ready()`), then SIGKILL them."""
    waiting: list[int] = []

    def stuck() -> bool:
        waiting[:] = sessions_blocked_by(holder.info.backend_pid)
        return alive(process, log) and bool(waiting) and bool(ready())

    wait_until(stuck, 60, what)
    kill(process)
    terminate(waiting)


def logged_events(context: str) -> list[Any]:
    application = applications.get(context)
    notifications = application.recorder.select_notifications(start=0, limit=1_000_000)
    return [application.mapper.to_domain_event(notification) for notification in notifications]


def kinds(events: list[Any], originator_id: UUID) -> Counter:
    return Counter(type(e).__qualname__ for e in events if e.originator_id == originator_id)


@pytest.fixture
def shop(event_store, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    designer = uuid.uuid4()
    for sku, units in STOCK.items():
        published_piece(designer, sku, stock=units)
    project_catalog()


def test_followers_killed_mid_batch_and_between_the_steps_act_on_each_event_once(shop, tmp_path):
    log = tmp_path / "followers.log"
    lines = [SHAPES[index % len(SHAPES)] for index in range(ORDERS)]
    orders = [place(**wanted)[0] for wanted in lines]  # the orders log holds order i's Placed at position i + 1
    fits = expected_outcome(lines)
    assert 0 < sum(fits) < ORDERS

    # 1. The inventory policy dies inside the transaction that holds order 70's reaction (and, batched with it,
    #    those of the orders before it back to its last commit): its tracking row and Stock.Reserved events
    #    written, not committed. The orders policy has caught up with what was committed.
    with held_insert("catalog", reservation_id(orders[69]), 1) as holder:
        first = start_followers(log, *ALL)
        try:
            kill_while_held(
                first,
                log,
                holder,
                lambda: tracked("orders", "catalog") == head("catalog"),
                "the inventory policy to wait on order 70, the orders policy to have answered what it committed",
            )
        finally:
            kill(first)
    reached = tracked("catalog", "orders")
    assert reached < 70
    catalog_events, orders_events = logged_events("catalog"), logged_events("orders")
    answered = [bool(kinds(catalog_events, reservation_id(order_id))) for order_id in orders]
    assert answered == [index < reached for index in range(ORDERS)], "the killed transaction left events behind"
    assert not [e for e in catalog_events if isinstance(e, Stock.Reserved) and e.order_id in orders[reached:]]
    assert [kinds(orders_events, order_id).total() for order_id in orders] == [2] * reached + [1] * (ORDERS - reached)

    # 2. The orders policy dies inside the transaction that holds order 90's answer, once the inventory has
    #    answered every order: the orders after its last commit are reserved (or refused) but still only placed.
    with held_insert("orders", orders[89], 2) as holder:
        second = start_followers(log, *ALL)
        try:
            kill_while_held(
                second,
                log,
                holder,
                lambda: sum(isinstance(e, Reservation.Opened) for e in logged_events("catalog")) == ORDERS,
                "the orders policy to wait on order 90 with every order answered by the inventory",
            )
        finally:
            kill(second)
    orders_events = logged_events("orders")
    decided = [kinds(orders_events, order_id).total() == 2 for order_id in orders]
    confirmed_before = decided.index(False)
    assert reached <= confirmed_before <= 89
    assert decided == [index < confirmed_before for index in range(ORDERS)], "answers commit in the log's order"

    # 3. A clean run finishes the work.
    third = start_followers(log, *ALL)
    try:
        wait_until(lambda: alive(third, log) and settled(), 60, "the followers to act on everything")
    finally:
        stop(third, log)

    orders_events, catalog_events = logged_events("orders"), logged_events("catalog")
    placed = list(zip(orders, lines, fits, strict=True))
    confirmed = {order_id: wanted for order_id, wanted, fitted in placed if fitted}
    for order_id, _, fitted in placed:
        outcome = "Order.Confirmed" if fitted else "Order.Rejected"
        assert kinds(orders_events, order_id) == Counter({"Order.Placed": 1, outcome: 1}), order_id
        answer = "Reservation.Made" if fitted else "Reservation.Refused"
        assert kinds(catalog_events, reservation_id(order_id)) == Counter({"Reservation.Opened": 1, answer: 1})
    reserved = Counter((e.originator_id, e.order_id) for e in catalog_events if isinstance(e, Stock.Reserved))
    assert set(reserved.values()) == {1}, "an order's units were held twice on one SKU"
    skus = {stock_id(sku): sku for sku in STOCK}
    held = {(sku, order_id) for order_id, wanted in confirmed.items() for sku in wanted}
    assert {(skus[stock], order_id) for stock, order_id in reserved} == held, "a confirmed order holds no units"

    rows = dict(OrderView.objects.filter(id__in=orders).values_list("id", "status"))
    assert rows == {order_id: "confirmed" if order_id in confirmed else "rejected" for order_id in orders}
    for sku, units in STOCK.items():
        taken = sum(wanted.get(sku, 0) for wanted in confirmed.values())
        variant = VariantView.objects.get(sku=sku)
        assert (variant.on_hand, variant.reserved, variant.available) == (units, taken, units - taken)
        assert applications.get("catalog").stock(sku).reserved == taken
    assert log.read_text().count("Traceback") == 0, log.read_text()[-3000:]
