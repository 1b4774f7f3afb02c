"""The negotiation context's WebSocket routes (ocg/asgi.py mounts them behind the origin and token checks)."""

from django.urls import re_path

from ocg.negotiation.chat.consumer import ChatConsumer

UUID_PATTERN = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

websocket_urlpatterns = [
    re_path(rf"^ws/orders/(?P<order_id>{UUID_PATTERN})/chat/$", ChatConsumer.as_asgi()),
]
