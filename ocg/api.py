"""The REST root: one router per context, on the API that answers every error in one contract (ocg/spine/rest.py)."""

from ocg.catalog.api.rest import router as catalog_router
from ocg.identity.api.rest import router as identity_router
from ocg.identity.api.social_rest import passwordless_router, social_router
from ocg.orders.api.rest import router as orders_router
from ocg.payments.api.pay.rest import router as pay_router
from ocg.payments.api.refunds.rest import router as refunds_router
from ocg.spine.docpages import docs_page
from ocg.spine.rest import OCGNinjaAPI
from ocg.spine.uploads_api import router as uploads_router

# Swagger UI at /api/docs gets the docs pages' CSP (its assets are ninja's own static files).
api = OCGNinjaAPI(title="OCG WebStore API", version="1", urls_namespace="api", docs_decorator=docs_page)
api.add_router("/auth", identity_router)
api.add_router("/auth/passwordless", passwordless_router)
api.add_router("/auth/social", social_router)
api.add_router("/catalog", catalog_router)
api.add_router("/orders", orders_router)
api.add_router("/payments", pay_router)
api.add_router("/payments", refunds_router)
api.add_router("/uploads", uploads_router)
