"""An order's reservation as the inventory sees it: one aggregate per order, so the orders context has
one event to react to whatever the number of lines.

`Reservation.Made` is saved in the same transaction as every line's `Stock.Reserved`, and
`Reservation.Refused` (with each short SKU and by how much) when nothing could be held. Released and
committed follow the order's end; each step is taken once, so a repeated request changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ocg.catalog.domain.errors import OutOfStock
from ocg.catalog.domain.stock import Stock

RESERVATION_NAMESPACE = UUID("1f0c9b7e-3d52-4a8e-b6f1-2c7d8e9a0b34")

HELD = "held"
REFUSED = "refused"
RELEASED = "released"
COMMITTED = "committed"


def reservation_id(order_id: UUID) -> UUID:
    return uuid5(RESERVATION_NAMESPACE, str(order_id))


def reserve_lines(
    stocks: dict[str, Stock | None], order_id: UUID, lines: dict[str, int], expires_at: datetime
) -> list[Stock]:
    """All or nothing: every line fits and is held, or OutOfStock names each short SKU and nothing changes.

    `stocks` maps each line's SKU to its Stock (None for a SKU with no stock). Returns the stocks changed.
    """
    short: dict[str, int] = {}
    for sku, quantity in lines.items():
        stock = stocks.get(sku)
        if stock is None:
            short[sku] = quantity
        elif str(order_id) not in stock.reservations and stock.shortfall(quantity):
            short[sku] = stock.shortfall(quantity)
    if short:
        raise OutOfStock(f"Not enough stock for {', '.join(sorted(short))}.", short=short, order_id=order_id)
    return [stock for sku, stock in sorted(stocks.items()) if stock and stock.reserve(order_id, lines[sku], expires_at)]


class Reservation(Aggregate):
    """Opened with the order, then at once made (held) or refused, in the same save."""

    class Opened(Aggregate.Created):
        order_id: UUID

    @event(Opened)
    def __init__(self, order_id: UUID) -> None:
        self.order_id = order_id
        self.lines: dict[str, int] = {}
        self.shortages: dict[str, int] = {}
        self.state = ""

    @classmethod
    def open(cls, order_id: UUID) -> Reservation:
        return cls._create(cls.Opened, id=reservation_id(order_id), order_id=order_id)

    @property
    def skus(self) -> list[str]:
        return sorted(self.lines)

    def hold(self, lines: dict[str, int], expires_at: datetime) -> None:
        self._made(order_id=self.order_id, lines=dict(lines), expires_at=expires_at)

    class Made(Aggregate.Event):
        order_id: UUID
        lines: dict[str, int]
        expires_at: datetime

    @event(Made)
    def _made(self, order_id: UUID, lines: dict[str, int], expires_at: datetime) -> None:
        self.lines = dict(lines)
        self.state = HELD

    def refuse(self, shortages: dict[str, int]) -> None:
        self._refused(order_id=self.order_id, shortages=dict(shortages))

    class Refused(Aggregate.Event):
        order_id: UUID
        shortages: dict[str, int]

    @event(Refused)
    def _refused(self, order_id: UUID, shortages: dict[str, int]) -> None:
        self.shortages = dict(shortages)
        self.state = REFUSED

    def release(self, reason: str) -> bool:
        """False when nothing is held (refused, already released or committed): a repeat changes nothing."""
        if self.state != HELD:
            return False
        self._released(order_id=self.order_id, reason=reason)
        return True

    class Released(Aggregate.Event):
        order_id: UUID
        reason: str

    @event(Released)
    def _released(self, order_id: UUID, reason: str) -> None:
        self.state = RELEASED

    def commit(self) -> bool:
        if self.state != HELD:
            return False
        self._committed(order_id=self.order_id)
        return True

    class Committed(Aggregate.Event):
        order_id: UUID

    @event(Committed)
    def _committed(self, order_id: UUID) -> None:
        self.state = COMMITTED
