"""The orders' REST API, mounted at /api/orders (OpenAPI at /api/docs). Domain errors reach clients through the
API's error contract (ocg/spine/rest.py), each code at the status the orders context registers for it
(`illegal_transition`: 409)."""

from ocg.orders.api.rest.views import router

__all__ = ["router"]
