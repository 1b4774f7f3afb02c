from ocg.payments.permissions import MANAGE_REFUNDS, PAY_ORDERS, REQUEST_REFUNDS, SEE_PAYMENTS
from ocg.spine import contexts
from ocg.spine.errors import register_error_statuses

# A provider's circuit is open (or it did not answer): 503 with Retry-After.
ERROR_STATUSES = {
    "payments_unavailable": 503,
    # The order cannot be paid now (not awaiting payment, already paid), or another attempt is under way.
    "order_not_payable": 409,
    "payment_in_progress": 409,
    "illegal_payment_step": 409,
    # The provider refused, or answered something unusable: nothing was charged (a bad gateway, not our bug).
    "provider_error": 502,
    # A webhook that is not the provider's, or not readable.
    "webhook_invalid": 400,
}


class PaymentsConfig(contexts.ContextConfig):
    name = "ocg.payments"
    label = "payments"
    demo_data = "ocg.payments.demo"
    permissions = {
        PAY_ORDERS: ("customer", "designer", "admin"),
        SEE_PAYMENTS: ("customer", "designer", "admin"),
        REQUEST_REFUNDS: ("customer", "designer", "admin"),
        MANAGE_REFUNDS: ("admin",),
    }
    benchmarks = {"payments": "ocg.payments.bench.run"}
    health_checks = {
        "refund_sla": "ocg.payments.sla.health",
        "stripe_circuit": "ocg.payments.breaker.stripe_circuit",
        "paypal_circuit": "ocg.payments.breaker.paypal_circuit",
    }

    def ready(self) -> None:
        register_error_statuses(ERROR_STATUSES)
