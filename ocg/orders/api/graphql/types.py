"""The orders' GraphQL types, resolved from the read models (ocg/orders/models.py).

An order's lines, totals, tracking, shortages, contact and address are columns of its `OrderView` row and
cost no query; its timeline goes through the request's loader (context.py), one query for every order the
request shows.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import graphene

from ocg.orders.api.graphql.context import loader
from ocg.orders.domain import STATES, states
from ocg.orders.models import OrderStatusChange, OrderView
from ocg.spine.domain.money import Money as MoneyValue
from ocg.spine.graphql_common import Money, PageInfo

STATUS_DESCRIPTIONS = {
    states.PLACED: "Received; the stock is being reserved. Becomes confirmed or rejected within moments.",
    states.CONFIRMED: "The stock is held until `payByDeadline`; unpaid by then, the order is cancelled.",
    states.REJECTED: "Some pieces were short (see `shortages`); nothing is held. Final.",
    states.AWAITING_PAYMENT: "The customer asked to pay; the stock is still held until `payByDeadline`.",
    states.NEGOTIATING: "A price proposal is open with the designer; the stock stays held, payment waits.",
    states.PAID: "Paid; the stock is sold.",
    states.IN_PRODUCTION: "Made-to-order pieces are being made.",
    states.SHIPPED: "On its way (see `tracking`).",
    states.DELIVERED: "Delivered to the customer.",
    states.COMPLETED: "Closed by staff. Final.",
    states.CANCELLED: "Cancelled before payment (by the customer, staff, or expiry); stock released. Final.",
    states.REFUND_REQUESTED: "The customer asked for a refund.",
    states.REFUNDED: "Refunded. Final.",
    states.REFUND_REJECTED: "The refund was refused. Final.",
}

OrderStatus = graphene.Enum(
    "OrderStatus",
    [(status.upper(), status) for status in STATES],
    description=lambda member: (
        STATUS_DESCRIPTIONS[member.value]
        if member is not None
        else "Where an order is in its life; the steps between them are the order's state machine."
    ),
)


def money(amount: Any, currency: str) -> Money:
    return Money.of(MoneyValue.restore(Decimal(str(amount)), currency))


class OrderLine(graphene.ObjectType):
    """A snapshot taken when the order was placed: later catalog changes never alter it."""

    sku = graphene.String(required=True)
    product_id = graphene.UUID(required=True)
    product_name = graphene.String(required=True)
    size = graphene.String(required=True)
    colour = graphene.String(required=True)
    quantity = graphene.Int(required=True)
    unit_price = graphene.Field(Money, required=True)
    line_total = graphene.Field(Money, required=True)
    made_to_order = graphene.Boolean(required=True, description="The designer makes or adapts this piece.")

    @staticmethod
    def resolve_unit_price(line: dict, info: graphene.ResolveInfo) -> Money:
        return money(line["unit_price"], line["currency"])

    @staticmethod
    def resolve_line_total(line: dict, info: graphene.ResolveInfo) -> Money:
        return money(line["line_total"], line["currency"])

    @staticmethod
    def resolve_made_to_order(line: dict, info: graphene.ResolveInfo) -> bool:
        return bool(line.get("customizable"))


class Contact(graphene.ObjectType):
    email = graphene.String(required=True)
    name = graphene.String(required=True, description="Empty when not given.")
    phone = graphene.String(required=True, description="Empty when not given.")


class Address(graphene.ObjectType):
    name = graphene.String(required=True)
    line1 = graphene.String(required=True)
    line2 = graphene.String(required=True, description="Empty when not given.")
    city = graphene.String(required=True)
    postal_code = graphene.String(required=True)
    region = graphene.String(required=True, description="Empty when not given.")
    country = graphene.String(required=True, description="ISO 3166 alpha-2 code.")


class Tracking(graphene.ObjectType):
    carrier = graphene.String(required=True)
    tracking_number = graphene.String(required=True)


class Shortage(graphene.ObjectType):
    sku = graphene.String(required=True)
    missing = graphene.Int(required=True, description="Units asked for beyond what was available.")


class OrderTimelineEntry(graphene.ObjectType):
    """One step of the order's life: what was done, by whom (null: the system, e.g. the stock saga), when."""

    version = graphene.Int(required=True, description="The order aggregate's version after the step.")
    step = graphene.String(required=True, description="place, confirm, reject, cancel, ship, ...")
    status = graphene.Field(OrderStatus, required=True, description="The status the step led to.")
    actor_id = graphene.UUID()
    at = graphene.DateTime(required=True)
    details = graphene.JSONString(
        required=True, description="What the step carried: shortages, carrier and tracking number, a reason."
    )


class Order(graphene.ObjectType):
    """One customer's order of one designer's pieces. Seen by its customer, its designer and staff only.

    Other contexts add their side of it at the composition root (ocg/schema.py): `payments` comes from the
    payments context.
    """

    id = graphene.UUID(required=True)
    number = graphene.String(required=True, description="Human-friendly and unique, e.g. OCG-2026-000123.")
    checkout_id = graphene.UUID(required=True, description="Orders placed together (one per designer) share it.")
    status = graphene.Field(OrderStatus, required=True)
    allowed_steps = graphene.List(
        graphene.NonNull(graphene.String),
        required=True,
        description="Steps the order's status allows now (whoever may take them): cancel, request_payment, ship, ...",
    )
    customer_id = graphene.UUID(required=True)
    designer_id = graphene.UUID(required=True)
    lines = graphene.List(graphene.NonNull(OrderLine), required=True)
    item_count = graphene.Int(required=True, description="Units over every line.")
    total = graphene.Field(Money, required=True, description="The lines' sum, or the price agreed in a negotiation.")
    made_to_order = graphene.Boolean(
        required=True, description="Some line is made to order (it can go into production)."
    )
    pay_by_deadline = graphene.DateTime(
        description="Until when the stock is held for payment (set once confirmed); unpaid by then, it is cancelled."
    )
    tracking = graphene.Field(Tracking, description="Set once shipped.")
    shortages = graphene.List(
        graphene.NonNull(Shortage), required=True, description="Why a rejected order was rejected; empty otherwise."
    )
    contact = graphene.Field(Contact, required=True)
    shipping_address = graphene.Field(Address, required=True)
    timeline = graphene.List(graphene.NonNull(OrderTimelineEntry), required=True, description="Oldest step first.")
    placed_at = graphene.DateTime(required=True)
    updated_at = graphene.DateTime(required=True)
    version = graphene.Int(required=True, description="The order aggregate's version.")

    @staticmethod
    def resolve_allowed_steps(row: OrderView, info: graphene.ResolveInfo) -> list[str]:
        return states.allowed_steps(row.status)

    @staticmethod
    def resolve_lines(row: OrderView, info: graphene.ResolveInfo) -> list[dict]:
        return [{**line, "currency": row.currency} for line in row.lines]

    @staticmethod
    def resolve_total(row: OrderView, info: graphene.ResolveInfo) -> Money:
        return Money.of(row.money)

    @staticmethod
    def resolve_pay_by_deadline(row: OrderView, info: graphene.ResolveInfo) -> Any:
        return row.pay_by

    @staticmethod
    def resolve_tracking(row: OrderView, info: graphene.ResolveInfo) -> Tracking | None:
        if not row.tracking:
            return None
        return Tracking(carrier=row.tracking["carrier"], tracking_number=row.tracking["tracking_number"])

    @staticmethod
    def resolve_shortages(row: OrderView, info: graphene.ResolveInfo) -> list[Shortage]:
        return [Shortage(sku=sku, missing=missing) for sku, missing in sorted(row.shortages.items())]

    @staticmethod
    def resolve_contact(row: OrderView, info: graphene.ResolveInfo) -> Contact:
        contact = row.contact
        return Contact(email=contact["email"], name=contact.get("name", ""), phone=contact.get("phone", ""))

    @staticmethod
    def resolve_shipping_address(row: OrderView, info: graphene.ResolveInfo) -> Address:
        return Address(**{name: row.shipping_address.get(name, "") for name in Address._meta.fields})

    @staticmethod
    def resolve_timeline(row: OrderView, info: graphene.ResolveInfo) -> list[OrderStatusChange]:
        return loader(info).timeline(row)

    @classmethod
    def is_type_of(cls, root: Any, info: graphene.ResolveInfo) -> bool:
        return isinstance(root, (cls, OrderView))


class OrderEdge(graphene.ObjectType):
    cursor = graphene.String(required=True)
    node = graphene.Field(Order, required=True)


class Checkout(graphene.ObjectType):
    """What one OrderPlace placed: one order per designer of the lines."""

    id = graphene.UUID(required=True)
    orders = graphene.List(graphene.NonNull(Order), required=True, description="By number.")


__all__ = [
    "Address",
    "Checkout",
    "Contact",
    "Order",
    "OrderEdge",
    "OrderLine",
    "OrderStatus",
    "OrderTimelineEntry",
    "PageInfo",
    "Shortage",
    "Tracking",
]
