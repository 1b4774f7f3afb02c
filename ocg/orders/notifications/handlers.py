"""From an envelope to the mails it calls for, inside the transaction that records the envelope as consumed.

Nothing here talks to a mail server: each mail becomes a `Notification` row (rendered, pending), so
the envelope, the consumer's own state and the mails it causes commit together or not at all.
Delivery comes after the commit (delivery.py).

Staff hear of a refund whose deadline is near or past (the payments' SLA events), one mail per active
administrator: each gets a notification of their own, keyed by the event and the address.

Designers hear of an order when it is confirmed, not when it is placed: a placed order is only a
request until the stock saga reserves its pieces, and under contention most placed orders of a
scarce piece are rejected a moment later. A confirmed order is real stock set aside for a customer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID, uuid5

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ocg.catalog import queries as catalog_queries
from ocg.identity import queries as identity_queries
from ocg.orders.models import Notification, NotificationOrder, NotificationStock
from ocg.orders.notifications import mail
from ocg.payments import queries as payments_queries
from ocg.spine.envelope import topic_for

logger = logging.getLogger(__name__)

TOPICS = [topic_for("orders"), topic_for("catalog"), topic_for("payments")]
ORDER_PLACED = "ocg.orders.Order.Placed"
ORDER_CONFIRMED = "ocg.orders.Order.Confirmed"
ORDER_REJECTED = "ocg.orders.Order.Rejected"
ORDER_SHIPPED = "ocg.orders.Order.Shipped"
ORDER_DELIVERED = "ocg.orders.Order.Delivered"
STOCK_CREATED = "ocg.catalog.Stock.Created"
STOCK_LOW = "ocg.catalog.Stock.LowStockReached"
REFUND_SLA_AT_RISK = "ocg.payments.Payment.RefundSlaAtRisk"
REFUND_SLA_BREACHED = "ocg.payments.Payment.RefundSlaBreached"


class UnreadableEvent(Exception):
    """An envelope of a type we handle whose data we cannot read. Events never change, so retrying would
    block every later mail of the partition behind it: it is logged and passed over."""


@contextmanager
def reading(envelope: dict[str, Any]) -> Iterator[None]:
    try:
        yield
    except (KeyError, TypeError, ValueError, InvalidOperation, AttributeError) as error:
        event = f"{envelope.get('type')} {envelope.get('id')}"
        raise UnreadableEvent(f"{event}: {type(error).__name__}: {error}") from error


def handle(envelope: dict[str, Any]) -> None:
    """The handler EventConsumer runs once per envelope id; types it does not know are ignored."""
    handler = HANDLERS.get(envelope.get("type"))
    if handler is None:
        return
    try:
        handler(envelope)
    except UnreadableEvent as error:
        logger.error("notifications: passing over an unreadable event: %s", error)


def add(
    envelope: dict[str, Any],
    kind: str,
    recipient: str,
    context: dict[str, Any],
    order_id: UUID | None,
    event_id: UUID | None = None,
) -> None:
    rendered = mail.render(kind, recipient, context)
    Notification.objects.get_or_create(
        event_id=event_id or UUID(envelope["id"]),
        kind=kind,
        defaults={
            "order_id": order_id,
            "recipient": rendered.recipient,
            "subject": rendered.subject,
            "body_text": rendered.text,
            "body_html": rendered.html,
            "next_attempt_at": timezone.now(),
        },
    )


# Orders.


def line_summary(line: dict[str, Any]) -> dict[str, Any]:
    price = line["unit_price"]
    return {
        "sku": str(line["sku"]),
        "product_name": str(line["product_name"]),
        "size": str(line.get("size") or ""),
        "colour": str(line.get("colour") or ""),
        "quantity": int(line["quantity"]),
        "unit_price": {"amount": str(Decimal(price["amount"])), "currency": str(price["currency"])},
    }


def line_context(line: dict[str, Any]) -> dict[str, Any]:
    unit = Decimal(line["unit_price"]["amount"])
    currency = line["unit_price"]["currency"]
    return {
        "sku": line["sku"],
        "product_name": line["product_name"],
        "variant": " / ".join(part for part in (line["size"], line["colour"]) if part),
        "quantity": line["quantity"],
        "unit_price": mail.money(unit, currency),
        "total": mail.money(unit * line["quantity"], currency),
    }


def order_context(order: NotificationOrder) -> dict[str, Any]:
    return {
        "number": order.number,
        "customer_name": order.customer_name,
        "lines": [line_context(line) for line in order.lines],
        "total": mail.money(order.total_amount, order.currency),
    }


def order_placed(envelope: dict[str, Any]) -> None:
    with reading(envelope):
        data = envelope["data"]
        order_id = UUID(envelope["subject"])
        values = {
            "number": str(data["number"]),
            "customer_email": str(data["contact"]["email"]),
            "customer_name": str(data["contact"].get("name") or ""),
            "designer_id": UUID(str(data["designer_id"])),
            "lines": [line_summary(line) for line in data["lines"]],
            "total_amount": Decimal(data["total"]["amount"]),
            "currency": str(data["total"]["currency"]),
            "placed_at": parse_datetime(envelope["time"]) or timezone.now(),
        }
    NotificationOrder.objects.get_or_create(order_id=order_id, defaults=values)


def known_order(envelope: dict[str, Any]) -> NotificationOrder | None:
    """The order's Placed precedes its other events in its partition, unless retention dropped it first."""
    with reading(envelope):
        order_id = UUID(envelope["subject"])
    order = NotificationOrder.objects.filter(order_id=order_id).first()
    if order is None:
        logger.warning("notifications: %s for order %s, whose placing was never seen", envelope["type"], order_id)
    return order


def order_confirmed(envelope: dict[str, Any]) -> None:
    order = known_order(envelope)
    if order is None:
        return
    context = order_context(order)
    add(envelope, mail.ORDER_CONFIRMED, order.customer_email, context, order.order_id)
    designer_email = identity_queries.contact_email(order.designer_id)
    if designer_email is None:
        logger.info("notifications: order %s's designer has no active account to mail", order.number)
        return
    add(envelope, mail.DESIGNER_NEW_ORDER, designer_email, context, order.order_id)


def order_rejected(envelope: dict[str, Any]) -> None:
    order = known_order(envelope)
    if order is None:
        return
    with reading(envelope):
        short_skus = [str(sku) for sku in envelope["data"]["shortages"]]
    lines = {line["sku"]: line_context(line) for line in order.lines}
    short_lines = [
        lines.get(sku) or {"sku": sku, "product_name": "A piece", "variant": "", "quantity": None} for sku in short_skus
    ]
    context = {**order_context(order), "short_lines": short_lines}
    add(envelope, mail.ORDER_REJECTED, order.customer_email, context, order.order_id)


def order_shipped(envelope: dict[str, Any]) -> None:
    order = known_order(envelope)
    if order is None:
        return
    with reading(envelope):
        tracking = {
            "carrier": str(envelope["data"]["carrier"]),
            "tracking_number": str(envelope["data"]["tracking_number"]),
        }
    add(envelope, mail.ORDER_SHIPPED, order.customer_email, {**order_context(order), **tracking}, order.order_id)


def order_delivered(envelope: dict[str, Any]) -> None:
    order = known_order(envelope)
    if order is None:
        return
    add(envelope, mail.ORDER_DELIVERED, order.customer_email, order_context(order), order.order_id)


# Stock.


def stock_created(envelope: dict[str, Any]) -> None:
    with reading(envelope):
        stock_id = UUID(envelope["subject"])
        values = {"sku": str(envelope["data"]["sku"]), "product_id": UUID(str(envelope["data"]["product_id"]))}
    NotificationStock.objects.get_or_create(stock_id=stock_id, defaults=values)


def stock_low(envelope: dict[str, Any]) -> None:
    with reading(envelope):
        stock_id = UUID(envelope["subject"])
        available = int(envelope["data"]["available"])
        threshold = int(envelope["data"]["threshold"])
    stock = NotificationStock.objects.filter(stock_id=stock_id).first()
    if stock is None:
        logger.warning("notifications: low stock for stock %s, whose creation was never seen", stock_id)
        return
    product = catalog_queries.product(stock.product_id)
    if product is None or product.designer_id is None:
        logger.warning("notifications: low stock of %s, whose product or designer is unknown", stock.sku)
        return
    designer_email = identity_queries.contact_email(product.designer_id)
    if designer_email is None:
        logger.info("notifications: low stock of %s, whose designer has no active account to mail", stock.sku)
        return
    context = {"product_name": product.name, "sku": stock.sku, "available": available, "threshold": threshold}
    add(envelope, mail.DESIGNER_LOW_STOCK, designer_email, context, None)


# Refunds (staff).


def when(moment: Any) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment is not None else "unknown"


def refund_context(refund_id: UUID, due_at: Any) -> tuple[dict[str, Any], UUID | None]:
    """What a staff mail says of a refund, from the payments' read side; the order's id, when known."""
    context: dict[str, Any] = {
        "refund_id": refund_id,
        "due_at": when(due_at),
        "number": "unknown",
        "state": "unknown",
        "amount": "unknown",
        "requested_at": "unknown",
        "reason": "",
        "made_to_order": False,
    }
    refund = payments_queries.refund(refund_id)
    if refund is None:
        logger.warning("notifications: refund %s is not in the payments read model yet", refund_id)
        return context, None
    order = NotificationOrder.objects.filter(order_id=refund.order_id).first()
    amount = refund.approved_money or refund.requested_money
    context.update(
        number=order.number if order else str(refund.order_id),
        state=refund.state,
        amount=mail.money(amount.amount, amount.currency),
        requested_at=when(refund.requested_at),
        reason=refund.reason,
        made_to_order=refund.made_to_order,
    )
    return context, refund.order_id


def refund_sla(kind: str) -> Callable[[dict[str, Any]], None]:
    def handle_refund_sla(envelope: dict[str, Any]) -> None:
        with reading(envelope):
            refund_id = UUID(str(envelope["data"]["refund_id"]))
            due_at = parse_datetime(str(envelope["data"]["due_at"]))
        context, order_id = refund_context(refund_id, due_at)
        recipients = identity_queries.staff_emails()
        if not recipients:
            logger.warning("notifications: refund %s needs staff, and no active administrator has an email", refund_id)
        for recipient in recipients:
            # One row per address: the notification's key is (event, kind), so each address gets its own event id.
            add(envelope, kind, recipient, context, order_id, event_id=uuid5(UUID(envelope["id"]), recipient))

    return handle_refund_sla


HANDLERS: dict[str, Callable[[dict[str, Any]], None]] = {
    ORDER_PLACED: order_placed,
    ORDER_CONFIRMED: order_confirmed,
    ORDER_REJECTED: order_rejected,
    ORDER_SHIPPED: order_shipped,
    ORDER_DELIVERED: order_delivered,
    STOCK_CREATED: stock_created,
    STOCK_LOW: stock_low,
    REFUND_SLA_AT_RISK: refund_sla(mail.STAFF_REFUND_SLA_AT_RISK),
    REFUND_SLA_BREACHED: refund_sla(mail.STAFF_REFUND_SLA_BREACHED),
}
