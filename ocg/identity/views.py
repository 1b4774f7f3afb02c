"""Plain Django views of the identity context."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from ocg.identity import tokens


@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    """The public keys that verify our access tokens (none when they are signed with a shared secret)."""
    response = JsonResponse(tokens.jwks())
    response["Cache-Control"] = "public, max-age=300"
    return response
