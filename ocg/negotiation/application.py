"""The negotiation context's event store; its aggregates and commands arrive with the negotiation capability."""

from ocg.spine.eventstore import ContextApplication


class NegotiationApplication(ContextApplication):
    name = "negotiation"
