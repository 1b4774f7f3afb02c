"""The panel's pages, mounted at /panel/ (the cookie sign-in endpoints under it belong to identity)."""

from django.urls import path

from ocg.negotiation.panel import views

app_name = "panel"

urlpatterns = [
    path("", views.sign_in, name="sign-in"),
    path("orders/", views.orders, name="orders"),
    path("orders/<uuid:order_id>/", views.order, name="order"),
]
