"""The orders' REST bodies: what comes in (`XIn`) and what goes out (`XOut`).

Amounts are decimal strings at the currency's digits, with the order's one currency beside them. The domain
checks every value a schema lets through (quantities, SKUs, the address) and names the body field at fault;
the schemas bound what they can (lengths), so an oversized value never reaches the application.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from ninja import Field, Schema

from ocg.orders.api.pages import NUMBER_MAX_LENGTH, PAGE_MAX
from ocg.orders.domain import STATES, states
from ocg.orders.domain.address import ADDRESS_FIELDS
from ocg.orders.domain.order import CARRIER_MAX_LENGTH, REASON_MAX_LENGTH, TRACKING_MAX_LENGTH
from ocg.orders.models import OrderStatusChange, OrderView

OrderStatus = Literal[tuple(STATES)]  # type: ignore[valid-type]


class LineIn(Schema):
    sku: str = Field(max_length=64, description="A published piece's SKU (any case).")
    quantity: int = Field(description="1 to 99; the same SKU on two lines adds up.")


class ContactIn(Schema):
    email: str = Field(max_length=254, description="Where order mails go.")
    name: str = Field("", max_length=120)
    phone: str = Field("", max_length=25, description="Digits, spaces and + ( ) - .")


class AddressIn(Schema):
    name: str = Field(max_length=ADDRESS_FIELDS["name"][0], description="The recipient.")
    line1: str = Field(max_length=ADDRESS_FIELDS["line1"][0])
    line2: str = Field("", max_length=ADDRESS_FIELDS["line2"][0])
    city: str = Field(max_length=ADDRESS_FIELDS["city"][0])
    postal_code: str = Field(max_length=ADDRESS_FIELDS["postal_code"][0])
    region: str = Field("", max_length=ADDRESS_FIELDS["region"][0])
    country: str = Field(max_length=ADDRESS_FIELDS["country"][0], description="ISO 3166 alpha-2 code, e.g. FR.")


class OrderPlaceIn(Schema):
    lines: list[LineIn] = Field(description="Published pieces, all priced in one currency; at most 50 SKUs.")
    contact: ContactIn
    shipping_address: AddressIn
    customer_id: UUID | None = Field(
        None, description="Staff placing an order for a customer: their account. Anyone else orders for themselves."
    )
    request_custom_price: bool = Field(
        False,
        description="Request a custom price (every piece customizable): each order is negotiated with its designer "
        "and goes to `negotiating` once its stock is held.",
    )


class CancelIn(Schema):
    reason: str = Field(max_length=REASON_MAX_LENGTH, description='Why; "" when no reason is given.')


class ShipIn(Schema):
    carrier: str = Field(max_length=CARRIER_MAX_LENGTH)
    tracking_number: str = Field(max_length=TRACKING_MAX_LENGTH)


class LineOut(Schema):
    sku: str
    product_id: UUID
    product_name: str
    size: str
    colour: str
    quantity: int
    unit_price: str
    line_total: str
    made_to_order: bool


class ContactOut(Schema):
    email: str
    name: str
    phone: str


class AddressOut(Schema):
    name: str
    line1: str
    line2: str
    city: str
    postal_code: str
    region: str
    country: str


class TrackingOut(Schema):
    carrier: str
    tracking_number: str


class OrderOut(Schema):
    id: UUID
    number: str
    checkout_id: UUID
    status: OrderStatus
    allowed_steps: list[str] = Field(description="Steps the status allows now, whoever may take them.")
    customer_id: UUID
    designer_id: UUID
    lines: list[LineOut]
    item_count: int
    total: str = Field(description="The lines' sum, or the price agreed in a negotiation.")
    currency: str
    made_to_order: bool
    pay_by: datetime | None = Field(description="Until when the stock is held for payment (once confirmed).")
    tracking: TrackingOut | None
    shortages: dict[str, int] = Field(description="SKU -> units short, for a rejected order.")
    contact: ContactOut
    shipping_address: AddressOut
    placed_at: datetime
    updated_at: datetime
    version: int


class TimelineEntryOut(Schema):
    version: int
    step: str
    status: OrderStatus
    actor_id: UUID | None = Field(description="Who took the step; null for the system (the stock saga, expiry).")
    at: datetime
    details: dict[str, Any]


class OrderDetailOut(OrderOut):
    timeline: list[TimelineEntryOut] = Field(description="Oldest step first.")


class OrderPageOut(Schema):
    items: list[OrderOut]
    next_cursor: str | None = Field(description="Send as `cursor` for the next page; null on the last one.")
    count: int = Field(description="Orders in the whole list, every page together.")


class CheckoutOut(Schema):
    checkout_id: UUID
    orders: list[OrderDetailOut] = Field(description="One per designer, by number; each `placed` at first.")


class CheckoutPendingOut(Schema):
    checkout_id: UUID
    order_ids: list[UUID]
    pending: bool = Field(True, description="Always true: the orders are stored, the read model has not caught up.")


class OrderFilters(Schema):
    status: list[OrderStatus] = Field([], description="Repeat to ask for several.")
    customer_id: UUID | None = None
    designer_id: UUID | None = None
    number: str | None = Field(None, max_length=NUMBER_MAX_LENGTH, description="e.g. OCG-2026-000123, any case.")
    limit: int = Field(20, ge=1, le=PAGE_MAX, description=f"Orders per page, 1 to {PAGE_MAX}.")
    cursor: str | None = Field(None, max_length=400, description="The `next_cursor` of the page before.")


def order_out(row: OrderView) -> dict[str, Any]:
    return {
        "id": row.id,
        "number": row.number,
        "checkout_id": row.checkout_id,
        "status": row.status,
        "allowed_steps": states.allowed_steps(row.status),
        "customer_id": row.customer_id,
        "designer_id": row.designer_id,
        "lines": [{**line, "made_to_order": bool(line.get("customizable"))} for line in row.lines],
        "item_count": row.item_count,
        "total": str(row.money.amount),
        "currency": row.currency,
        "made_to_order": row.made_to_order,
        "pay_by": row.pay_by,
        "tracking": row.tracking or None,
        "shortages": row.shortages,
        "contact": {"name": "", "phone": "", **row.contact},
        "shipping_address": {name: row.shipping_address.get(name, "") for name in AddressOut.model_fields},
        "placed_at": row.placed_at,
        "updated_at": row.updated_at,
        "version": row.version,
    }


def detail_out(row: OrderView, timeline: list[OrderStatusChange]) -> dict[str, Any]:
    entries = [
        {
            "version": change.version,
            "step": change.step,
            "status": change.status,
            "actor_id": change.actor_id,
            "at": change.at,
            "details": change.details,
        }
        for change in timeline
    ]
    return {**order_out(row), "timeline": entries}
