from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "ocg.backoffice"
    label = "backoffice"
