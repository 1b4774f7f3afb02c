import re

from django.conf import settings
from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from django.views.static import serve

from ocg.api import api
from ocg.identity import browser_session
from ocg.identity.views import jwks
from ocg.spine.docpages import docs_page
from ocg.spine.graphql import OCGGraphQLView
from ocg.spine.health import admin_health, healthz, readyz
from ocg.spine.uploads import uses_s3


@require_safe
def media(request: HttpRequest, path: str) -> HttpResponse:
    """Embedded mode's uploaded files from MEDIA_ROOT (Django's `serve` refuses paths that leave it and
    guesses the type from the name); with S3 the files are S3's to serve."""
    if uses_s3():
        raise Http404
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


urlpatterns = [
    path("admin/health/", admin_health, name="admin-health"),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("auth/social/", include("ocg.identity.social_urls", namespace="social")),
    path("graphql", csrf_exempt(docs_page(OCGGraphQLView.as_view(graphiql=settings.DEBUG)))),
    path(".well-known/jwks.json", jwks, name="jwks"),
    path("panel/session", browser_session.sign_in_view, name="panel-session"),
    path("panel/session/refresh", browser_session.refresh_view, name="panel-session-refresh"),
    path("panel/session/end", browser_session.sign_out_view, name="panel-session-end"),
    path("panel/", include("ocg.negotiation.panel.urls", namespace="panel")),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    re_path(rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>.+)$", media, name="media"),
]

# A failure outside any view's own handling: an outage (database, Redis) is told from a bug and answered 503.
handler500 = "ocg.spine.gateway.server_error"
