from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "ocg.payments"
    label = "payments"
