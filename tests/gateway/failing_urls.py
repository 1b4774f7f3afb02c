"""The real URLs plus views that fail the way a bug or a misbehaving layer would, for the error-contract tests."""

import psycopg
from django.http import HttpResponse, HttpResponseForbidden, JsonResponse
from django.urls import path

from ocg.spine.rest import OCGNinjaAPI
from ocg.urls import handler500  # noqa: F401 - Django reads it from the root URLconf
from ocg.urls import urlpatterns as real_urlpatterns

SECRET = "secret-detail-of-the-failure"

failing_api = OCGNinjaAPI(title="failing", urls_namespace="failing")


@failing_api.get("/raises")
def ninja_raises(request):
    raise RuntimeError(SECRET)


def raises(request):
    raise RuntimeError(SECRET)


class DatabaseWentAway(psycopg.OperationalError):
    """What the driver raises when the server goes away: a service failure, not a bug."""


@failing_api.get("/outage")
def ninja_outage(request):
    raise DatabaseWentAway(SECRET)


def outage(request):
    raise DatabaseWentAway(SECRET)


def detail_json(request):
    return JsonResponse({"detail": "Something odd."}, status=400)


def field_json(request):
    return JsonResponse({"code": "weird", "message": "Odd.", "field": "name"}, status=409)


def graphql_shaped(request):
    return JsonResponse({"errors": [{"message": "One at a time.", "extensions": {"code": "too_many"}}]}, status=400)


def html_forbidden(request):
    return HttpResponseForbidden("<h1>Forbidden</h1><p>CSRF verification failed.</p>")


def plain_unavailable(request):
    return HttpResponse("down for maintenance", status=503, content_type="text/plain")


urlpatterns = [
    path("api/failing/raises", raises),
    path("api/failing/outage", outage),
    path("admin/failing/outage", outage),
    path("api/failing/detail", detail_json),
    path("api/failing/field", field_json),
    path("api/failing/unavailable", plain_unavailable),
    path("api/failing/graphql-shaped", graphql_shaped),
    path("api/failing/forbidden", html_forbidden),
    path("api/failing-ninja/", failing_api.urls),
    path("graphql", raises),
    *real_urlpatterns,
]
