"""The orders' answer to the inventory: a placed order is confirmed when its stock is held, rejected
(with the short SKUs) when it is not.

The orders context's process application. It follows the catalog and writes only orders events,
each in the same transaction as the position of the catalog event it answers.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from eventsourcing.application import AggregateNotFoundError, ProcessingEvent
from eventsourcing.dispatch import singledispatchmethod

from ocg.catalog.domain import Reservation
from ocg.orders.domain import Order
from ocg.spine.policies import ContextPolicy


class OrderPolicy(ContextPolicy):
    name = "orders"
    follows = ("catalog",)
    reacts_to = (Reservation.Made, Reservation.Refused)

    def prefetch(self, domain_event: Any) -> list[Any]:
        return [domain_event.order_id] if isinstance(domain_event, Reservation.Made | Reservation.Refused) else []

    @singledispatchmethod
    def policy(self, domain_event: Any, processing_event: ProcessingEvent) -> None:
        """Other catalog events change no order."""

    @policy.register
    def _(self, domain_event: Reservation.Made, processing_event: ProcessingEvent) -> None:
        order = self._order(domain_event.order_id)
        if order is not None and order.can("confirm"):
            order.confirm(pay_by=domain_event.timestamp + timedelta(seconds=settings.ORDER_PAYMENT_WINDOW_SECONDS))
            processing_event.collect_events(order)

    @policy.register
    def _(self, domain_event: Reservation.Refused, processing_event: ProcessingEvent) -> None:
        order = self._order(domain_event.order_id)
        if order is not None and order.can("reject"):
            order.reject(domain_event.shortages)
            processing_event.collect_events(order)

    def _order(self, order_id: Any) -> Order | None:
        try:
            return self.repository.get(order_id)
        except AggregateNotFoundError:
            return None
