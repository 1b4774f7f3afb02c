from django.contrib import admin

from ocg.catalog.models import ProductView
from ocg.spine.admin import ReadOnlyAdmin


@admin.register(ProductView)
class ProductViewAdmin(ReadOnlyAdmin):
    list_display = ["name", "price_shown", "designer_id", "version", "updated_at"]
    search_fields = ["name"]
    list_filter = ["currency"]

    @admin.display(description="price", ordering="price")
    def price_shown(self, product: ProductView) -> str:
        """At the currency's digits (2400.00 EUR, 125000 JPY), not the column's four."""
        return str(product.money)
