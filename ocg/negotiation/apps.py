from django.apps import AppConfig


class NegotiationConfig(AppConfig):
    name = "ocg.negotiation"
    label = "negotiation"
