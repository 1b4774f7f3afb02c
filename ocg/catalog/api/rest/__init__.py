"""The catalog's REST API for staff and designers, mounted at /api/catalog (OpenAPI at /api/docs).

One router, built from one module per resource: products (with their variants and images), stock,
categories and designers. Domain errors reach clients through the API's error contract
(ocg/spine/rest.py), each code at the status the catalog registers for it (ocg/catalog/apps.py).
"""

from ninja import Router

from ocg.catalog.api.rest import categories, designers, products, stock

router = Router()
router.add_router("", products.router)
router.add_router("", stock.router)
router.add_router("", categories.router)
router.add_router("", designers.router)
