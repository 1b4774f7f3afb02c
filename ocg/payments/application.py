"""The payments context's event store; its aggregates and commands arrive with the payments capability."""

from ocg.spine.eventstore import ContextApplication


class PaymentsApplication(ContextApplication):
    name = "payments"
