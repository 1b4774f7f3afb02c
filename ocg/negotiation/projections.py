"""The negotiations' read models, folded from the negotiation events a batch at a time (one transaction a batch).

A proposal's row keeps its outcome: open until it is accepted, rejected, withdrawn, expired, declined, countered
(a newer proposal replaced it) or abandoned (the negotiation ended with it on the table).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ocg.negotiation.domain import roles
from ocg.negotiation.models import NegotiationView, ProposalView
from ocg.spine.projections import Projection

NEGOTIATION_FIELDS = [f.name for f in NegotiationView._meta.concrete_fields if not f.primary_key]
PROPOSAL_FIELDS = [f.name for f in ProposalView._meta.concrete_fields if not f.primary_key]
# The event that settles a proposal -> its outcome.
OUTCOMES = {
    "Negotiation.Withdrawn": roles.WITHDRAWN,
    "Negotiation.Rejected": roles.REJECTED,
    "Negotiation.Declined": roles.DECLINED,
    "Negotiation.Expired": roles.EXPIRED,
    "Negotiation.PriceAgreed": roles.ACCEPTED,
}


class NegotiationProjection(Projection):
    name = "negotiation"
    sources = ("negotiation",)
    read_models = (NegotiationView, ProposalView)

    def handle(self, events: Sequence[Any]) -> None:
        mine = [e for e in events if type(e).__qualname__.startswith("Negotiation.")]
        if not mine:
            return
        order_ids = {e.order_id for e in mine}
        rows = {row.order_id: row for row in NegotiationView.objects.filter(order_id__in=order_ids)}
        proposals = {p.id: p for p in ProposalView.objects.filter(order_id__in=order_ids, outcome=roles.OPEN)}
        for e in mine:
            kind = type(e).__qualname__
            if kind == "Negotiation.Opened":
                rows[e.order_id] = opened_row(e)
                continue
            row = rows.get(e.order_id)
            if row is None:
                continue
            row.version, row.updated_at = e.originator_version, e.timestamp
            if kind == "Negotiation.Proposed":
                proposed(row, proposals, e)
            elif kind in OUTCOMES:
                settle(row, proposals, e.proposal_id, OUTCOMES[kind], e)
                if kind == "Negotiation.PriceAgreed":
                    row.agreed_amount = e.amount.amount
            elif kind == "Negotiation.Closed":
                row.status, row.closed_at = e.outcome, e.timestamp
                if row.open_proposal_id is not None:
                    settle(row, proposals, row.open_proposal_id, roles.ABANDONED, e)
        NegotiationView.objects.bulk_create(
            rows.values(), update_conflicts=True, unique_fields=["order_id"], update_fields=NEGOTIATION_FIELDS
        )
        ProposalView.objects.bulk_create(
            proposals.values(), update_conflicts=True, unique_fields=["id"], update_fields=PROPOSAL_FIELDS
        )


def opened_row(e: Any) -> NegotiationView:
    return NegotiationView(
        order_id=e.order_id,
        negotiation_id=e.originator_id,
        customer_id=e.customer_id,
        designer_id=e.designer_id,
        currency=e.currency,
        status=roles.OPEN,
        opened_by_role=e.opened_by_role,
        opened_at=e.timestamp,
        rounds_used=0,
        updated_at=e.timestamp,
        version=e.originator_version,
    )


def proposed(row: NegotiationView, proposals: dict[Any, ProposalView], e: Any) -> None:
    if e.counter_to is not None:
        settle(row, proposals, e.counter_to, roles.COUNTERED, e)
    proposals[e.proposal_id] = ProposalView(
        id=e.proposal_id,
        order_id=e.order_id,
        round=e.round,
        author_role=e.author_role,
        author_id=e.actor_id,
        amount=e.amount.amount,
        currency=e.amount.currency,
        note=e.note,
        counter_to=e.counter_to,
        proposed_at=e.timestamp,
        expires_at=e.expires_at,
        outcome=roles.OPEN,
    )
    row.rounds_used = e.round
    row.open_proposal_id = e.proposal_id


def settle(row: NegotiationView, proposals: dict[Any, ProposalView], proposal_id: Any, outcome: str, e: Any) -> None:
    proposal = proposals.get(proposal_id)
    if proposal is not None and proposal.outcome == roles.OPEN:
        proposal.outcome, proposal.outcome_at = outcome, e.timestamp
        proposal.outcome_note = getattr(e, "note", "") if outcome == roles.REJECTED else ""
        proposal.outcome_by = getattr(e, "actor_id", None)
    if row.open_proposal_id == proposal_id:
        row.open_proposal_id = None
