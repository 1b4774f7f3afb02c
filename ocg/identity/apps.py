from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "ocg.identity"
    label = "identity"
