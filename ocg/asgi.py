"""The ASGI entry point: HTTP through Django's WSGI handler on a pool of threads, WebSockets through Channels.

Every view and middleware is synchronous. Django's own ASGI handler runs such a stack by starting a new thread
for each request and hopping between that thread and the event loop at each change of middleware mode: measured
on this stack, about 3 ms of every request (a `/healthz` took 6.4 ms, 3.6 ms through the WSGI handler). `a2wsgi`
runs the whole request in one thread of a fixed pool (HTTP_THREADS, sized to the database pool) instead.
"""

import gc
import os
from importlib import import_module

from a2wsgi import WSGIMiddleware
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ocg.settings")
django_wsgi_app = get_wsgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.urls import re_path  # noqa: E402

from ocg.identity.channels import TokenAuthMiddleware  # noqa: E402
from ocg.negotiation.routing import websocket_urlpatterns  # noqa: E402
from ocg.spine.socketlog import SocketLogMiddleware, unrouted  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": WSGIMiddleware(django_wsgi_app, workers=settings.HTTP_THREADS),
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
