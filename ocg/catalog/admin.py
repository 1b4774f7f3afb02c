from django.contrib import admin

from ocg.catalog.models import ProductView
from ocg.spine.admin import ReadOnlyAdmin


@admin.register(ProductView)
class ProductViewAdmin(ReadOnlyAdmin):
    list_display = ["name", "price", "currency", "designer_id", "version", "updated_at"]
    search_fields = ["name"]
    list_filter = ["currency"]
