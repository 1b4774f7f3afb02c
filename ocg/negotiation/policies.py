"""The negotiation's answer to the orders: a customer's request for a custom price opens the negotiation once the
order is confirmed; a negotiation whose order moved on (cancelled, expired, paid) ends.

An order placed with `custom_price_requested` is remembered (`CustomPriceRequest.Made`, with its parties and
currency); its `Order.Confirmed` (the stock is held) opens the negotiation as its customer did, and the orders
policy then puts the order in `negotiating`. Only then: a negotiation on an order whose stock was refused would
have nothing to agree on.

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

from ocg.negotiation.domain import (
    CustomPriceRequest,
    Negotiation,
    custom_price_request_id,
    negotiation_id,
    roles,
)
from ocg.orders.domain import Order
from ocg.spine.policies import ContextPolicy

ORDER_MOVED_ON = (Order.Cancelled, Order.Expired, Order.Paid)


class NegotiationPolicy(ContextPolicy):
    name = "negotiation"
    follows = ("orders",)
    reacts_to = (Order.Placed, Order.Confirmed, *ORDER_MOVED_ON)

    def prefetch(self, domain_event: Any) -> list[Any]:
        order_id = domain_event.originator_id
        if isinstance(domain_event, (Order.Placed, Order.Confirmed)):
            # Orders placed at the listed price (nearly all) read nothing.
            if not getattr(domain_event, "custom_price_requested", False):
                return []
            return [custom_price_request_id(order_id), negotiation_id(order_id)]
        return [negotiation_id(order_id)] if isinstance(domain_event, ORDER_MOVED_ON) else []

    @singledispatchmethod
    def policy(self, domain_event: Any, processing_event: ProcessingEvent) -> None:
        """Other order events leave the negotiation as it is."""

    @policy.register
    def _(self, domain_event: Order.Placed, processing_event: ProcessingEvent) -> None:
        if not getattr(domain_event, "custom_price_requested", False):
            return
        order_id = domain_event.originator_id
        if self._get(custom_price_request_id(order_id), CustomPriceRequest) is None:
            request = CustomPriceRequest.make(
                order_id=order_id,
                customer_id=domain_event.customer_id,
                designer_id=domain_event.designer_id,
                currency=domain_event.total.currency,
            )
            processing_event.collect_events(request)

    @policy.register
    def _(self, domain_event: Order.Confirmed, processing_event: ProcessingEvent) -> None:
        if not getattr(domain_event, "custom_price_requested", False):
            return
        order_id = domain_event.originator_id
        request = self._get(custom_price_request_id(order_id), CustomPriceRequest)
        if request is None or self._get(negotiation_id(order_id), Negotiation) is not None:
            return
        negotiation = Negotiation.start(
            order_id=order_id,
            customer_id=request.customer_id,
            designer_id=request.designer_id,
            currency=request.currency,
            role=roles.CUSTOMER,
            actor_id=request.customer_id,
        )
        processing_event.collect_events(negotiation)

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
        negotiation = self._get(negotiation_id(domain_event.originator_id), Negotiation)
        if negotiation is not None and negotiation.end(actor_id=None):
            processing_event.collect_events(negotiation)

    def _get(self, aggregate_id: Any, kind: type) -> Any:
        try:
            found = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, kind) else None
