"""The backoffice context's event store; its aggregates and commands arrive with the backoffice capability."""

from ocg.spine.eventstore import ContextApplication


class BackofficeApplication(ContextApplication):
    name = "backoffice"
