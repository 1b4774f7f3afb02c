"""A customer's request for a custom price, remembered from the order's placing until its stock is held.

The order records the request on `Order.Placed`; its parties and currency are known then, not when the order is
confirmed. The negotiation's policy keeps them here (`CustomPriceRequest.Made`), and opens the negotiation for
the customer when `Order.Confirmed` arrives.
"""

from __future__ import annotations

import uuid
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ocg.negotiation.domain.negotiation import NAMESPACE


def custom_price_request_id(order_id: UUID) -> UUID:
    """One request per order, found from the order's id alone."""
    return uuid.uuid5(NAMESPACE, f"custom-price-request:{order_id}")


class CustomPriceRequest(Aggregate):
    class Made(Aggregate.Created):
        order_id: UUID
        customer_id: UUID
        designer_id: UUID
        currency: str

    @event(Made)
    def __init__(self, order_id: UUID, customer_id: UUID, designer_id: UUID, currency: str) -> None:
        self.order_id = order_id
        self.customer_id = customer_id
        self.designer_id = designer_id
        self.currency = currency

    @classmethod
    def make(cls, *, order_id: UUID, customer_id: UUID, designer_id: UUID, currency: str) -> CustomPriceRequest:
        return cls._create(
            cls.Made,
            id=custom_price_request_id(order_id),
            order_id=order_id,
            customer_id=customer_id,
            designer_id=designer_id,
            currency=currency,
        )
