from django.apps import AppConfig
from django.db.models.signals import post_migrate


def create_event_stores(**kwargs) -> None:
    """Create every context's events schema and table during `migrate`, not in a race at start-up."""
    from ocg.spine.eventstore import applications

    applications.all()


class SpineConfig(AppConfig):
    name = "ocg.spine"
    label = "spine"
    verbose_name = "Event-sourcing machinery"

    def ready(self) -> None:
        post_migrate.connect(create_event_stores, sender=self)
