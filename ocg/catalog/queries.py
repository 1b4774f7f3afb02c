"""The catalog's read side, for this context's API and for other contexts."""

from uuid import UUID

from ocg.catalog.models import ProductView


def product(product_id: UUID) -> ProductView | None:
    return ProductView.objects.filter(id=product_id).first()


def products(first: int, offset: int = 0) -> list[ProductView]:
    return list(ProductView.objects.order_by("-created_at", "id")[offset : offset + first])


def product_count() -> int:
    return ProductView.objects.count()
