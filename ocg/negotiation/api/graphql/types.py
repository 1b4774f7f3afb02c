"""The negotiation's GraphQL types, resolved from its read models, and `Order.negotiation`.

`Order.negotiation` is added to the orders' `Order` type at the composition root (ocg/schema.py, through
`ORDER_FIELDS`), so neither context imports the other. Only the order's customer, its designer and staff see it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import graphene
from django.conf import settings

from ocg.negotiation import queries
from ocg.negotiation.domain import roles
from ocg.negotiation.models import NegotiationView, ProposalView
from ocg.negotiation.permissions import MANAGE_ALL
from ocg.spine.graphql_common import Money, client_errors
from ocg.spine.permissions import has_permission

NegotiationRole = graphene.Enum(
    "NegotiationRole",
    [(role.upper(), role) for role in (*roles.ROLES, roles.SYSTEM)],
    description="Who acted: the order's customer, its designer, staff, or the system.",
)
ProposalOutcome = graphene.Enum(
    "ProposalOutcome",
    [(outcome.upper(), outcome) for outcome in roles.OUTCOMES],
    description="open (awaiting an answer), accepted (the price), rejected, withdrawn by its author, expired, "
    "declined (automatically: too low), countered (a counter-proposal replaced it), abandoned (the negotiation "
    "ended with it open).",
)
NegotiationStatus = graphene.Enum(
    "NegotiationStatus",
    [(status.upper(), status) for status in roles.STATUSES],
    description="open, agreed (a proposal was accepted: the order's new total) or abandoned (ended without one).",
)


@dataclass
class NegotiationRead:
    row: NegotiationView
    proposals: list[ProposalView] = field(default_factory=list)


class Proposal(graphene.ObjectType):
    id = graphene.UUID(required=True)
    round = graphene.Int(required=True, description="1 for the first proposal of the order, and so on.")
    author_role = graphene.Field(NegotiationRole, required=True)
    amount = graphene.Field(Money, required=True, description="The proposed order total.")
    note = graphene.String(required=True)
    counter_to = graphene.UUID(description="The proposal this one countered (and replaced).")
    proposed_at = graphene.DateTime(required=True)
    expires_at = graphene.DateTime(required=True)
    outcome = graphene.Field(ProposalOutcome, required=True)
    outcome_at = graphene.DateTime()
    outcome_note = graphene.String(required=True, description="The reason given with a rejection.")

    @staticmethod
    def resolve_amount(row: ProposalView, info: graphene.ResolveInfo) -> Money:
        return Money.of(row.money)


class Negotiation(graphene.ObjectType):
    order_id = graphene.UUID(required=True)
    status = graphene.Field(NegotiationStatus, required=True)
    opened_by_role = graphene.Field(NegotiationRole, required=True)
    opened_at = graphene.DateTime(required=True)
    closed_at = graphene.DateTime()
    agreed = graphene.Field(Money, description="The agreed total, once a proposal was accepted.")
    open_proposal = graphene.Field(Proposal, description="The proposal awaiting an answer, if one is.")
    proposals = graphene.NonNull(
        graphene.List(graphene.NonNull(Proposal)), description="Every proposal, oldest first, with its outcome."
    )
    rounds_used = graphene.Int(required=True)
    rounds_left = graphene.Int(required=True, description="Proposals still allowed (NEGOTIATION_MAX_ROUNDS).")

    @staticmethod
    def resolve_order_id(root: NegotiationRead, info: graphene.ResolveInfo) -> Any:
        return root.row.order_id

    @staticmethod
    def resolve_status(root: NegotiationRead, info: graphene.ResolveInfo) -> str:
        return root.row.status

    @staticmethod
    def resolve_opened_by_role(root: NegotiationRead, info: graphene.ResolveInfo) -> str:
        return root.row.opened_by_role

    @staticmethod
    def resolve_opened_at(root: NegotiationRead, info: graphene.ResolveInfo) -> Any:
        return root.row.opened_at

    @staticmethod
    def resolve_closed_at(root: NegotiationRead, info: graphene.ResolveInfo) -> Any:
        return root.row.closed_at

    @staticmethod
    def resolve_agreed(root: NegotiationRead, info: graphene.ResolveInfo) -> Money | None:
        return Money.of(root.row.agreed)

    @staticmethod
    def resolve_open_proposal(root: NegotiationRead, info: graphene.ResolveInfo) -> ProposalView | None:
        wanted = root.row.open_proposal_id
        return next((p for p in root.proposals if p.id == wanted), None) if wanted else None

    @staticmethod
    def resolve_proposals(root: NegotiationRead, info: graphene.ResolveInfo) -> list[ProposalView]:
        return root.proposals

    @staticmethod
    def resolve_rounds_used(root: NegotiationRead, info: graphene.ResolveInfo) -> int:
        return root.row.rounds_used

    @staticmethod
    def resolve_rounds_left(root: NegotiationRead, info: graphene.ResolveInfo) -> int:
        return max(settings.NEGOTIATION_MAX_ROUNDS - root.row.rounds_used, 0)


def read_negotiation(order_id: Any) -> NegotiationRead | None:
    row = queries.negotiation(order_id)
    return None if row is None else NegotiationRead(row, queries.proposals(order_id))


def may_see(user: Any, customer_id: Any, designer_id: Any) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return user.id in (customer_id, designer_id) or has_permission(user, MANAGE_ALL)


def negotiation_of_order(order: Any, info: graphene.ResolveInfo) -> NegotiationRead | None:
    """The order's negotiation, to its customer, its designer and staff; null to anyone else or when none."""
    if not may_see(info.context.user, order.customer_id, order.designer_id):
        return None
    return read_negotiation(order.id)


ORDER_FIELDS = {
    "negotiation": graphene.Field(
        Negotiation,
        resolver=client_errors(negotiation_of_order),
        description="The price negotiation on this order (the open proposal and the history), for its customer, "
        "designer and staff; null when none was opened.",
    ),
}
