"""The Negotiation aggregate: one per order, the price its customer and designer agree, proposal by proposal.

Either party proposes a new order total; the other accepts, rejects or counters (a counter is a proposal that
replaces the open one: `Proposed` with `counter_to`). At most one proposal is open, its author may withdraw it,
and it expires at `expires_at`. Staff may step in: they propose as "staff", and answer or withdraw any proposal
but their own. A customer's proposal under the designer's private floor is declined at once (`Declined`), which
names no amount. Withdrawn, rejected, expired and declined proposals leave the negotiation open with nothing on
the table: the parties may propose again until the rounds run out or one of them ends it (`Closed(abandoned)`).
An accepted proposal is the price: `PriceAgreed`, then `Closed(agreed)`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ocg.negotiation.domain import roles
from ocg.negotiation.domain.errors import (
    InvalidProposal,
    NoOpenProposal,
    NotAuthor,
    NotNegotiable,
    NotNegotiationParty,
    OwnProposal,
    ProposalAlreadyOpen,
    TooManyRounds,
    WrongCurrency,
)
from ocg.spine.domain.money import Money
from ocg.spine.domain.text import clean_text

NAMESPACE = uuid.UUID("5b0d7c0e-2f7a-4c55-9a7e-3c1f0e6d8a42")
NOTE_MAX_LENGTH = 1000


def negotiation_id(order_id: UUID) -> UUID:
    """One negotiation per order, found from the order's id alone."""
    return uuid.uuid5(NAMESPACE, f"negotiation:{order_id}")


def role_for(actor_id: UUID | None, customer_id: UUID, designer_id: UUID, *, is_staff: bool) -> str:
    """The order's own parties act as themselves; staff as staff; anyone else is refused."""
    if actor_id is not None and actor_id == customer_id:
        return roles.CUSTOMER
    if actor_id is not None and actor_id == designer_id:
        return roles.DESIGNER
    if is_staff:
        return roles.STAFF
    raise NotNegotiationParty("Only the order's customer, its designer or staff negotiate.", field="orderId")


@dataclass(frozen=True)
class OpenProposal:
    id: UUID
    author_role: str
    author_id: UUID | None
    amount: Money
    expires_at: datetime

    def is_due(self, now: datetime) -> bool:
        return now >= self.expires_at


class Negotiation(Aggregate):
    """`status` is open, agreed or abandoned; `proposal` the open proposal or None; `rounds_used` counts every
    proposal made (declined ones too, so a floor cannot be probed without end)."""

    class Opened(Aggregate.Created):
        order_id: UUID
        customer_id: UUID
        designer_id: UUID
        currency: str
        opened_by_role: str
        actor_id: UUID | None

    @event(Opened)
    def __init__(
        self,
        order_id: UUID,
        customer_id: UUID,
        designer_id: UUID,
        currency: str,
        opened_by_role: str,
        actor_id: UUID | None,
    ) -> None:
        self.order_id = order_id
        self.customer_id = customer_id
        self.designer_id = designer_id
        self.currency = currency
        self.opened_by_role = opened_by_role
        self.status = roles.OPEN
        self.proposal: OpenProposal | None = None
        self.rounds_used = 0
        self.agreed: Money | None = None

    @classmethod
    def start(
        cls,
        *,
        order_id: UUID,
        customer_id: UUID,
        designer_id: UUID,
        currency: str,
        role: str,
        actor_id: UUID | None,
    ) -> Negotiation:
        if role not in roles.ROLES:
            raise NotNegotiationParty("Only the order's customer, its designer or staff negotiate.", field="orderId")
        return cls._create(
            cls.Opened,
            id=negotiation_id(order_id),
            order_id=order_id,
            customer_id=customer_id,
            designer_id=designer_id,
            currency=currency,
            opened_by_role=role,
            actor_id=actor_id,
        )

    # Who acts.

    def role_of(self, actor_id: UUID | None, *, is_staff: bool) -> str:
        return role_for(actor_id, self.customer_id, self.designer_id, is_staff=is_staff)

    def _check_open(self) -> None:
        if self.status != roles.OPEN:
            raise NotNegotiable(f"This negotiation has ended ({self.status}).", field="orderId")

    def live_proposal(self, now: datetime) -> OpenProposal | None:
        """The open proposal, unless it is past its time (its `Expired` may not be recorded yet)."""
        if self.proposal is None or self.proposal.is_due(now):
            return None
        return self.proposal

    def _answerable(self, proposal_id: UUID, now: datetime) -> OpenProposal:
        live = self.live_proposal(now)
        if live is None:
            expired = self.proposal is not None and self.proposal.id == proposal_id
            raise NoOpenProposal(
                "That proposal has expired." if expired else "There is no open proposal.", field="proposalId"
            )
        if live.id != proposal_id:
            raise NoOpenProposal("That proposal is no longer the open one.", field="proposalId")
        return live

    # Commands.

    def propose(
        self,
        *,
        proposal_id: UUID,
        role: str,
        actor_id: UUID | None,
        amount: Money,
        note: str,
        now: datetime,
        expires_at: datetime,
        max_rounds: int,
        floor: Money | None = None,
    ) -> bool:
        """Records the proposal (a counter when the other side's is open); True when it was declined at once."""
        self._check_open()
        if amount.currency != self.currency:
            raise WrongCurrency(f"Propose an amount in the order's currency, {self.currency}.", field="currency")
        if amount.amount <= 0:
            raise InvalidProposal("A proposed total is above zero.", field="amount")
        note = clean_text(
            note, field="note", max_length=NOTE_MAX_LENGTH, multiline=True, required=False, error=InvalidProposal
        )
        live = self.live_proposal(now)
        if live is not None and live.author_role == role:
            raise ProposalAlreadyOpen(
                "Your proposal is still open: withdraw it before proposing another.", field="proposalId"
            )
        if self.rounds_used >= max_rounds:
            raise TooManyRounds(
                f"The {max_rounds} proposals this order allows have been made: accept the open one or end the "
                "negotiation.",
                field="orderId",
            )
        if live is None and self.proposal is not None:
            self._expired(order_id=self.order_id, proposal_id=self.proposal.id, actor_id=None)
        self._proposed(
            order_id=self.order_id,
            proposal_id=proposal_id,
            author_role=role,
            amount=amount,
            note=note,
            round=self.rounds_used + 1,
            expires_at=expires_at,
            counter_to=live.id if live is not None else None,
            actor_id=actor_id,
        )
        below_floor = (
            role == roles.CUSTOMER and floor is not None and floor.currency == amount.currency and amount < floor
        )
        if below_floor:
            self._declined(order_id=self.order_id, proposal_id=proposal_id, actor_id=None)
        return below_floor

    def accept(self, *, proposal_id: UUID, role: str, actor_id: UUID | None, now: datetime) -> Money:
        self._check_open()
        live = self._answerable(proposal_id, now)
        if live.author_role == role:
            raise OwnProposal("You cannot accept your own proposal.", field="proposalId")
        self._price_agreed(order_id=self.order_id, proposal_id=live.id, amount=live.amount, actor_id=actor_id)
        self._closed(order_id=self.order_id, outcome=roles.AGREED, actor_id=actor_id)
        return live.amount

    def reject(self, *, proposal_id: UUID, role: str, actor_id: UUID | None, note: str, now: datetime) -> None:
        self._check_open()
        live = self._answerable(proposal_id, now)
        if live.author_role == role:
            raise OwnProposal("You cannot reject your own proposal: withdraw it.", field="proposalId")
        note = clean_text(
            note, field="note", max_length=NOTE_MAX_LENGTH, multiline=True, required=False, error=InvalidProposal
        )
        self._rejected(order_id=self.order_id, proposal_id=live.id, note=note, actor_id=actor_id)

    def withdraw(self, *, proposal_id: UUID, role: str, actor_id: UUID | None, now: datetime) -> None:
        """Its author takes it back; staff may take back any."""
        self._check_open()
        live = self._answerable(proposal_id, now)
        if live.author_role != role and role != roles.STAFF:
            raise NotAuthor("Only its author withdraws a proposal: accept, reject or counter it.", field="proposalId")
        self._withdrawn(order_id=self.order_id, proposal_id=live.id, actor_id=actor_id)

    def expire(self, now: datetime) -> bool:
        """The open proposal's time is up: recorded once (False when there is nothing to expire)."""
        if self.status != roles.OPEN or self.proposal is None or not self.proposal.is_due(now):
            return False
        self._expired(order_id=self.order_id, proposal_id=self.proposal.id, actor_id=None)
        return True

    def end(self, *, actor_id: UUID | None) -> bool:
        """A party (or the system, when the order moved on) ends it without a price: False if already ended."""
        if self.status != roles.OPEN:
            return False
        self._closed(order_id=self.order_id, outcome=roles.ABANDONED, actor_id=actor_id)
        return True

    # Events: state only, as they run again on replay.

    class Proposed(Aggregate.Event):
        order_id: UUID
        proposal_id: UUID
        author_role: str
        amount: Money
        note: str
        round: int
        expires_at: datetime
        counter_to: UUID | None
        actor_id: UUID | None

    @event(Proposed)
    def _proposed(
        self,
        order_id: UUID,
        proposal_id: UUID,
        author_role: str,
        amount: Money,
        note: str,
        round: int,
        expires_at: datetime,
        counter_to: UUID | None,
        actor_id: UUID | None,
    ) -> None:
        self.proposal = OpenProposal(proposal_id, author_role, actor_id, amount, expires_at)
        self.rounds_used = round

    class Withdrawn(Aggregate.Event):
        order_id: UUID
        proposal_id: UUID
        actor_id: UUID | None

    @event(Withdrawn)
    def _withdrawn(self, order_id: UUID, proposal_id: UUID, actor_id: UUID | None) -> None:
        self.proposal = None

    class Rejected(Aggregate.Event):
        order_id: UUID
        proposal_id: UUID
        note: str
        actor_id: UUID | None

    @event(Rejected)
    def _rejected(self, order_id: UUID, proposal_id: UUID, note: str, actor_id: UUID | None) -> None:
        self.proposal = None

    class Declined(Aggregate.Event):
        order_id: UUID
        proposal_id: UUID
        actor_id: UUID | None

    @event(Declined)
    def _declined(self, order_id: UUID, proposal_id: UUID, actor_id: UUID | None) -> None:
        self.proposal = None

    class Expired(Aggregate.Event):
        order_id: UUID
        proposal_id: UUID
        actor_id: UUID | None

    @event(Expired)
    def _expired(self, order_id: UUID, proposal_id: UUID, actor_id: UUID | None) -> None:
        self.proposal = None

    class PriceAgreed(Aggregate.Event):
        order_id: UUID
        proposal_id: UUID
        amount: Money
        actor_id: UUID | None

    @event(PriceAgreed)
    def _price_agreed(self, order_id: UUID, proposal_id: UUID, amount: Money, actor_id: UUID | None) -> None:
        self.proposal = None
        self.agreed = amount

    class Closed(Aggregate.Event):
        order_id: UUID
        outcome: str
        actor_id: UUID | None

    @event(Closed)
    def _closed(self, order_id: UUID, outcome: str, actor_id: UUID | None) -> None:
        self.proposal = None
        self.status = outcome
