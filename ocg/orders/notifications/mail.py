"""What each notification says: its subject, and its plain-text and HTML bodies from Django templates.

Mails are rendered when their event is consumed and stored rendered, so a retry days later sends
exactly what the event called for.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from decimal import Decimal
from email.utils import parseaddr
from typing import Any

from babel.numbers import format_currency
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.template.loader import render_to_string

from ocg.orders.models import Notification

ORDER_CONFIRMED = "order_confirmed"
ORDER_REJECTED = "order_rejected"
ORDER_SHIPPED = "order_shipped"
ORDER_DELIVERED = "order_delivered"
DESIGNER_NEW_ORDER = "designer_new_order"
DESIGNER_LOW_STOCK = "designer_low_stock"
STAFF_REFUND_SLA_AT_RISK = "staff_refund_sla_at_risk"
STAFF_REFUND_SLA_BREACHED = "staff_refund_sla_breached"

SUBJECTS = {
    ORDER_CONFIRMED: "Your order {number} is confirmed",
    ORDER_REJECTED: "Your order {number} could not be accepted",
    ORDER_SHIPPED: "Your order {number} has shipped",
    ORDER_DELIVERED: "Your order {number} has been delivered",
    DESIGNER_NEW_ORDER: "New order {number} of your pieces",
    DESIGNER_LOW_STOCK: "Low stock: {product_name} (SKU {sku})",
    STAFF_REFUND_SLA_AT_RISK: "Refund due by {due_at}: order {number}",
    STAFF_REFUND_SLA_BREACHED: "Refund overdue since {due_at}: order {number}",
}
MESSAGE_ID_NAMESPACE = uuid.UUID("0f3c5a8e-2b7d-4e91-9c1a-6d2e8f4b7a30")
SUBJECT_MAX_LENGTH = 255
_BLANK_LINES = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class Mail:
    kind: str
    recipient: str
    subject: str
    text: str
    html: str


def money(value: dict[str, str] | Decimal, currency: str | None = None) -> str:
    """`{"amount", "currency"}` as an envelope carries it (or an amount and its currency), for people: €1,250.00."""
    if isinstance(value, dict):
        amount, currency = Decimal(value["amount"]), value["currency"]
    else:
        amount = value
    return format_currency(amount, currency, locale="en")


def one_line(text: str) -> str:
    """Header values never carry line breaks (Django would refuse them as header injection)."""
    return " ".join(text.split())


def render(kind: str, recipient: str, context: dict[str, Any]) -> Mail:
    subject = one_line(SUBJECTS[kind].format(**context))[:SUBJECT_MAX_LENGTH]
    context = {**context, "subject": subject}
    return Mail(
        kind=kind,
        recipient=recipient,
        subject=subject,
        text=_BLANK_LINES.sub("\n\n", render_to_string(f"orders/email/{kind}.txt", context)).strip() + "\n",
        html=render_to_string(f"orders/email/{kind}.html", context),
    )


def message_id(notification: Notification) -> str:
    """The same Message-ID on every attempt: a mailbox that already holds a copy can drop a resent one."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "ocg.invalid"
    key = uuid.uuid5(MESSAGE_ID_NAMESPACE, f"{notification.event_id}/{notification.kind}")
    return f"<{key}@{domain}>"


def email_message(notification: Notification, connection: BaseEmailBackend) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=notification.body_text,
        to=[notification.recipient],
        connection=connection,
        headers={"Message-ID": message_id(notification)},
    )
    message.attach_alternative(notification.body_html, "text/html")
    return message
