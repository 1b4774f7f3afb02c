"""The API's two HTML pages, GraphiQL (`/graphql` with DEBUG) and Swagger UI (`/api/docs`), under their own CSP.

Their assets come from our static files, so scripts are allowed from 'self' only and nothing inline runs. Styles
also allow 'unsafe-inline': GraphiQL and Swagger UI insert <style> elements and style attributes at run time,
and a blocked style costs layout, not safety.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse

DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def docs_page(view: Any) -> Any:
    """Gives a view's HTML answers the docs pages' CSP; its JSON answers keep the API's."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.get("Content-Type", "").startswith("text/html"):
            response["Content-Security-Policy"] = DOCS_CONTENT_SECURITY_POLICY
        return response

    return wrapper
