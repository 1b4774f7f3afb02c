from ocg.negotiation.permissions import CHAT, MANAGE_ALL, NEGOTIATE, SET_FLOORS
from ocg.spine import contexts
from ocg.spine.errors import register_error_statuses

ERROR_STATUSES = {
    "not_negotiable": 409,
    "proposal_open": 409,
    "no_open_proposal": 409,
    "own_proposal": 409,
    "not_author": 403,
    "too_many_rounds": 409,
    "proposal_declined": 409,  # kept for retries: the declined proposal is stored
}


class NegotiationConfig(contexts.ContextConfig):
    name = "ocg.negotiation"
    label = "negotiation"
    permissions = {
        NEGOTIATE: ("customer", "designer", "admin"),
        SET_FLOORS: ("designer", "admin"),
        CHAT: ("customer", "designer", "admin"),
        MANAGE_ALL: ("admin",),
    }
    demo_data = "ocg.negotiation.seed"
    benchmarks = {"chat": "ocg.negotiation.bench.chat.run"}

    def ready(self) -> None:
        register_error_statuses(ERROR_STATUSES)
        # The chat's tasks live in a sub-package, which Celery's autodiscovery (`<app>.tasks`) does not look in.
        from ocg.negotiation.chat import tasks  # noqa: F401
