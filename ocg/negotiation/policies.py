"""The negotiation's answer to the orders: a negotiation whose order moved on (cancelled, expired, paid) ends.

An order leaves the states where its price may change by being cancelled (by a party, or when its payment window
passed before the negotiation reached it) or paid (before the orders side put it in negotiation). Its open
negotiation is then closed as abandoned, by the system, so nobody agrees a price no order will take.

The negotiation context's process application: it follows the orders and writes only negotiation events, each
in the same transaction as the position of the order event it answers.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.application import AggregateNotFoundError, ProcessingEvent
from eventsourcing.dispatch import singledispatchmethod

from ocg.negotiation.domain import Negotiation, negotiation_id
from ocg.orders.domain import Order
from ocg.spine.policies import ContextPolicy

ORDER_MOVED_ON = (Order.Cancelled, Order.Expired, Order.Paid)


class NegotiationPolicy(ContextPolicy):
    name = "negotiation"
    follows = ("orders",)
    reacts_to = ORDER_MOVED_ON

    def prefetch(self, domain_event: Any) -> list[Any]:
        return [negotiation_id(domain_event.originator_id)] if isinstance(domain_event, self.reacts_to) else []

    @singledispatchmethod
    def policy(self, domain_event: Any, processing_event: ProcessingEvent) -> None:
        """Other order events leave the negotiation as it is."""

    @policy.register
    def _(self, domain_event: Order.Cancelled, processing_event: ProcessingEvent) -> None:
        self._end(domain_event, processing_event)

    @policy.register
    def _(self, domain_event: Order.Expired, processing_event: ProcessingEvent) -> None:
        self._end(domain_event, processing_event)

    @policy.register
    def _(self, domain_event: Order.Paid, processing_event: ProcessingEvent) -> None:
        self._end(domain_event, processing_event)

    def _end(self, domain_event: Any, processing_event: ProcessingEvent) -> None:
        try:
            negotiation = self.repository.get(negotiation_id(domain_event.originator_id))
        except AggregateNotFoundError:
            return
        if isinstance(negotiation, Negotiation) and negotiation.end(actor_id=None):
            processing_event.collect_events(negotiation)
