"""The orders' read models, folded from the orders events a batch at a time (one transaction per batch)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ocg.orders.domain import STEP_EVENTS
from ocg.orders.domain.states import TRANSITIONS
from ocg.orders.models import OrderStatusChange, OrderView
from ocg.spine.projections import Projection

ORDER_FIELDS = [f.name for f in OrderView._meta.concrete_fields if not f.primary_key]

# The event each step emits -> the step, for the timeline.
STEP_BY_EVENT = {event_class.__qualname__: step for step, event_class in STEP_EVENTS.items()}
TIMELINE_DETAILS = {
    "Order.Rejected": lambda e: {"shortages": e.shortages},
    "Order.Shipped": lambda e: {"carrier": e.carrier, "tracking_number": e.tracking_number},
    "Order.Cancelled": lambda e: {"reason": e.reason},
    "Order.RefundRequested": lambda e: {"reason": e.reason},
    "Order.RefundRejected": lambda e: {"reason": e.reason},
    "Order.NegotiationClosed": lambda e: (
        {"agreed_total": {"amount": str(e.agreed_total.amount), "currency": e.agreed_total.currency}}
        if e.agreed_total
        else {}
    ),
}


def line_row(line: dict[str, Any]) -> dict[str, Any]:
    price = line["unit_price"]
    return {
        "sku": line["sku"],
        "product_id": str(line["product_id"]),
        "product_name": line["product_name"],
        "size": line["size"],
        "colour": line["colour"],
        "unit_price": str(price.amount),
        "quantity": line["quantity"],
        "line_total": str((price * line["quantity"]).amount),
        "customizable": line["customizable"],
    }


class OrdersProjection(Projection):
    name = "orders"
    sources = ("orders",)
    read_models = (OrderView, OrderStatusChange)

    def handle(self, events: Sequence[Any]) -> None:
        ids = {e.originator_id for e in events if type(e).__qualname__.startswith("Order.")}
        if not ids:
            return
        rows = {row.id: row for row in OrderView.objects.filter(id__in=ids)}
        changes: list[OrderStatusChange] = []
        for domain_event in events:
            kind = type(domain_event).__qualname__
            if kind == "Order.Placed":
                rows[domain_event.originator_id] = placed_row(domain_event)
                changes.append(timeline_entry(domain_event, "place", "placed", {}))
                continue
            row = rows.get(domain_event.originator_id)
            step = STEP_BY_EVENT.get(kind)
            if row is None or step is None:
                continue
            row.status = TRANSITIONS[step].target
            APPLY.get(kind, lambda row, e: None)(row, domain_event)
            row.version = domain_event.originator_version
            row.updated_at = domain_event.timestamp
            details = TIMELINE_DETAILS.get(kind, lambda e: {})(domain_event)
            changes.append(timeline_entry(domain_event, step, row.status, details))
        OrderView.objects.bulk_create(
            rows.values(), update_conflicts=True, unique_fields=["id"], update_fields=ORDER_FIELDS
        )
        OrderStatusChange.objects.bulk_create(changes, ignore_conflicts=True)


def placed_row(e: Any) -> OrderView:
    lines = [line_row(line) for line in e.lines]
    return OrderView(
        id=e.originator_id,
        number=e.number,
        checkout_id=e.checkout_id,
        customer_id=e.customer_id,
        designer_id=e.designer_id,
        status="placed",
        total=e.total.amount,
        currency=e.total.currency,
        item_count=sum(line["quantity"] for line in e.lines),
        lines=lines,
        contact=dict(e.contact),
        shipping_address=dict(e.shipping_address),
        made_to_order=any(line["customizable"] for line in e.lines),
        placed_at=e.timestamp,
        updated_at=e.timestamp,
        version=e.originator_version,
    )


def timeline_entry(e: Any, step: str, status: str, details: dict[str, Any]) -> OrderStatusChange:
    return OrderStatusChange(
        order_id=e.originator_id,
        version=e.originator_version,
        status=status,
        step=step,
        actor_id=getattr(e, "actor_id", None),
        at=e.timestamp,
        details=details,
    )


def _set(**fields: Callable[[Any], Any]) -> Callable[[OrderView, Any], None]:
    def apply(row: OrderView, e: Any) -> None:
        for name, value in fields.items():
            setattr(row, name, value(e))

    return apply


def _closed(row: OrderView, e: Any) -> None:
    row.pay_by = e.pay_by
    if e.agreed_total is not None:
        row.total, row.currency = e.agreed_total.amount, e.agreed_total.currency


APPLY: dict[str, Callable[[OrderView, Any], None]] = {
    "Order.Confirmed": _set(pay_by=lambda e: e.pay_by),
    "Order.Rejected": _set(shortages=lambda e: dict(e.shortages)),
    "Order.Shipped": _set(tracking=lambda e: {"carrier": e.carrier, "tracking_number": e.tracking_number}),
    "Order.NegotiationClosed": _closed,
}
