"""The catalog's inventory commands: stock received, adjusted and given a threshold by its designer or staff,
and reservations made, released and committed for orders (by the inventory policy, ocg/catalog/policies.py).

A mixin of CatalogApplication, kept apart because stock has its own load path: Stock aggregates are read from
snapshots, every other catalog aggregate from its events alone.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, ProcessingEvent, Repository
from eventsourcing.domain import Snapshot
from eventsourcing.persistence import IntegrityError

from ocg.catalog.domain import InvalidStock, Stock, StockNotFound, reserve_lines, stock_id
from ocg.spine.eventstore import command

# A SKU gains an event with each reservation, release and sale: a popular one runs to thousands. Every
# STOCK_SNAPSHOT_INTERVAL-th event of a Stock, its state is kept as a snapshot, so a load reads the
# latest snapshot and the events after it instead of replaying them all.
STOCK_SNAPSHOT_INTERVAL = 100

# Reservations race for the same few aggregates (the last units of a popular SKU): each loser re-reads
# and either fits or is refused with out_of_stock, so they may retry far more than other commands.
RESERVATION_RETRIES = 50


class StockSnapshots:
    """Snapshots of Stock aggregates, for the catalog's command and process applications (they share the
    table). Only Stock loads look for a snapshot: every other aggregate is read from its events alone, in
    one query, as before."""

    snapshotting_intervals: ClassVar[dict[type, int]] = {Stock: STOCK_SNAPSHOT_INTERVAL}
    snapshots: Any
    stock_repository: Repository

    def construct_repository(self) -> Repository:
        self.stock_repository = super().construct_repository()  # type: ignore[misc]
        snapshots, self.snapshots = self.snapshots, None
        try:
            return super().construct_repository()  # type: ignore[misc]
        finally:
            self.snapshots = snapshots

    def _take_snapshots(self, processing_event: ProcessingEvent) -> None:
        """From the stock as just saved, not read again; a snapshot another process took first stays."""
        for aggregate_id, aggregate in processing_event.aggregates.items():
            if isinstance(aggregate, Stock) and any(
                event.originator_id == aggregate_id and event.originator_version % STOCK_SNAPSHOT_INTERVAL == 0
                for event in processing_event.events
            ):
                with contextlib.suppress(IntegrityError):
                    self.snapshots.put([Snapshot.take(aggregate)])


class InventoryCommands(StockSnapshots):
    """Needs the application's `_product` (a stock's owner is its product's designer) and `save`."""

    @command
    def receive_stock(self, sku: str, quantity: int, *, actor_id: UUID | None, acting_designer_id: UUID | None) -> None:
        stock = self._owned_stock(sku, acting_designer_id)
        stock.receive(quantity, actor_id)
        self.save(stock)

    @command
    def adjust_stock(
        self, sku: str, delta: int, reason: str, *, actor_id: UUID | None, acting_designer_id: UUID | None
    ) -> None:
        stock = self._owned_stock(sku, acting_designer_id)
        stock.adjust(delta, reason, actor_id)
        self.save(stock)

    @command
    def set_low_stock_threshold(
        self, sku: str, threshold: int, *, actor_id: UUID | None, acting_designer_id: UUID | None
    ) -> None:
        stock = self._owned_stock(sku, acting_designer_id)
        stock.set_threshold(threshold, actor_id)
        self.save(stock)

    @command(retries=RESERVATION_RETRIES)
    def reserve_stock(self, order_id: UUID, lines: dict[str, int], expires_at: datetime) -> bool:
        """All or nothing: every SKU's units are held for the order in ONE save, or none are and
        OutOfStock lists each SKU that was short. Repeating it for the same order changes nothing (False)."""
        if not lines:
            raise InvalidStock("A reservation needs at least one line.", field="lines")
        lines = {sku.strip().upper(): quantity for sku, quantity in lines.items()}
        stocks = {sku: self._stock_or_none(sku) for sku in lines}
        changed = reserve_lines(stocks, order_id, lines, expires_at)
        if changed:
            self.save(*changed)
        return bool(changed)

    @command(retries=RESERVATION_RETRIES)
    def release_reservation(self, order_id: UUID, skus: Iterable[str], reason: str) -> bool:
        """Gives back whatever the order still holds of these SKUs; False if it held nothing."""
        changed = [stock for stock in self._stocks(skus) if stock.release(order_id, reason)]
        if changed:
            self.save(*changed)
        return bool(changed)

    @command(retries=RESERVATION_RETRIES)
    def commit_reservation(self, order_id: UUID, skus: Iterable[str]) -> bool:
        """The order is paid: its reserved units leave the stock; False if it held nothing."""
        changed = [stock for stock in self._stocks(skus) if stock.commit(order_id)]
        if changed:
            self.save(*changed)
        return bool(changed)

    def stock(self, sku: str) -> Stock:
        stock = self._stock_or_none(sku)
        if stock is None:
            raise StockNotFound(f"No stock for SKU {sku}.", field="sku")
        return stock

    def _stock_or_none(self, sku: str) -> Stock | None:
        try:
            return self.stock_repository.get(stock_id(sku.strip().upper()))
        except AggregateNotFoundError:
            return None

    def _stocks(self, skus: Iterable[str]) -> list[Stock]:
        return [stock for stock in (self._stock_or_none(sku) for sku in sorted(set(skus))) if stock is not None]

    def _owned_stock(self, sku: str, acting_designer_id: UUID | None) -> Stock:
        stock = self.stock(sku)
        self._product(stock.product_id).check_owner(acting_designer_id)
        return stock
