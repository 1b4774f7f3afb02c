from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from ocg.api import api
from ocg.identity.views import jwks
from ocg.spine.docpages import docs_page
from ocg.spine.graphql import OCGGraphQLView
from ocg.spine.health import healthz, readyz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("auth/social/", include("ocg.identity.social_urls", namespace="social")),
    path("graphql", csrf_exempt(docs_page(OCGGraphQLView.as_view(graphiql=settings.DEBUG)))),
    path(".well-known/jwks.json", jwks, name="jwks"),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
]
