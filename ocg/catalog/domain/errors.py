"""The catalog's domain errors: each a stable code clients can act on, with the ids concerned."""

from __future__ import annotations

from ocg.spine.domain import DomainError


class CatalogError(DomainError):
    """Base of the catalog's domain errors."""


class InvalidProduct(CatalogError):
    code = "invalid"


class ProductNotFound(CatalogError):
    code = "not_found"


class ProductExists(CatalogError):
    """A create that names an id already in use."""

    code = "conflict"


class NotProductOwner(CatalogError):
    code = "permission_denied"


class ProductArchived(CatalogError):
    """An archived product is kept for its history and its orders; nothing about it changes any more."""

    code = "product_archived"


class IllegalProductStep(CatalogError):
    """A lifecycle step the product's state does not allow (publishing an incomplete draft, say)."""

    code = "illegal_step"


class SlugTaken(CatalogError):
    code = "slug_taken"


class SkuTaken(CatalogError):
    code = "sku_taken"


class VariantConflict(CatalogError):
    """Two variants of one product with the same size and colour."""

    code = "variant_conflict"


class CategoryNotFound(CatalogError):
    code = "not_found"


class InvalidCategory(CatalogError):
    code = "invalid"


class DesignerNotFound(CatalogError):
    code = "not_found"


class InvalidStock(CatalogError):
    code = "invalid"


class OutOfStock(CatalogError):
    """Not enough available for a reservation; `short` lists the SKUs that were short and by how much."""

    code = "out_of_stock"

    def __init__(self, message: str, *, short: dict[str, int], **ids: object) -> None:
        super().__init__(message, field="lines", **ids)
        self.short = short


class StockNotFound(CatalogError):
    code = "not_found"
