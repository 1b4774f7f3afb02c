"""The payments context's aggregates: Payment (an attempt, with its refunds) and the order's payment slot.
Imports only the standard library, eventsourcing.domain and the spine's shared domain."""

from ocg.payments.domain.errors import (
    IllegalPaymentStep,
    InvalidRefund,
    OrderNotPayable,
    PaymentNotFound,
    PaymentsError,
    PaymentsUnavailable,
    ProviderError,
)
from ocg.payments.domain.payment import Payment, Refund
from ocg.payments.domain.slot import OrderPaymentSlot, slot_id

__all__ = [
    "IllegalPaymentStep",
    "InvalidRefund",
    "OrderNotPayable",
    "OrderPaymentSlot",
    "Payment",
    "PaymentNotFound",
    "PaymentsError",
    "PaymentsUnavailable",
    "ProviderError",
    "Refund",
    "slot_id",
]
