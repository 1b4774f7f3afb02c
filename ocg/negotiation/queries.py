"""The negotiation context's read side, for its APIs and for other contexts."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ocg.negotiation.domain import roles
from ocg.negotiation.models import NegotiationView, ProposalView


def negotiation(order_id: UUID) -> NegotiationView | None:
    return NegotiationView.objects.filter(order_id=order_id).first()


def proposals(order_id: UUID) -> list[ProposalView]:
    """The negotiation's history, oldest first."""
    return list(ProposalView.objects.filter(order_id=order_id).order_by("round"))


def negotiations_of(order_ids: list[UUID]) -> dict[UUID, tuple[NegotiationView, list[ProposalView]]]:
    """Many orders' negotiations and histories in two queries."""
    found = {row.order_id: (row, []) for row in NegotiationView.objects.filter(order_id__in=order_ids)}
    for proposal in ProposalView.objects.filter(order_id__in=list(found)).order_by("order_id", "round"):
        found[proposal.order_id][1].append(proposal)
    return found


def due_proposal_orders(now: datetime, limit: int) -> list[UUID]:
    """Orders whose open proposal is past its time."""
    due = ProposalView.objects.filter(outcome=roles.OPEN, expires_at__lte=now).order_by("expires_at")
    return list(due.values_list("order_id", flat=True)[:limit])


def open_negotiation_order_ids(designer_id: UUID) -> list[UUID]:
    """A designer's orders under negotiation (their panel shows these first)."""
    return list(
        NegotiationView.objects.filter(designer_id=designer_id, status=roles.OPEN).values_list("order_id", flat=True)
    )
