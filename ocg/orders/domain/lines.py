"""An order's lines: what was bought, at the price it had when the order was placed, and their total."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from ocg.orders.domain.errors import InvalidOrder, NotCustomizable
from ocg.spine.domain.money import CurrencyMismatch, Money

MAX_LINES = 50
MAX_QUANTITY = 99


@dataclass(frozen=True)
class OrderLine:
    sku: str
    product_id: UUID
    product_name: str
    size: str
    colour: str
    unit_price: Money
    quantity: int
    customizable: bool

    @property
    def total(self) -> Money:
        return self.unit_price * self.quantity

    def as_event_data(self) -> dict[str, Any]:
        return {
            "sku": self.sku,
            "product_id": self.product_id,
            "product_name": self.product_name,
            "size": self.size,
            "colour": self.colour,
            "unit_price": self.unit_price,
            "quantity": self.quantity,
            "customizable": self.customizable,
        }

    @classmethod
    def from_event_data(cls, data: dict[str, Any]) -> OrderLine:
        return cls(**data)


def clean_quantity(quantity: object, index: int) -> int:
    if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= MAX_QUANTITY:
        raise InvalidOrder(f"A quantity is a whole number from 1 to {MAX_QUANTITY}.", field=f"lines.{index}.quantity")
    return quantity


def order_total(lines: list[OrderLine]) -> Money:
    total = lines[0].total
    for line in lines[1:]:
        try:
            total = total + line.total
        except CurrencyMismatch:
            raise InvalidOrder("All lines of an order must be priced in one currency.", field="lines") from None
    return total


def check_custom_price(lines: list[OrderLine]) -> None:
    """A custom price is negotiated for made-to-order work: every line's product must be customizable."""
    fixed = [line.sku for line in lines if not line.customizable]
    if fixed:
        raise NotCustomizable(
            f"A custom price can be requested for customizable pieces only; {', '.join(fixed)} "
            f"{'is' if len(fixed) == 1 else 'are'} sold at the listed price.",
            field="request_custom_price",
        )
