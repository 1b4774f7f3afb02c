"""The REST root: one router per context, domain errors mapped to status codes in one place."""

from ninja import NinjaAPI
from ninja.errors import ValidationError

from ocg.catalog.api.rest import router as catalog_router
from ocg.identity.api.rest import router as identity_router
from ocg.identity.api.social_rest import passwordless_router, social_router
from ocg.spine.domain import DomainError
from ocg.spine.errors import as_error_dict, http_status

api = NinjaAPI(title="OCG WebStore API", version="1", urls_namespace="api")
api.add_router("/auth", identity_router)
api.add_router("/auth/passwordless", passwordless_router)
api.add_router("/auth/social", social_router)
api.add_router("/catalog", catalog_router)


@api.exception_handler(ValidationError)
def validation_failed(request, error: ValidationError):
    fields = [
        {
            "field": ".".join(str(part) for part in item.get("loc", [])[1:]) or None,
            "code": "invalid",
            "message": item.get("msg", "invalid"),
        }
        for item in error.errors
    ]
    return api.create_response(
        request, {"code": "invalid", "message": "The request is not valid.", "errors": fields}, status=422
    )


@api.exception_handler(DomainError)
def domain_error(request, error: DomainError):
    return api.create_response(request, as_error_dict(error), status=http_status(error))
