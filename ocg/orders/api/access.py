"""Who sees an order and in what role one acts on it: the one rule both APIs (and the admin) follow.

An order is seen by its customer, its designer (the designer's account id is the order's `designer_id`)
and staff; to anyone else it does not exist. Commands carry who asks (`actor_id`) and the party they act
as: a customer's id for the customer's steps, a designer's for the designer's, None for staff. The
aggregate then refuses a party that is not the order's own (`permission_denied`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from ocg.orders.models import OrderView
from ocg.orders.permissions import MANAGE_ALL_ORDERS
from ocg.spine.eventstore import applications
from ocg.spine.permissions import has_permission


def orders() -> Any:
    return applications.get("orders")


def is_staff(user: Any) -> bool:
    return user is not None and has_permission(user, MANAGE_ALL_ORDERS)


@dataclass(frozen=True)
class Viewer:
    user_id: UUID | None
    staff: bool

    def may_see(self, row: OrderView) -> bool:
        if self.staff:
            return True
        return self.user_id is not None and self.user_id in (row.customer_id, row.designer_id)


def viewer_of(user: Any) -> Viewer:
    if user is None or not user.is_authenticated:
        return Viewer(user_id=None, staff=False)
    return Viewer(user_id=user.id, staff=is_staff(user))


def acting_party(user: Any) -> UUID | None:
    """The customer or designer a signed-in caller acts as (the aggregate checks it is the order's own);
    None for staff, who act on any order."""
    return None if is_staff(user) else user.id
