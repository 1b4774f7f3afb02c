"""The inventory's answer to orders: hold stock for a placed order, give it back, or sell it.

The catalog's process application. It follows the orders context and writes only catalog events:
for `Order.Placed`, every line's `Stock.Reserved` plus `Reservation.Made` in one transaction, or
`Reservation.Refused` with the short SKUs; for `Order.Cancelled` and `Order.Expired`, the units go
back (`Stock.ReservationReleased`); for `Order.Paid`, they are sold (`Stock.ReservationCommitted`).
Each upstream event is acted on exactly once (its position commits with these events).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from eventsourcing.application import AggregateNotFoundError, ProcessingEvent
from eventsourcing.dispatch import singledispatchmethod

from ocg.catalog.domain import OutOfStock, Reservation, Stock, reservation_id, reserve_lines, stock_id
from ocg.catalog.inventory import StockSnapshots
from ocg.orders.domain import Order
from ocg.spine.policies import ContextPolicy


class InventoryPolicy(StockSnapshots, ContextPolicy):
    name = "catalog"
    follows = ("orders",)
    reacts_to = (Order.Placed, Order.Cancelled, Order.Expired, Order.Paid)

    def prefetch(self, domain_event: Any) -> list[Any]:
        """A placed order's reservation and each line's stock; an order that ends, its reservation."""
        if isinstance(domain_event, Order.Placed):
            order_id = domain_event.originator_id
            return [reservation_id(order_id), *(stock_id(line["sku"]) for line in domain_event.lines)]
        if isinstance(domain_event, Order.Cancelled | Order.Expired | Order.Paid):
            return [reservation_id(domain_event.originator_id)]
        return []

    @singledispatchmethod
    def policy(self, domain_event: Any, processing_event: ProcessingEvent) -> None:
        """Other orders events need nothing from the inventory."""

    @policy.register
    def _(self, domain_event: Order.Placed, processing_event: ProcessingEvent) -> None:
        order_id = domain_event.originator_id
        if self._reservation(order_id) is not None:
            return
        reservation = Reservation.open(order_id)
        lines = {line["sku"]: line["quantity"] for line in domain_event.lines}
        expires_at = domain_event.timestamp + timedelta(seconds=settings.ORDER_PAYMENT_WINDOW_SECONDS)
        try:
            held = reserve_lines({sku: self._stock(sku) for sku in lines}, order_id, lines, expires_at)
        except OutOfStock as refusal:
            reservation.refuse(refusal.short)
            processing_event.collect_events(reservation)
            return
        reservation.hold(lines, expires_at)
        processing_event.collect_events(*held, reservation)

    @policy.register
    def _(self, domain_event: Order.Cancelled, processing_event: ProcessingEvent) -> None:
        self._release(domain_event.originator_id, "cancelled", processing_event)

    @policy.register
    def _(self, domain_event: Order.Expired, processing_event: ProcessingEvent) -> None:
        self._release(domain_event.originator_id, "expired unpaid", processing_event)

    @policy.register
    def _(self, domain_event: Order.Paid, processing_event: ProcessingEvent) -> None:
        reservation = self._reservation(domain_event.originator_id)
        if reservation is None or not reservation.commit():
            return
        sold = [stock for stock in self._stocks(reservation.skus) if stock.commit(reservation.order_id)]
        processing_event.collect_events(*sold, reservation)

    def _release(self, order_id: Any, reason: str, processing_event: ProcessingEvent) -> None:
        """Whatever the order's state said when it ended: the inventory's own record decides."""
        reservation = self._reservation(order_id)
        if reservation is None or not reservation.release(reason):
            return
        released = [stock for stock in self._stocks(reservation.skus) if stock.release(order_id, reason)]
        processing_event.collect_events(*released, reservation)

    def _reservation(self, order_id: Any) -> Reservation | None:
        try:
            return self.repository.get(reservation_id(order_id))
        except AggregateNotFoundError:
            return None

    def _stock(self, sku: str) -> Stock | None:
        try:
            return self.repository.get(stock_id(sku))
        except AggregateNotFoundError:
            return None

    def _stocks(self, skus: list[str]) -> list[Stock]:
        return [stock for stock in (self._stock(sku) for sku in skus) if stock is not None]
