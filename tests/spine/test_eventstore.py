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
