"""The catalog's read models, written only by CatalogProjection (ocg/catalog/projections.py).

Denormalised for the storefront: a listing page reads one row per product (designer name, category
path, first image and stock state included) and its filters and sorts each have an index. On
PostgreSQL `catalog_productview` also has a generated `search` tsvector column with a GIN index
(migration 0004), weighted name > designer > description, which the ORM does not model.
"""

from __future__ import annotations

from django.db import models

from ocg.spine.domain.money import Money


class CategoryView(models.Model):
    """`path` holds the ids from the root down to this category, as `/<id>/<id>/`: a product under any
    descendant has a `category_path` starting with it."""

    id = models.UUIDField(primary_key=True)
    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=120, unique=True)
    parent_id = models.UUIDField(null=True, blank=True, db_index=True)
    path = models.CharField(max_length=255, db_index=True)
    depth = models.PositiveSmallIntegerField()
    version = models.PositiveIntegerField()

    class Meta:
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name


class DesignerView(models.Model):
    """A designer's public profile; `product_count` counts their published products."""

    id = models.UUIDField(primary_key=True)
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    bio = models.TextField(blank=True)
    product_count = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


# The columns the storefront filters on, carried by the listing's indexes (PostgreSQL; SQLite ignores INCLUDE).
LISTED = ["currency", "price", "category_path", "designer_id", "in_stock", "customizable", "listed_at"]


def listing_index(name: str, *fields: str) -> models.Index:
    keys = {field.lstrip("-") for field in fields}
    return models.Index(fields=list(fields), name=name, include=[column for column in LISTED if column not in keys])


class ProductView(models.Model):
    id = models.UUIDField(primary_key=True)
    slug = models.SlugField(max_length=120, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=12)
    designer_id = models.UUIDField(db_index=True)
    designer_name = models.CharField(max_length=120)
    designer_slug = models.CharField(max_length=120)
    category_id = models.UUIDField(null=True, blank=True)
    category_path = models.CharField(max_length=255, blank=True)
    # Exact, with room for every currency's minor units (BHD has 3, CLF 4); `money` trims to the currency's.
    price = models.DecimalField(max_digits=19, decimal_places=4, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    materials = models.JSONField(default=list)
    care_notes = models.TextField(blank=True)
    customizable = models.BooleanField(default=False)
    available = models.PositiveIntegerField(default=0)
    in_stock = models.BooleanField(default=False)
    image_key = models.CharField(max_length=300, blank=True)
    image_width = models.PositiveIntegerField(null=True, blank=True)
    image_height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    listed_at = models.DateTimeField(help_text="When it was last published, else created: NEWEST sorts by it.")
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField(help_text="The product aggregate's version.")
    revision = models.PositiveIntegerField(help_text="Raised by every change to what its page shows, stock included.")

    class Meta:
        ordering = ["-listed_at", "-id"]
        # Each sort has an index that also carries every filter's column, so PostgreSQL finds a page's ids
        # in the index alone (an index-only scan), then reads just those rows (ocg/catalog/listing).
        indexes = [
            listing_index("catalog_product_newest", "status", "-listed_at", "-id"),
            listing_index("catalog_product_newest_in", "status", "currency", "-listed_at", "-id"),
            listing_index("catalog_product_price", "status", "currency", "price", "id"),
            listing_index("catalog_product_price_any", "status", "price", "id"),
            listing_index("catalog_product_name", "status", "name", "id"),
            models.Index(fields=["designer_id", "status"], name="catalog_product_designer"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def money(self) -> Money | None:
        """The price at its currency's digits: the column keeps four, so 2400.00 EUR reads 2400.0000."""
        if self.price is None:
            return None
        return Money.restore(self.price, self.currency)


class VariantView(models.Model):
    """A variant with its stock: `available` is on hand minus reserved."""

    sku = models.CharField(max_length=64, primary_key=True)
    stock_id = models.UUIDField(unique=True, help_text="The SKU's Stock aggregate, whose events carry only this id.")
    product_id = models.UUIDField(db_index=True)
    size = models.CharField(max_length=20, blank=True)
    colour = models.CharField(max_length=40, blank=True)
    position = models.PositiveIntegerField()
    removed = models.BooleanField(default=False)
    on_hand = models.IntegerField(default=0)
    reserved = models.IntegerField(default=0)
    available = models.IntegerField(default=0)
    low_stock_threshold = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["product_id", "position"]

    def __str__(self) -> str:
        return self.sku


class ImageView(models.Model):
    id = models.UUIDField(primary_key=True)
    product_id = models.UUIDField(db_index=True)
    key = models.CharField(max_length=300)
    content_type = models.CharField(max_length=40)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size_bytes = models.PositiveIntegerField()
    alt_text = models.CharField(max_length=300, blank=True)
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["product_id", "position"]

    def __str__(self) -> str:
        return self.key
