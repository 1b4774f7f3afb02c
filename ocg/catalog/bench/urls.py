"""The site's URLs plus the catalog benchmark's baseline view; the benchmark's server sets ROOT_URLCONF to this."""

from django.urls import path

from ocg.catalog.bench.baseline import listing
from ocg.urls import urlpatterns as site

urlpatterns = [path("bench/catalog/listing", listing), *site]
