"""Who may take part in an order's chat: its customer, its designer, and staff; anyone else is refused."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from ocg.negotiation.permissions import CHAT, MANAGE_ALL
from ocg.orders import queries as orders
from ocg.spine.domain import DomainError
from ocg.spine.permissions import has_permission

__all__ = ["CHAT", "MANAGE_ALL", "ChatError", "ChatNotFound", "NotParticipant", "participants", "role_in"]

CUSTOMER = "customer"
DESIGNER = "designer"
STAFF = "staff"
SYSTEM = "system"


class ChatError(DomainError):
    code = "invalid"


class ChatNotFound(ChatError):
    code = "not_found"


class NotParticipant(ChatError):
    code = "permission_denied"


def participants(order_id: UUID) -> tuple[UUID, UUID] | None:
    return orders.participants(order_id)


def role_in(user: Any, order_id: UUID) -> str:
    """The role `user` takes in the order's chat; ChatNotFound for no such order, NotParticipant for outsiders.

    The order's own customer or designer speaks as such even when they are staff too.
    """
    parties = participants(order_id)
    if parties is None:
        raise ChatNotFound("There is no such order.", field="order")
    customer_id, designer_id = parties
    if user is not None and user.is_authenticated and user.is_active:
        if user.id == customer_id:
            return CUSTOMER
        if user.id == designer_id:
            return DESIGNER
        if has_permission(user, MANAGE_ALL):
            return STAFF
    raise NotParticipant("Only the order's customer, its designer and staff take part in its chat.", field="order")
