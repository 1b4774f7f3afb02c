from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "ocg.catalog"
    label = "catalog"
