from ocg.payments.permissions import MANAGE_REFUNDS, REQUEST_REFUNDS, SEE_PAYMENTS
from ocg.spine import contexts


class PaymentsConfig(contexts.ContextConfig):
    name = "ocg.payments"
    label = "payments"
    permissions = {
        SEE_PAYMENTS: ("customer", "designer", "admin"),
        REQUEST_REFUNDS: ("customer", "designer", "admin"),
        MANAGE_REFUNDS: ("admin",),
    }
    health_checks = {"refund_sla": "ocg.payments.sla.health"}
