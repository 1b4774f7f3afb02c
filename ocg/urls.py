from django.conf import settings
from django.contrib import admin
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from ocg.api import api
from ocg.spine.graphql import OCGGraphQLView
from ocg.spine.health import healthz, readyz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("graphql", csrf_exempt(OCGGraphQLView.as_view(graphiql=settings.DEBUG))),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
]
