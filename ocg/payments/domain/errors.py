"""The payments context's domain errors, each with a stable code and the ids concerned."""

from __future__ import annotations

from ocg.spine.domain import DomainError


class PaymentsError(DomainError):
    """Base of the payments context's errors."""


class IllegalPaymentStep(PaymentsError):
    code = "illegal_payment_step"


class PaymentNotFound(PaymentsError):
    code = "not_found"


class OrderNotPayable(PaymentsError):
    """The order is not awaiting payment (cancelled, unconfirmed, negotiating, already paid...)."""

    code = "order_not_payable"


class PaymentInProgress(PaymentsError):
    """Another attempt to pay the order is under way; its own idempotency key replays its answer."""

    code = "payment_in_progress"


class NotPaymentParty(PaymentsError):
    """Only the order's customer pays it and asks for its refunds (staff act on any)."""

    code = "permission_denied"


class InvalidRefund(PaymentsError):
    code = "invalid_refund"


class PaymentsUnavailable(PaymentsError):
    """A provider is failing and its circuit is open: nothing was sent, try again after `retry_after` seconds."""

    code = "payments_unavailable"

    def __init__(self, message: str, *, retry_after: int, **kwargs: object) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ProviderError(PaymentsError):
    """The provider refused or answered something unusable; nothing changed on our side."""

    code = "provider_error"
