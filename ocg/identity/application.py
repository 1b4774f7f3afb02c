"""The identity context's event store; its aggregates and commands arrive with the identity capability."""

from ocg.spine.eventstore import ContextApplication


class IdentityApplication(ContextApplication):
    name = "identity"
