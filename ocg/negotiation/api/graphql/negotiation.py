"""The negotiation's mutations, in the storefront GraphQL schema (merged in ocg/schema.py).

Each acts on an order's negotiation as the caller: the order's customer or designer as themselves, staff (who
hold `negotiation.manage_all`) as staff; to anyone else the order does not exist (`not_found` on `orderId`).
Each requires an idempotency key (argument `idempotencyKey` or the `Idempotency-Key` header): a retried click
gets the first answer again, so a double submit never makes two proposals. Each answers `{result, pending,
errors}` with the negotiation once the `negotiation` projection shows the change (read-your-writes), or `pending`
with its id if that lags. A customer's proposal under the designer's private floor is recorded and declined at
once: its answer is the negotiation and the error `proposal_declined` on `amount`, which names no amount.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import graphene

from ocg.negotiation.api.graphql.types import Negotiation, read_negotiation
from ocg.negotiation.domain import ProposalDeclined, negotiation_id
from ocg.negotiation.floors import set_floor
from ocg.negotiation.permissions import MANAGE_ALL, NEGOTIATE, SET_FLOORS
from ocg.negotiation.projections import NegotiationProjection
from ocg.spine.errors import as_error_dict
from ocg.spine.eventstore import applications
from ocg.spine.graphql import AggregateMutation, DomainMutation, Written, read_your_write
from ocg.spine.graphql_common import Money
from ocg.spine.idempotency import note_error_codes
from ocg.spine.permissions import has_permission

DECLINED = ProposalDeclined(
    "The designer cannot accept a total this low: your proposal was declined. Propose a higher amount.",
    field="amount",
)


def negotiations() -> Any:
    return applications.get("negotiation")


def as_caller(info: graphene.ResolveInfo) -> dict[str, Any]:
    user = info.context.user
    return {"actor_id": user.id, "is_staff": has_permission(user, MANAGE_ALL)}


def read(order_id: UUID) -> Written:
    written = read_your_write(NegotiationProjection.name, order_id, read_negotiation)
    return Written(negotiation_id(order_id), written.result, written.pending)


class NegotiationMutation(AggregateMutation):
    """Answers the order's negotiation as the read model shows it; `id` is the negotiation's."""

    permission = NEGOTIATE
    idempotency_required = True

    result = graphene.Field(Negotiation)

    class Meta:
        abstract = True


class NegotiationOpen(NegotiationMutation):
    """The order's customer or designer (or staff) opens a price negotiation on a confirmed order or one awaiting
    payment: the order goes to `negotiating`, and cannot be paid until the negotiation ends."""

    class Arguments:
        order_id = graphene.UUID(required=True)

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, order_id: UUID) -> Any:
        negotiations().open_negotiation(order_id, **as_caller(info))
        return read(order_id)


class NegotiationPropose(NegotiationMutation):
    """Proposes a new order total, with a note. When the other side's proposal is open, this counters it and
    replaces it. Open for NEGOTIATION_PROPOSAL_HOURS; at most NEGOTIATION_MAX_ROUNDS proposals per order."""

    proposal_id = graphene.UUID(description="The proposal made; set even while pending.")

    class Arguments:
        order_id = graphene.UUID(required=True)
        amount = graphene.String(required=True, description="The proposed order total, e.g. 2150.00.")
        currency = graphene.String(required=True, description="The order's currency (ISO 4217).")
        note = graphene.String(description="Up to 1,000 characters.")

    @classmethod
    def mutate(cls, root: Any, info: graphene.ResolveInfo, **arguments: Any) -> Any:
        made: list[Any] = []
        payload = super().mutate(root, info, made=made, **arguments)
        if made:
            payload.proposal_id = made[0].proposal_id
            if made[0].declined:
                note_error_codes(info.context, [DECLINED.code])
                payload.errors = [as_error_dict(DECLINED)]
        return payload

    @classmethod
    def perform(
        cls, info: graphene.ResolveInfo, made: list[Any], order_id: UUID, amount: str, currency: str, note: str = ""
    ) -> Any:
        made.append(
            negotiations().propose(order_id, amount=amount, currency=currency, note=note or "", **as_caller(info))
        )
        return read(order_id)


class NegotiationAccept(NegotiationMutation):
    """The other side accepts the open proposal: its amount becomes the order's total, the negotiation ends, and
    the order awaits payment of that total."""

    class Arguments:
        order_id = graphene.UUID(required=True)
        proposal_id = graphene.UUID(required=True, description="The open proposal, as the caller saw it.")

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, order_id: UUID, proposal_id: UUID) -> Any:
        negotiations().accept(order_id, proposal_id, **as_caller(info))
        return read(order_id)


class NegotiationReject(NegotiationMutation):
    """The other side rejects the open proposal, perhaps saying why; either side may then propose again."""

    class Arguments:
        order_id = graphene.UUID(required=True)
        proposal_id = graphene.UUID(required=True)
        note = graphene.String(description="Why; up to 1,000 characters.")

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, order_id: UUID, proposal_id: UUID, note: str = "") -> Any:
        negotiations().reject(order_id, proposal_id, note=note or "", **as_caller(info))
        return read(order_id)


class NegotiationWithdraw(NegotiationMutation):
    """Its author (or staff) takes back the open proposal."""

    class Arguments:
        order_id = graphene.UUID(required=True)
        proposal_id = graphene.UUID(required=True)

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, order_id: UUID, proposal_id: UUID) -> Any:
        negotiations().withdraw(order_id, proposal_id, **as_caller(info))
        return read(order_id)


class NegotiationClose(NegotiationMutation):
    """A party (or staff) ends the negotiation without a price: the order awaits payment at the total it had."""

    class Arguments:
        order_id = graphene.UUID(required=True)

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, order_id: UUID) -> Any:
        negotiations().end(order_id, **as_caller(info))
        return read(order_id)


class NegotiationSetFloor(DomainMutation):
    """The product's designer (or staff) sets its private floor, per unit, in the product's currency; no amount
    clears it. A customer's proposal under the floors of the order's lines (times their quantities) is declined."""

    permission = SET_FLOORS
    idempotent = True

    result = graphene.Field(Money, description="The floor now set; null once cleared.")

    class Arguments:
        product_id = graphene.UUID(required=True)
        amount = graphene.String(description="Per unit, e.g. 1800.00; leave out to clear the floor.")

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, product_id: UUID, amount: str | None = None) -> Any:
        return Money.of(set_floor(product_id, amount, **as_caller(info)))


class Mutation(graphene.ObjectType):
    negotiation_open = NegotiationOpen.Field()
    negotiation_propose = NegotiationPropose.Field()
    negotiation_accept = NegotiationAccept.Field()
    negotiation_reject = NegotiationReject.Field()
    negotiation_withdraw = NegotiationWithdraw.Field()
    negotiation_close = NegotiationClose.Field()
    negotiation_set_floor = NegotiationSetFloor.Field()


__all__ = ["Mutation"]
