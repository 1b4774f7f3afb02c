"""The orders context's domain errors, each with a stable code and the ids concerned."""

from __future__ import annotations

from ocg.spine.domain import DomainError


class OrdersError(DomainError):
    """Base of the orders context's errors."""


class InvalidOrder(OrdersError):
    code = "invalid"


class NotCustomizable(InvalidOrder):
    """A custom price is asked for customizable pieces only."""

    code = "not_customizable"


class OrderNotFound(OrdersError):
    code = "not_found"


class NotOrderParty(OrdersError):
    """Only the order's customer, its designer (for their steps) or staff may act on it."""

    code = "permission_denied"


class IllegalTransition(OrdersError):
    """The step is not allowed from the order's current state; both are named."""

    code = "illegal_transition"

    def __init__(self, message: str, *, state: str, step: str, **ids: object) -> None:
        super().__init__(message, field="status", **ids)
        self.state = state
        self.step = step
