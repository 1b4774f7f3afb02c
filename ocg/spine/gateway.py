"""Edge concerns shared by the gateway middleware: the true client IP, API paths, oversized bodies."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse

API_PREFIXES = ("/graphql", "/api/")
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def is_api_path(path: str) -> bool:
    return path == "/graphql" or path.startswith(API_PREFIXES)


@lru_cache(maxsize=8)
def trusted_networks(entries: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """TRUSTED_PROXIES as networks: single addresses and CIDRs alike."""
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def parse_ip(text: str) -> IPAddress | None:
    """An address as proxies write it: bare, `[v6]:port` or `v4:port`; None when it is not one."""
    text = text.strip()
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else text
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def client_ip(request: HttpRequest) -> str:
    """The peer address, unless the peer is a trusted proxy: then the nearest untrusted X-Forwarded-For hop.

    X-Forwarded-For is read from the right, because only the hops our own proxies appended can be believed;
    anything further left was written by the client and is skipped once an untrusted hop is found.
    """
    cached = getattr(request, "_ocg_client_ip", None)
    if cached is not None:
        return cached
    remote = request.META.get("REMOTE_ADDR") or ""
    result = remote
    if settings.TRUSTED_PROXIES:
        networks = trusted_networks(tuple(settings.TRUSTED_PROXIES))
        peer = parse_ip(remote)
        if peer is not None and is_trusted(peer, networks):
            result = str(peer)
            for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
                address = parse_ip(hop)
                if address is None:
                    break
                result = str(address)
                if not is_trusted(address, networks):
                    break
    request._ocg_client_ip = result
    return result


def is_trusted(address: IPAddress, networks: tuple) -> bool:
    return any(address in network for network in networks)


def payload_too_large() -> JsonResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return JsonResponse(
        {"code": "payload_too_large", "message": f"The request body is larger than {limit} bytes."}, status=413
    )


def body_too_large(request: HttpRequest) -> bool:
    """Content-Length is checked first; a chunked body is measured by Django when it is first read."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is None or request.method not in BODY_METHODS:
        return False
    try:
        if int(request.META.get("CONTENT_LENGTH") or 0) > limit:
            return True
        request.body  # noqa: B018
    except ValueError:
        return False
    except RequestDataTooBig:
        return True
    return False


class ApiEdgeMiddleware:
    """On /graphql and /api/: 413 JSON for oversized bodies (Django would answer a bare 400) and a strict CSP."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_api_path(request.path):
            return self.get_response(request)
        response = payload_too_large() if body_too_large(request) else self.get_response(request)
        if response.get("Content-Type", "").startswith("application/json"):
            response.setdefault("Content-Security-Policy", API_CONTENT_SECURITY_POLICY)
        return response
