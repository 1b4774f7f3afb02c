"""The panel's pages. The server renders each page's frame; the page's script signs in, then reads and writes
through /graphql with the access token it holds in memory, and talks on the order's chat socket.

Every page is sent under a strict CSP: scripts from 'self' (and Stripe.js's origin on the order page), no
inline script or style, no framing by others.
"""

from __future__ import annotations

from functools import wraps
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

STRIPE_JS = "https://js.stripe.com/v3/"


def stripe_js_url() -> str:
    """Stripe.js, or localstripe's stand-in for it when the API is localstripe (tests, the demo)."""
    base = settings.STRIPE_API_BASE
    return f"{base.rstrip('/')}/js.stripe.com/v3/" if base else STRIPE_JS


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(stripe: bool) -> str:
    """Stripe.js's origin may run scripts and frames, and its API answer fetches, on the order page only."""
    scripts = connect = ""
    frames = " 'none'"
    if stripe:
        scripts = frames = f" {origin(stripe_js_url())}"
        connect = f" {origin(settings.STRIPE_API_BASE)}" if settings.STRIPE_API_BASE else " https://api.stripe.com"
    return (
        f"default-src 'none'; script-src 'self'{scripts}; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self'{connect}; frame-src{frames}; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


def panel_page(stripe: bool = False) -> Any:
    def decorate(view: Any) -> Any:
        @wraps(view)
        @require_safe
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            response = view(request, *args, **kwargs)
            response["Content-Security-Policy"] = content_security_policy(stripe)
            response["Cache-Control"] = "no-store"
            return response

        return wrapper

    return decorate


@panel_page()
def sign_in(request: HttpRequest) -> HttpResponse:
    return render(request, "panel/sign_in.html", {"page": "sign-in"})


@panel_page()
def orders(request: HttpRequest) -> HttpResponse:
    return render(request, "panel/orders.html", {"page": "orders"})


@panel_page(stripe=True)
def order(request: HttpRequest, order_id: UUID) -> HttpResponse:
    context = {
        "page": "order",
        "order_id": order_id,
        "stripe_js": stripe_js_url(),
        "stripe_key": settings.STRIPE_PUBLISHABLE_KEY or "",
    }
    return render(request, "panel/order.html", context)
