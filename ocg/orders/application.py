"""The orders context's commands: primitives and ids in, ids out, one save per command.

`actor_id` is who asks (kept in every event). `acting_customer_id` / `acting_designer_id` are set when
a customer or a designer acts, so the order's party is checked, and None when staff act.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django.conf import settings
from eventsourcing.application import AggregateNotFoundError

from ocg.catalog import queries as catalog
from ocg.orders import numbers
from ocg.orders.domain import InvalidOrder, Order, OrderLine, OrderNotFound
from ocg.orders.domain.address import clean_address, clean_contact
from ocg.orders.domain.lines import MAX_QUANTITY, check_custom_price
from ocg.spine.eventstore import ContextApplication, command


@dataclass(frozen=True)
class Checkout:
    checkout_id: UUID
    order_ids: list[UUID]


def requested_lines(lines: Iterable[Any]) -> dict[str, int]:
    """SKU -> quantity, as the client sent them: the same SKU twice adds up."""
    requested: dict[str, int] = {}
    for index, line in enumerate(lines):
        sku = line.get("sku") if isinstance(line, dict) else getattr(line, "sku", None)
        quantity = line.get("quantity") if isinstance(line, dict) else getattr(line, "quantity", None)
        # Unprintable text (NUL, a lone surrogate) is no SKU, and PostgreSQL could not even look it up.
        if not isinstance(sku, str) or not sku.strip() or len(sku) > 64 or not sku.isprintable():
            raise InvalidOrder("Give each line's SKU.", field=f"lines.{index}.sku")
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            raise InvalidOrder("A quantity is a whole number of at least 1.", field=f"lines.{index}.quantity")
        key = sku.strip().upper()
        requested[key] = requested.get(key, 0) + quantity
        if requested[key] > MAX_QUANTITY:
            raise InvalidOrder(f"At most {MAX_QUANTITY} of one SKU per order.", field=f"lines.{index}.quantity")
    if not requested:
        raise InvalidOrder("A checkout needs at least one line.", field="lines")
    if len(requested) > settings.ORDER_MAX_LINES:
        raise InvalidOrder(f"A checkout has at most {settings.ORDER_MAX_LINES} lines.", field="lines")
    return requested


class OrdersApplication(ContextApplication):
    name = "orders"

    @command
    def place_checkout(
        self,
        *,
        customer_id: UUID,
        actor_id: UUID | None,
        lines: Iterable[Any],
        contact: Any,
        shipping_address: Any,
        checkout_id: UUID | None = None,
        request_custom_price: bool = False,
    ) -> Checkout:
        """One order per designer, all in ONE save: they are placed together or not at all.

        Each line is priced from the catalog now and kept as it is (a snapshot), so a later price
        change never alters the order. `request_custom_price` asks to negotiate each order's price (every
        piece must be customizable): the negotiation opens once the order is confirmed.
        """
        requested = requested_lines(lines)
        positions = {sku: index for index, sku in enumerate(requested)}
        snapshots = catalog.sellable_skus(requested)
        by_designer: dict[UUID, list[OrderLine]] = {}
        for sku, quantity in requested.items():
            snapshot = snapshots.get(sku)
            if snapshot is None:
                raise InvalidOrder(f"There is no SKU {sku} for sale.", field=f"lines.{positions[sku]}.sku")
            if not snapshot.published or snapshot.unit_price is None:
                raise InvalidOrder(f"{sku} is not for sale at the moment.", field=f"lines.{positions[sku]}.sku")
            by_designer.setdefault(snapshot.designer_id, []).append(
                OrderLine(
                    sku=sku,
                    product_id=snapshot.product_id,
                    product_name=snapshot.product_name,
                    size=snapshot.size,
                    colour=snapshot.colour,
                    unit_price=snapshot.unit_price,
                    quantity=quantity,
                    customizable=snapshot.customizable,
                )
            )
        currencies = {line.unit_price.currency for designer_lines in by_designer.values() for line in designer_lines}
        if len(currencies) > 1:
            raise InvalidOrder(
                f"A checkout is paid in one currency; these lines are in {', '.join(sorted(currencies))}.",
                field="lines",
            )
        clean_contact(contact)
        clean_address(shipping_address)  # before numbering, so refused checkouts use no numbers
        if request_custom_price:
            check_custom_price([line for designer_lines in by_designer.values() for line in designer_lines])
        checkout_id = checkout_id or uuid.uuid4()
        orders = [
            Order.place(
                order_id=uuid.uuid4(),
                actor_id=actor_id,
                checkout_id=checkout_id,
                number=numbers.next_number(),
                customer_id=customer_id,
                designer_id=designer_id,
                lines=designer_lines,
                contact=contact,
                shipping_address=shipping_address,
                custom_price_requested=request_custom_price,
            )
            for designer_id, designer_lines in sorted(by_designer.items(), key=lambda item: str(item[0]))
        ]
        self.save(*orders)
        return Checkout(checkout_id=checkout_id, order_ids=[order.id for order in orders])

    @command
    def cancel(
        self, order_id: UUID, *, reason: str = "", actor_id: UUID | None, acting_customer_id: UUID | None
    ) -> None:
        order = self.order(order_id)
        order.cancel(reason, actor_id, acting_customer_id)
        self.save(order)

    @command
    def request_payment(self, order_id: UUID, *, actor_id: UUID | None, acting_customer_id: UUID | None) -> None:
        order = self.order(order_id)
        order.request_payment(actor_id, acting_customer_id)
        self.save(order)

    @command
    def mark_in_production(self, order_id: UUID, *, actor_id: UUID | None, acting_designer_id: UUID | None) -> None:
        order = self.order(order_id)
        order.start_production(actor_id, acting_designer_id)
        self.save(order)

    @command
    def mark_shipped(
        self,
        order_id: UUID,
        *,
        carrier: str,
        tracking_number: str,
        actor_id: UUID | None,
        acting_designer_id: UUID | None,
    ) -> None:
        order = self.order(order_id)
        order.ship(carrier, tracking_number, actor_id, acting_designer_id)
        self.save(order)

    @command
    def mark_delivered(self, order_id: UUID, *, actor_id: UUID | None, acting_designer_id: UUID | None) -> None:
        order = self.order(order_id)
        order.deliver(actor_id, acting_designer_id)
        self.save(order)

    @command
    def complete(self, order_id: UUID, *, actor_id: UUID | None) -> None:
        """Staff only: the API checks who asks."""
        order = self.order(order_id)
        order.complete(actor_id)
        self.save(order)

    @command
    def expire(self, order_id: UUID, *, now: datetime) -> bool:
        """Unpaid past its window: cancelled, and the inventory policy gives the stock back. False when the
        order is no longer due (paid, negotiating, already ended) by the time this runs."""
        order = self.order(order_id)
        if not order.is_overdue(now):
            return False
        order.expire(now)
        self.save(order)
        return True

    def order(self, order_id: UUID) -> Order:
        try:
            order = self.repository.get(order_id)
        except AggregateNotFoundError:
            order = None
        if not isinstance(order, Order):
            raise OrderNotFound(f"No order {order_id}.", field="id", order_id=order_id)
        return order
