"""The negotiation context's aggregate and rules. Imports only the standard library, eventsourcing.domain and
the spine's shared domain (errors, text, Money)."""

from ocg.negotiation.domain import roles
from ocg.negotiation.domain.errors import (
    InvalidProposal,
    NegotiationError,
    NegotiationNotFound,
    NoOpenProposal,
    NotAuthor,
    NotNegotiable,
    NotNegotiationParty,
    OwnProposal,
    ProposalAlreadyOpen,
    ProposalDeclined,
    TooManyRounds,
    WrongCurrency,
)
from ocg.negotiation.domain.negotiation import Negotiation, negotiation_id, role_for
from ocg.negotiation.domain.requests import CustomPriceRequest, custom_price_request_id

__all__ = [
    "CustomPriceRequest",
    "InvalidProposal",
    "Negotiation",
    "NegotiationError",
    "NegotiationNotFound",
    "NoOpenProposal",
    "NotAuthor",
    "NotNegotiable",
    "NotNegotiationParty",
    "OwnProposal",
    "ProposalAlreadyOpen",
    "ProposalDeclined",
    "TooManyRounds",
    "WrongCurrency",
    "custom_price_request_id",
    "negotiation_id",
    "role_for",
    "roles",
]
