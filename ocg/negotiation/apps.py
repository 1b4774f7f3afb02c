from ocg.spine import contexts

# The names live in ocg/negotiation/chat/access.py; spelled here so that loading the app imports no models.
CHAT = "negotiation.chat"
MANAGE_ALL = "negotiation.manage_all"


class NegotiationConfig(contexts.ContextConfig):
    name = "ocg.negotiation"
    label = "negotiation"
    permissions = {
        CHAT: ("customer", "designer", "admin"),
        MANAGE_ALL: ("admin",),
    }
    benchmarks = {"chat": "ocg.negotiation.bench.chat.run"}

    def ready(self) -> None:
        # The chat's tasks live in a sub-package, which Celery's autodiscovery (`<app>.tasks`) does not look in.
        from ocg.negotiation.chat import tasks  # noqa: F401
