from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "ocg.orders"
    label = "orders"
