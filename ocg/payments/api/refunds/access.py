"""Who sees a payment or a refund, and as whom one acts on it: the one rule GraphQL, REST and the admin follow.

An order's payments are seen by its customer, its designer and staff; a refund by the order's customer and
staff. To anyone else they do not exist. A customer asks for refunds as themselves (the application checks
they are the order's customer); staff decide on them.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from ocg.orders import queries as orders_queries
from ocg.payments.models import PaymentView, RefundView
from ocg.payments.permissions import MANAGE_REFUNDS
from ocg.spine.eventstore import applications
from ocg.spine.permissions import has_permission


def payments_app() -> Any:
    return applications.get("payments")


def is_staff(user: Any) -> bool:
    return user is not None and user.is_authenticated and has_permission(user, MANAGE_REFUNDS)


def order_parties(order_id: UUID) -> set[UUID]:
    """The order's customer and designer, as the orders' read side knows them."""
    order = orders_queries.order(order_id)
    return set() if order is None else {order.customer_id, order.designer_id}


def may_see_order_payments(user: Any, order_id: UUID, payments: list[PaymentView]) -> bool:
    if is_staff(user):
        return True
    if not user.is_authenticated:
        return False
    return user.id in order_parties(order_id) or any(row.customer_id == user.id for row in payments)


def may_see_refund(user: Any, refund: RefundView) -> bool:
    return is_staff(user) or (user.is_authenticated and refund.customer_id == user.id)


def acting_customer(user: Any) -> UUID | None:
    """The customer a caller asks as (the application checks it is the order's own); None for staff."""
    return None if is_staff(user) else user.id
