"""Edge concerns shared by the gateway middleware: the true client IP, API paths, bodies, the error contract.

Every error under /api/ leaves as `{code, message, errors}` and every error on /graphql as GraphQL's
`{errors: [{message, extensions: {code}}]}`, whichever layer produced it: a view, another middleware, or
Django itself (its 404 and 405 pages, its debug page for a 500).
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import sys
from collections.abc import Iterable, Mapping
from functools import lru_cache
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.http.request import RawPostDataException
from django.views.defaults import server_error as django_server_error

from ocg.spine.errors import (
    CODE_BY_STATUS,
    UNAVAILABLE_MESSAGE,
    UNAVAILABLE_RETRY_AFTER_SECONDS,
    error_text,
    graphql_error_body,
    rest_error_body,
    service_unavailable,
)

API_PREFIXES = ("/graphql", "/api/")
GRAPHQL_PATH = "/graphql"
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# Views that read their body as a stream, under a limit of their own (an upload ticket's), not MAX_REQUEST_BYTES.
STREAMED_BODY_PREFIXES = ("/api/uploads/",)

logger = logging.getLogger(__name__)

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


def is_graphql_path(path: str) -> bool:
    return path == GRAPHQL_PATH


def error_response(
    status: int, code: str, message: str, errors: Iterable[Mapping[str, Any]] = (), *, path: str | None = None
) -> JsonResponse:
    """An error in the shape its client reads: GraphQL's on /graphql, the REST contract anywhere else."""
    if path and is_graphql_path(path):
        return JsonResponse(graphql_error_body(code, message), status=status)
    return JsonResponse(rest_error_body(code, message, errors), status=status)


def unavailable_response(request: HttpRequest, error: BaseException) -> HttpResponse:
    """503 `unavailable` with Retry-After: the database or Redis is away or saturated, which no client caused."""
    logger.warning("%s %s: a backing service is unavailable (%s)", request.method, request.path, error_text(error))
    if is_api_path(request.path):
        response: HttpResponse = error_response(503, "unavailable", UNAVAILABLE_MESSAGE, path=request.path)
    else:
        response = HttpResponse(UNAVAILABLE_MESSAGE, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(UNAVAILABLE_RETRY_AFTER_SECONDS)
    return response


def server_error(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """handler500: Django calls it while handling the exception, so an outage below a view (in a middleware,
    say) is told from a bug and answered 503."""
    error = sys.exc_info()[1]
    if error is not None and service_unavailable(error):
        return unavailable_response(request, error)
    try:
        return django_server_error(request, *args, **kwargs)
    except Exception:  # the 500 page itself needs what failed (a template, the database): answer plainly
        return HttpResponseServerError("Server error", content_type="text/plain; charset=utf-8")


def payload_too_large(path: str | None = None) -> JsonResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return error_response(413, "payload_too_large", f"The request body is larger than {limit} bytes.", path=path)


def body_too_large(request: HttpRequest) -> bool:
    """Content-Length is checked first; a chunked body is measured by Django when it is first read."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is None or request.method not in BODY_METHODS or request.path.startswith(STREAMED_BODY_PREFIXES):
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


def max_nesting() -> int:
    return settings.MAX_REQUEST_NESTING


# A run of openers, a run of closers, or a whole string (to the end of the text when it is unterminated,
# so that no string is scanned twice).
_JSON_TOKENS = re.compile(rb'[\[{]+|[\]}]+|"(?:[^"\\]++|\\.)*+"?', re.DOTALL)
_QUOTE, _OPEN_ARRAY, _OPEN_OBJECT = ord('"'), ord("["), ord("{")


def nesting_exceeds(text: bytes, limit: int) -> bool:
    """Whether JSON text opens more than `limit` arrays/objects at once; brackets inside strings do not count.

    Linear, and builds nothing but the token list: parsers (json, pydantic, graphql-core's input coercion)
    recurse once per level, so a small body nested a thousand deep would otherwise exhaust the stack.
    """
    if text.count(b"[") + text.count(b"{") <= limit:
        return False
    depth = 0
    for token in _JSON_TOKENS.findall(text):
        first = token[0]
        if first == _QUOTE:
            continue
        if first in (_OPEN_ARRAY, _OPEN_OBJECT):
            depth += len(token)
            if depth > limit:
                return True
        else:
            depth = max(depth - len(token), 0)
    return False


def is_json_content(request: HttpRequest) -> bool:
    content_type = request.META.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
    return content_type == "application/json" or content_type.endswith("+json")


def body_too_deep(request: HttpRequest) -> bool:
    if request.method not in BODY_METHODS or not is_json_content(request):
        return False
    try:
        return nesting_exceeds(request.body, max_nesting())
    except (RawPostDataException, RequestDataTooBig):
        return False


def too_deep(path: str) -> JsonResponse:
    message = f"The request body nests arrays and objects more than {max_nesting()} levels deep."
    return error_response(400, "body_too_deep", message, path=path)


def default_message(status: int, response: HttpResponse) -> str:
    if status == 404:
        return "There is nothing at this address."
    if status == 405:
        allowed = response.get("Allow", "")
        return f"This method is not allowed here (allowed: {allowed})." if allowed else "This method is not allowed."
    if status == 503:
        return UNAVAILABLE_MESSAGE
    if status >= 500:
        return "The server failed to answer this request; the failure has been logged."
    try:
        return HTTPStatus(status).phrase + "."
    except ValueError:
        return "The request failed."


def json_body(response: HttpResponse) -> Any:
    if not response.get("Content-Type", "").startswith("application/json"):
        return None
    try:
        return json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return None


def contract_body(path: str, status: int, response: HttpResponse) -> dict[str, Any] | None:
    """The error body `response` should have carried; None when it already has the contract's shape."""
    body = json_body(response)
    if is_graphql_path(path):
        if isinstance(body, dict) and isinstance(body.get("errors"), list) and body["errors"]:
            return None
    elif isinstance(body, dict) and isinstance(body.get("errors"), list) and {"code", "message"} <= body.keys():
        return None
    code = CODE_BY_STATUS.get(status, "bad_request" if status < 500 else "internal_error")
    message = default_message(status, response)
    errors: list[dict[str, Any]] = []
    if isinstance(body, dict) and isinstance(body.get("errors"), list) and body["errors"]:
        first = body["errors"][0]
        if isinstance(first, dict):
            body = {"code": (first.get("extensions") or {}).get("code"), "message": first.get("message")}
    if isinstance(body, dict):
        if isinstance(body.get("code"), str):
            code = body["code"]
        if isinstance(body.get("message"), str):
            message = body["message"]
        elif isinstance(body.get("detail"), str) and status < 500:
            message = body["detail"]
        if isinstance(body.get("field"), str):
            errors.append({"field": body["field"], "code": code, "message": message})
    if is_graphql_path(path):
        return graphql_error_body(code, message)
    return rest_error_body(code, message, errors)


def as_error_contract(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Rewrites an error body that is not in the contract's shape, keeping its status and headers."""
    if response.status_code < 400 or getattr(response, "streaming", False):
        return response
    body = contract_body(request.path, response.status_code, response)
    if body is None:
        return response
    response.content = json.dumps(body).encode()
    response["Content-Type"] = "application/json"
    if response.has_header("Content-Length"):
        response["Content-Length"] = str(len(response.content))
    return response


class ApiEdgeMiddleware:
    """On /graphql and /api/: refuses oversized (413) and too deeply nested (400) bodies before anything reads
    them, answers every error in the contract's shape, and sets a strict CSP. On any path, an outage met by a
    view is a 503."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_api_path(request.path):
            return self.get_response(request)
        if body_too_large(request):
            response = payload_too_large(request.path)
        elif body_too_deep(request):
            response = too_deep(request.path)
        else:
            response = as_error_contract(request, self.get_response(request))
        if response.get("Content-Type", "").startswith("application/json"):
            response.setdefault("Content-Security-Policy", API_CONTENT_SECURITY_POLICY)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A view that met an outage (database, Redis) answers 503, on any path and in DEBUG too; a bug goes on to
        Django's 500 handling."""
        return unavailable_response(request, exception) if service_unavailable(exception) else None
