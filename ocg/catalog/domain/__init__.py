"""The catalog's aggregates: products, categories, designers' public profiles, stock per SKU, and the
uuid5 index aggregates that keep slugs and SKUs unique. Imports only the standard library,
eventsourcing.domain and the spine's shared domain (errors, text, Money)."""

from ocg.catalog.domain.category import Category
from ocg.catalog.domain.designer import Designer
from ocg.catalog.domain.errors import (
    CatalogError,
    CategoryNotFound,
    DesignerNotFound,
    IllegalProductStep,
    InvalidCategory,
    InvalidProduct,
    InvalidStock,
    NotProductOwner,
    OutOfStock,
    ProductArchived,
    ProductExists,
    ProductNotFound,
    SkuTaken,
    SlugTaken,
    StockNotFound,
    VariantConflict,
)
from ocg.catalog.domain.indexes import CategorySlug, DesignerSlug, KeyIndex, ProductSlug, SkuIndex
from ocg.catalog.domain.product import ARCHIVED, DRAFT, PUBLISHED, Product
from ocg.catalog.domain.reservation import Reservation, reservation_id, reserve_lines
from ocg.catalog.domain.stock import Stock, stock_id

__all__ = [
    "ARCHIVED",
    "DRAFT",
    "PUBLISHED",
    "CatalogError",
    "Category",
    "CategoryNotFound",
    "CategorySlug",
    "Designer",
    "DesignerNotFound",
    "DesignerSlug",
    "IllegalProductStep",
    "InvalidCategory",
    "InvalidProduct",
    "InvalidStock",
    "KeyIndex",
    "NotProductOwner",
    "OutOfStock",
    "Product",
    "ProductArchived",
    "ProductExists",
    "ProductNotFound",
    "ProductSlug",
    "Reservation",
    "SkuIndex",
    "SkuTaken",
    "SlugTaken",
    "Stock",
    "StockNotFound",
    "VariantConflict",
    "reservation_id",
    "reserve_lines",
    "stock_id",
]
