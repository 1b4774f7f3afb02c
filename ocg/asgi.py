"""The ASGI entry point: HTTP through Django, WebSockets through Channels."""

import gc
import os
from importlib import import_module

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ocg.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.urls import re_path  # noqa: E402

from ocg.identity.channels import TokenAuthMiddleware  # noqa: E402
from ocg.negotiation.routing import websocket_urlpatterns  # noqa: E402
from ocg.spine.socketlog import SocketLogMiddleware, unrouted  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Sockets authenticate with an access token, never the session cookie; an unknown path is refused
        # (close 4404) rather than failing in the router; every handshake and close is logged once.
        "websocket": SocketLogMiddleware(
            AllowedHostsOriginValidator(
                TokenAuthMiddleware(URLRouter([*websocket_urlpatterns, re_path(r"", unrouted)]))
            )
        ),
    }
)

# Load the URLs (and with them the GraphQL schema and the API) now rather than on the first request, then
# take everything loaded so far out of the garbage collector's sight: those objects live as long as the
# process, and collections that scanned them paused requests for tens of milliseconds.
import_module(settings.ROOT_URLCONF)
gc.collect()
gc.freeze()
