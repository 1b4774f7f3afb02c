"""The orders context's event store; its aggregates and commands arrive with the orders capability."""

from ocg.spine.eventstore import ContextApplication


class OrdersApplication(ContextApplication):
    name = "orders"
