from ocg.spine import contexts


class PaymentsConfig(contexts.ContextConfig):
    name = "ocg.payments"
    label = "payments"
