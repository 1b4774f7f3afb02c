from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "ocg.identity"
    label = "identity"

    def ready(self) -> None:
        from ocg.identity import cached_users  # noqa: F401 - connects the signals that keep its cache true
