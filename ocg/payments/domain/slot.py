"""One order, one live payment: a uuid5 index aggregate per order names the payment that holds it.

A new payment claims the order's slot in the same save as its own creation, so two payments racing for one
order meet at the database and one loses. A failed or cancelled payment frees the slot for another attempt;
a succeeded one keeps it for good, so an order is never paid twice.
"""

from __future__ import annotations

from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

SLOT_NAMESPACE = UUID("c7e8a1b2-4d3f-4e5a-9b6c-7d8e9f0a1b2c")


def slot_id(order_id: UUID) -> UUID:
    return uuid5(SLOT_NAMESPACE, str(order_id))


class OrderPaymentSlot(Aggregate):
    class Claimed(Aggregate.Created):
        order_id: UUID
        payment_id: UUID

    @event(Claimed)
    def __init__(self, order_id: UUID, payment_id: UUID) -> None:
        self.order_id = order_id
        self.payment_id: UUID | None = payment_id

    @classmethod
    def claim_new(cls, order_id: UUID, payment_id: UUID) -> OrderPaymentSlot:
        return cls._create(cls.Claimed, id=slot_id(order_id), order_id=order_id, payment_id=payment_id)

    def claim(self, payment_id: UUID) -> None:
        self._reclaimed(payment_id=payment_id)

    class Reclaimed(Aggregate.Event):
        payment_id: UUID

    @event(Reclaimed)
    def _reclaimed(self, payment_id: UUID) -> None:
        self.payment_id = payment_id

    def release(self, payment_id: UUID) -> bool:
        if self.payment_id != payment_id:
            return False
        self._released(payment_id=payment_id)
        return True

    class Released(Aggregate.Event):
        payment_id: UUID

    @event(Released)
    def _released(self, payment_id: UUID) -> None:
        self.payment_id = None
