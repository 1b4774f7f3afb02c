"""The payments context's aggregates: Payment (an attempt, with its refunds) and the order's payment slot.
Imports only the standard library, eventsourcing.domain and the spine's shared domain."""

from ocg.payments.domain.errors import (
    IllegalPaymentStep,
    InvalidRefund,
    NotPaymentParty,
    OrderNotPayable,
    PaymentInProgress,
    PaymentNotFound,
    PaymentsError,
    PaymentsUnavailable,
    ProviderError,
)
from ocg.payments.domain.index import ProviderPaymentIndex, provider_payment_index_id
from ocg.payments.domain.payment import Payment, Refund
from ocg.payments.domain.slot import OrderPaymentSlot, slot_id

__all__ = [
    "IllegalPaymentStep",
    "InvalidRefund",
    "NotPaymentParty",
    "OrderNotPayable",
    "OrderPaymentSlot",
    "Payment",
    "PaymentInProgress",
    "PaymentNotFound",
    "PaymentsError",
    "PaymentsUnavailable",
    "ProviderError",
    "ProviderPaymentIndex",
    "Refund",
    "provider_payment_index_id",
    "slot_id",
]
