"""The catalog benchmark's baseline: a plain Django view reading the same rows as the storefront listing.

It runs the SQL the listing runs for `products(filter: {category, priceMin, priceMax, currency}, first)`
(the category's path by slug, then the page: published, under that path, in that currency and price
range, newest first), selecting only the columns a listing page shows, and answers them as JSON with
no GraphQL, no cursors and no cache. Served only by the benchmark's own server (ocg/catalog/bench/urls.py).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import connection
from django.http import HttpRequest, JsonResponse

from ocg.catalog.domain import PUBLISHED
from ocg.catalog.models import CategoryView, ProductView
from ocg.spine.domain.money import Money
from ocg.spine.uploads import public_url

CATEGORY_SQL = f"SELECT path FROM {CategoryView._meta.db_table} WHERE slug = %s"
# As the listing does: the page's ids from the sort's covering index, then those rows.
PAGE_SQL = f"""
SELECT name, slug, price, currency, designer_name, image_key, in_stock
FROM {ProductView._meta.db_table}
WHERE id IN (
    SELECT id FROM {ProductView._meta.db_table}
    WHERE status = %s AND category_path LIKE %s AND currency = %s AND price >= %s AND price <= %s
    ORDER BY listed_at DESC, id DESC
    LIMIT %s
)
ORDER BY listed_at DESC, id DESC
"""


def listing(request: HttpRequest) -> JsonResponse:
    try:
        slug = request.GET["category"]
        currency = request.GET["currency"]
        low, high = Decimal(request.GET["priceMin"]), Decimal(request.GET["priceMax"])
        first = min(int(request.GET.get("first", "48")), 100)
    except (KeyError, ValueError, InvalidOperation):
        return JsonResponse({"error": "give category, currency, priceMin, priceMax and first"}, status=400)
    with connection.cursor() as cursor:
        cursor.execute(CATEGORY_SQL, [slug])
        found = cursor.fetchone()
        if found is None:
            return JsonResponse({"error": "no such category"}, status=404)
        cursor.execute(PAGE_SQL, [PUBLISHED, f"{found[0]}%", currency, low, high, first])
        rows = cursor.fetchall()
    products = [
        {
            "name": name,
            "slug": product_slug,
            "price": {"amount": str(Money.restore(price, currency_code).amount), "currency": currency_code},
            "designer": {"name": designer_name},
            "thumbnail": {"url": public_url(image_key)} if image_key else None,
            "inStock": in_stock,
        }
        for name, product_slug, price, currency_code, designer_name, image_key, in_stock in rows
    ]
    return JsonResponse({"products": products})
