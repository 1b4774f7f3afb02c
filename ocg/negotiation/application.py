"""The negotiation context's commands: primitives and ids in, ids out, one save per command.

The order is read through the orders' read side (`ocg.orders.queries`): who its customer and designer are, its
currency, lines and state. `actor_id` is who asks; `is_staff` says they hold `negotiation.manage_all`. Anyone
else than the order's parties and staff is told there is no such order.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.conf import settings
from django.utils import timezone
from eventsourcing.application import AggregateNotFoundError

from ocg.negotiation.domain import (
    InvalidProposal,
    Negotiation,
    NegotiationNotFound,
    NotNegotiable,
    negotiation_id,
    role_for,
)
from ocg.negotiation.models import ProductFloor
from ocg.orders import queries as orders
from ocg.spine.domain.money import Money
from ocg.spine.eventstore import ContextApplication, command

# Where an order's price may be negotiated: opened on a confirmed order or one awaiting payment; proposals go on
# while the orders side catches up; a price is agreed only once the order is in negotiation.
OPENABLE = frozenset({"confirmed", "awaiting_payment"})
PROPOSABLE = OPENABLE | {"negotiating"}
AGREEABLE = frozenset({"negotiating"})


@dataclass(frozen=True)
class Proposal:
    order_id: UUID
    proposal_id: UUID
    declined: bool


def proposal_lifetime() -> timedelta:
    return timedelta(hours=settings.NEGOTIATION_PROPOSAL_HOURS)


def order_floor(order: Any) -> Money | None:
    """The least a customer may propose: each line's product floor times its quantity, summed over the lines
    whose product has a floor in the order's currency; None when none has one. Lines without a floor add nothing."""
    quantities: dict[str, int] = {}
    for line in order.lines:
        quantities[str(line["product_id"])] = quantities.get(str(line["product_id"]), 0) + int(line["quantity"])
    floors = ProductFloor.objects.filter(product_id__in=list(quantities), currency=order.currency)
    total = Decimal(0)
    found = False
    for floor in floors:
        total += floor.amount * quantities[str(floor.product_id)]
        found = True
    return Money.restore(total, order.currency) if found else None


class NegotiationApplication(ContextApplication):
    name = "negotiation"

    @command
    def open_negotiation(self, order_id: UUID, *, actor_id: UUID | None, is_staff: bool) -> UUID:
        order = self._order(order_id, actor_id, is_staff)
        if self._get(negotiation_id(order_id)) is not None:
            raise NotNegotiable("This order's price has already been negotiated, or is being.", field="orderId")
        if order.status not in OPENABLE:
            raise NotNegotiable(
                f"Order {order.number} is {order.status}: its price is negotiated while it is confirmed or awaits "
                "payment.",
                field="status",
            )
        negotiation = Negotiation.start(
            order_id=order_id,
            customer_id=order.customer_id,
            designer_id=order.designer_id,
            currency=order.currency,
            role=role_for(actor_id, order.customer_id, order.designer_id, is_staff=is_staff),
            actor_id=actor_id,
        )
        self.save(negotiation)
        return negotiation.id

    @command
    def propose(
        self,
        order_id: UUID,
        *,
        actor_id: UUID | None,
        is_staff: bool,
        amount: str | Money,
        currency: str,
        note: str = "",
        now: datetime | None = None,
        proposal_id: UUID | None = None,
    ) -> Proposal:
        order = self._order(order_id, actor_id, is_staff)
        negotiation = self.negotiation(order_id)
        role = negotiation.role_of(actor_id, is_staff=is_staff)
        if order.status not in PROPOSABLE:
            raise NotNegotiable(f"Order {order.number} is {order.status}: its price is settled.", field="status")
        money = amount if isinstance(amount, Money) else Money.parse(amount, currency, error=InvalidProposal)
        now = now or timezone.now()
        proposal_id = proposal_id or uuid.uuid4()
        declined = negotiation.propose(
            proposal_id=proposal_id,
            role=role,
            actor_id=actor_id,
            amount=money,
            note=note,
            now=now,
            expires_at=now + proposal_lifetime(),
            max_rounds=settings.NEGOTIATION_MAX_ROUNDS,
            floor=order_floor(order) if role == "customer" else None,
        )
        self.save(negotiation)
        return Proposal(order_id=order_id, proposal_id=proposal_id, declined=declined)

    @command
    def accept(
        self, order_id: UUID, proposal_id: UUID, *, actor_id: UUID | None, is_staff: bool, now: datetime | None = None
    ) -> Money:
        order = self._order(order_id, actor_id, is_staff)
        negotiation = self.negotiation(order_id)
        role = negotiation.role_of(actor_id, is_staff=is_staff)
        if order.status not in AGREEABLE:
            raise NotNegotiable(
                f"Order {order.number} is {order.status}, not in negotiation (yet): try again in a moment.",
                field="status",
            )
        agreed = negotiation.accept(proposal_id=proposal_id, role=role, actor_id=actor_id, now=now or timezone.now())
        self.save(negotiation)
        return agreed

    @command
    def reject(
        self,
        order_id: UUID,
        proposal_id: UUID,
        *,
        actor_id: UUID | None,
        is_staff: bool,
        note: str = "",
        now: datetime | None = None,
    ) -> None:
        self._order(order_id, actor_id, is_staff)
        negotiation = self.negotiation(order_id)
        role = negotiation.role_of(actor_id, is_staff=is_staff)
        negotiation.reject(proposal_id=proposal_id, role=role, actor_id=actor_id, note=note, now=now or timezone.now())
        self.save(negotiation)

    @command
    def withdraw(
        self, order_id: UUID, proposal_id: UUID, *, actor_id: UUID | None, is_staff: bool, now: datetime | None = None
    ) -> None:
        self._order(order_id, actor_id, is_staff)
        negotiation = self.negotiation(order_id)
        role = negotiation.role_of(actor_id, is_staff=is_staff)
        negotiation.withdraw(proposal_id=proposal_id, role=role, actor_id=actor_id, now=now or timezone.now())
        self.save(negotiation)

    @command
    def end(self, order_id: UUID, *, actor_id: UUID | None, is_staff: bool) -> None:
        """A party ends the negotiation without a price: the order awaits payment at the price it had."""
        self._order(order_id, actor_id, is_staff)
        negotiation = self.negotiation(order_id)
        negotiation.role_of(actor_id, is_staff=is_staff)
        if not negotiation.end(actor_id=actor_id):
            raise NotNegotiable(f"This negotiation has already ended ({negotiation.status}).", field="orderId")
        self.save(negotiation)

    @command
    def expire(self, order_id: UUID, *, now: datetime) -> bool:
        """The beat job's step: records the open proposal's expiry if its time is up; False if nothing was due."""
        negotiation = self._get(negotiation_id(order_id))
        if negotiation is None or not negotiation.expire(now):
            return False
        self.save(negotiation)
        return True

    # Reading.

    def negotiation(self, order_id: UUID) -> Negotiation:
        found = self._get(negotiation_id(order_id))
        if found is None:
            raise NegotiationNotFound("No negotiation is open on this order: open one first.", field="orderId")
        return found

    def _get(self, aggregate_id: UUID) -> Negotiation | None:
        try:
            found = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, Negotiation) else None

    @staticmethod
    def _order(order_id: UUID, actor_id: UUID | None, is_staff: bool) -> Any:
        """The order as its read side shows it; to anyone but its parties and staff it does not exist."""
        order = orders.order(order_id)
        if order is None or not (is_staff or actor_id in (order.customer_id, order.designer_id)):
            raise NegotiationNotFound(f"No order {order_id}.", field="orderId", order_id=order_id)
        return order
