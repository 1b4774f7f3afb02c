"""social-auth's URLs (namespace `social`), with begin and complete refused for a provider that has no keys."""

from django.urls import path
from social_django import views

from ocg.identity.social import configured_providers_only

app_name = "social"

urlpatterns = [
    path("login/<str:backend>/", configured_providers_only(views.auth), name="begin"),
    path("complete/<str:backend>/", configured_providers_only(views.complete), name="complete"),
    path("disconnect/<str:backend>/", views.disconnect, name="disconnect"),
    path("disconnect/<str:backend>/<int:association_id>/", views.disconnect, name="disconnect_individual"),
]
