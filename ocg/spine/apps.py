from django.apps import AppConfig


class SpineConfig(AppConfig):
    name = "ocg.spine"
    label = "spine"
    verbose_name = "Event-sourcing machinery"
