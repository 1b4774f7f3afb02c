"""Inventory per SKU: stock on hand, reservations held for orders, and the low-stock signal.

`available` is what can still be reserved: on hand minus every open reservation. It never goes below
zero: a reservation or adjustment that would take it there is refused, and two commands racing for
the last units are serialised by the aggregate's version (the loser re-reads and is refused).

What the orders context's policy uses (see ocg/catalog/queries.py):
- `Stock.Reserved` (order_id, quantity, expires_at): units held for an order until it is paid;
- `Stock.ReservationReleased` (order_id, quantity, reason): an order cancelled or expired unpaid;
- `Stock.ReservationCommitted` (order_id, quantity): the order was paid, the units are sold;
- `Stock.LowStockReached` (available, threshold): emitted once each time `available` falls to or
  below the SKU's threshold; it re-arms when stock rises above it again.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ocg.catalog.domain.errors import InvalidStock, OutOfStock
from ocg.spine.domain.text import clean_text

STOCK_NAMESPACE = UUID("6a4c8f3e-1b7d-4f0a-8e2c-5d9b3a7e1f42")
REASON_MAX_LENGTH = 300
QUANTITY_MAX = 1_000_000
DEFAULT_LOW_STOCK_THRESHOLD = 2


def stock_id(sku: str) -> UUID:
    return uuid5(STOCK_NAMESPACE, sku)


def clean_quantity(quantity: object, *, field: str = "quantity", allow_negative: bool = False) -> int:
    if not isinstance(quantity, int) or isinstance(quantity, bool):
        raise InvalidStock("A quantity is a whole number.", field=field)
    low = -QUANTITY_MAX if allow_negative else 1
    if not low <= quantity <= QUANTITY_MAX or quantity == 0:
        raise InvalidStock(f"A quantity is a whole number from {low} to {QUANTITY_MAX}, and not zero.", field=field)
    return quantity


class Stock(Aggregate):
    """One SKU's stock. Reservations are keyed by order id (as text), so repeating one changes nothing."""

    class Created(Aggregate.Created):
        sku: str
        product_id: UUID
        threshold: int

    @event(Created)
    def __init__(self, sku: str, product_id: UUID, threshold: int) -> None:
        self.sku = sku
        self.product_id = product_id
        self.on_hand = 0
        self.reservations: dict[str, int] = {}
        self.expiries: dict[str, datetime] = {}
        self.threshold = threshold
        self.low_signalled = True  # nothing in stock yet: the first crossing is from above, after receiving

    @classmethod
    def open(cls, sku: str, product_id: UUID, threshold: int = DEFAULT_LOW_STOCK_THRESHOLD) -> Stock:
        return cls._create(cls.Created, id=stock_id(sku), sku=sku, product_id=product_id, threshold=threshold)

    @property
    def reserved(self) -> int:
        return sum(self.reservations.values())

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    def _signal_low_stock(self) -> None:
        """Once per crossing: re-armed (by the apply methods) when `available` rises above the threshold."""
        if not self.low_signalled and self.available <= self.threshold:
            self._low_stock_reached(available=self.available, threshold=self.threshold)

    def receive(self, quantity: int, actor_id: UUID | None) -> None:
        self._received(actor_id=actor_id, quantity=clean_quantity(quantity))

    class Received(Aggregate.Event):
        actor_id: UUID | None
        quantity: int

    @event(Received)
    def _received(self, actor_id: UUID | None, quantity: int) -> None:
        self.on_hand += quantity
        self._rearm()

    def adjust(self, delta: int, reason: str, actor_id: UUID | None) -> None:
        """A count correction (damage, a stock-take). It may not take away units reserved for orders."""
        delta = clean_quantity(delta, field="delta", allow_negative=True)
        reason = clean_text(reason, field="reason", max_length=REASON_MAX_LENGTH, error=InvalidStock)
        if self.available + delta < 0:
            raise InvalidStock(
                f"Only {self.available} unit(s) of {self.sku} are free to adjust away "
                f"({self.on_hand} on hand, {self.reserved} reserved).",
                field="delta",
                sku=self.sku,
            )
        self._adjusted(actor_id=actor_id, delta=delta, reason=reason)
        self._signal_low_stock()

    class Adjusted(Aggregate.Event):
        actor_id: UUID | None
        delta: int
        reason: str

    @event(Adjusted)
    def _adjusted(self, actor_id: UUID | None, delta: int, reason: str) -> None:
        self.on_hand += delta
        self._rearm()

    def set_threshold(self, threshold: int, actor_id: UUID | None) -> None:
        if not isinstance(threshold, int) or isinstance(threshold, bool) or not 0 <= threshold <= QUANTITY_MAX:
            raise InvalidStock(f"A threshold is a whole number from 0 to {QUANTITY_MAX}.", field="threshold")
        if threshold != self.threshold:
            self._threshold_set(actor_id=actor_id, threshold=threshold)
            self._signal_low_stock()

    class ThresholdSet(Aggregate.Event):
        actor_id: UUID | None
        threshold: int

    @event(ThresholdSet)
    def _threshold_set(self, actor_id: UUID | None, threshold: int) -> None:
        self.threshold = threshold
        self._rearm()

    def shortfall(self, quantity: int) -> int:
        """How many units a reservation of `quantity` would lack (0 when it fits)."""
        return max(quantity - self.available, 0)

    def reserve(self, order_id: UUID, quantity: int, expires_at: datetime) -> bool:
        """Hold units for an order; False if this order already holds a reservation here (a repeat)."""
        quantity = clean_quantity(quantity)
        if str(order_id) in self.reservations:
            return False
        if quantity > self.available:
            raise OutOfStock(
                f"Only {self.available} unit(s) of {self.sku} are available.",
                short={self.sku: quantity - self.available},
                sku=self.sku,
            )
        self._reserved(order_id=order_id, quantity=quantity, expires_at=expires_at)
        self._signal_low_stock()
        return True

    class Reserved(Aggregate.Event):
        order_id: UUID
        quantity: int
        expires_at: datetime

    @event(Reserved)
    def _reserved(self, order_id: UUID, quantity: int, expires_at: datetime) -> None:
        self.reservations[str(order_id)] = quantity
        self.expiries[str(order_id)] = expires_at

    def release(self, order_id: UUID, reason: str) -> bool:
        """Give an order's units back; False if it holds none here (already released or committed)."""
        quantity = self.reservations.get(str(order_id))
        if quantity is None:
            return False
        self._reservation_released(order_id=order_id, quantity=quantity, reason=reason)
        return True

    class ReservationReleased(Aggregate.Event):
        order_id: UUID
        quantity: int
        reason: str

    @event(ReservationReleased)
    def _reservation_released(self, order_id: UUID, quantity: int, reason: str) -> None:
        del self.reservations[str(order_id)]
        del self.expiries[str(order_id)]
        self._rearm()

    def commit(self, order_id: UUID) -> bool:
        """The order was paid: its reserved units leave the stock. False if it holds none here."""
        quantity = self.reservations.get(str(order_id))
        if quantity is None:
            return False
        self._reservation_committed(order_id=order_id, quantity=quantity)
        return True

    class ReservationCommitted(Aggregate.Event):
        order_id: UUID
        quantity: int

    @event(ReservationCommitted)
    def _reservation_committed(self, order_id: UUID, quantity: int) -> None:
        del self.reservations[str(order_id)]
        del self.expiries[str(order_id)]
        self.on_hand -= quantity

    class LowStockReached(Aggregate.Event):
        available: int
        threshold: int

    @event(LowStockReached)
    def _low_stock_reached(self, available: int, threshold: int) -> None:
        self.low_signalled = True

    def _rearm(self) -> None:
        """State only (runs on replay too): above the threshold again, the next fall signals again."""
        if self.available > self.threshold:
            self.low_signalled = False
