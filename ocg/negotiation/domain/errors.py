"""The negotiation context's domain errors, each with a stable code and the input field at fault."""

from __future__ import annotations

from ocg.spine.domain import DomainError


class NegotiationError(DomainError):
    """Base of the negotiation context's errors."""


class InvalidProposal(NegotiationError):
    """An amount that is not positive money, a note too long or not clean text."""

    code = "invalid"


class WrongCurrency(NegotiationError):
    """Amounts are in the order's currency."""

    code = "currency_mismatch"


class NegotiationNotFound(NegotiationError):
    """No such order, or one the caller may not see, or no negotiation on it yet."""

    code = "not_found"


class NotNegotiationParty(NegotiationError):
    """Only the order's customer, its designer and staff take part."""

    code = "permission_denied"


class NotNegotiable(NegotiationError):
    """The order is in a state where its price cannot be negotiated, or the negotiation has ended."""

    code = "not_negotiable"


class ProposalAlreadyOpen(NegotiationError):
    """At most one proposal is open; its author withdraws it before proposing again."""

    code = "proposal_open"


class NoOpenProposal(NegotiationError):
    """Accept, reject and withdraw act on the open proposal, named by its id."""

    code = "no_open_proposal"


class OwnProposal(NegotiationError):
    """Nobody accepts, rejects or counters their own proposal."""

    code = "own_proposal"


class NotAuthor(NegotiationError):
    """Only a proposal's author (or staff) withdraws it; the other side accepts, rejects or counters."""

    code = "not_author"


class TooManyRounds(NegotiationError):
    """NEGOTIATION_MAX_ROUNDS proposals have been made on this order."""

    code = "too_many_rounds"


class ProposalDeclined(NegotiationError):
    """A customer's proposal under the designer's private floor: declined at once, the floor never named."""

    code = "proposal_declined"
