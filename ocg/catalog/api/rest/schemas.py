"""The catalog's REST schemas: `XIn` bodies and `XOut` answers.

The bodies of PATCH operations (`PatchDict[...]`) are plain pydantic models, their limits in `Annotated`
types: a ninja Schema reads any value's attributes (to accept ORM rows), so it would take `[1, 2]` or `"x"`
as an empty change, and PatchDict keeps an annotation's limits but drops a field default's.

Limits are declared here as well as in the domain, so the OpenAPI document shows them and an oversized
value is refused (422) before any command runs. Prices travel as decimal text with their currency
("2400.00" EUR), never as JSON numbers, which many clients read as floats.
"""

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from ninja import Field, Schema
from pydantic import BaseModel

from ocg.catalog.domain.category import CATEGORY_NAME_MAX_LENGTH
from ocg.catalog.domain.designer import BIO_MAX_LENGTH, DESIGNER_NAME_MAX_LENGTH
from ocg.catalog.domain.fields import (
    ALT_TEXT_MAX_LENGTH,
    CARE_NOTES_MAX_LENGTH,
    COLOUR_MAX_LENGTH,
    DESCRIPTION_MAX_LENGTH,
    IMAGES_MAX,
    MATERIAL_MAX_LENGTH,
    MATERIALS_MAX,
    NAME_MAX_LENGTH,
    SIZE_MAX_LENGTH,
    SLUG_MAX_LENGTH,
)
from ocg.catalog.domain.stock import QUANTITY_MAX, REASON_MAX_LENGTH
from ocg.catalog.models import ProductView
from ocg.spine import uploads

AMOUNT_MAX_LENGTH = 40
CURRENCY_MAX_LENGTH = 3
SKU_MAX_LENGTH = 64
KEY_MAX_LENGTH = 300

Material = Annotated[str, Field(max_length=MATERIAL_MAX_LENGTH)]
ImageType = Literal["image/jpeg", "image/png", "image/webp"]
ProductStatus = Literal["draft", "published", "archived"]

PRICE_DOC = 'A decimal amount as text, e.g. "2400.00", with at most the currency\'s minor units.'
CURRENCY_DOC = "ISO 4217 code of a currency in use, e.g. EUR."
SLUG_DOC = "Lower-case words of letters and digits joined by hyphens (e.g. silk-evening-gown)."
MADE_SLUG_DOC = SLUG_DOC + " Made from the name if left out."


def price_text(row: ProductView) -> str | None:
    """At the currency's digits (2400.00 EUR, 125000 JPY), not the column's four."""
    money = row.money
    return None if money is None else str(money.amount)


def designer_ref(row: ProductView) -> dict[str, Any]:
    return {"id": row.designer_id, "name": row.designer_name, "slug": row.designer_slug}


# Products.


class ProductCreateIn(Schema):
    name: str = Field(max_length=NAME_MAX_LENGTH)
    slug: str | None = Field(
        None, max_length=SLUG_MAX_LENGTH, description=SLUG_DOC + " Made from the name if left out."
    )
    description: str = Field("", max_length=DESCRIPTION_MAX_LENGTH)
    category_id: UUID | None = None
    price: str | None = Field(None, max_length=AMOUNT_MAX_LENGTH, description=PRICE_DOC + " Needed to publish.")
    currency: str | None = Field(None, max_length=CURRENCY_MAX_LENGTH, description=CURRENCY_DOC)
    materials: list[Material] = Field([], max_length=MATERIALS_MAX)
    care_notes: str = Field("", max_length=CARE_NOTES_MAX_LENGTH)
    customizable: bool = Field(False, description="Made to order: the customer may ask for changes.")
    designer_id: UUID | None = Field(
        None, description="Staff only: the active designer account the product is listed for. Designers leave it out."
    )


class ProductUpdateIn(BaseModel):
    """Only the fields sent change. `category_id: null` takes the product out of its category."""

    name: Annotated[str, Field(max_length=NAME_MAX_LENGTH)]
    slug: Annotated[str, Field(max_length=SLUG_MAX_LENGTH, description=SLUG_DOC)]
    description: Annotated[str, Field(max_length=DESCRIPTION_MAX_LENGTH)]
    category_id: UUID | None = None
    materials: Annotated[list[Material], Field(max_length=MATERIALS_MAX)]
    care_notes: Annotated[str, Field(max_length=CARE_NOTES_MAX_LENGTH)]
    customizable: bool


class PriceIn(Schema):
    price: str = Field(max_length=AMOUNT_MAX_LENGTH, description=PRICE_DOC)
    currency: str = Field(max_length=CURRENCY_MAX_LENGTH, description=CURRENCY_DOC)


class VariantIn(Schema):
    sku: str = Field(max_length=SKU_MAX_LENGTH, description="Unique across the catalog, compared upper-case.")
    size: str = Field("", max_length=SIZE_MAX_LENGTH)
    colour: str = Field("", max_length=COLOUR_MAX_LENGTH)


class UploadUrlIn(Schema):
    content_type: ImageType


class ImageAttachIn(Schema):
    key: str = Field(max_length=KEY_MAX_LENGTH, description="The key of the upload ticket, once the file is sent.")
    alt_text: str = Field("", max_length=ALT_TEXT_MAX_LENGTH)


class ImageOrderIn(Schema):
    image_ids: list[UUID] = Field(max_length=IMAGES_MAX, description="Every image of the product, once, in order.")


class DesignerRefOut(Schema):
    id: UUID
    name: str
    slug: str


class CategoryRefOut(Schema):
    id: UUID
    name: str
    slug: str


class ImageOut(Schema):
    id: UUID
    url: str = Field(description="Where a browser fetches it (pre-signed, the CDN's, or /media/ in embedded mode).")
    width: int
    height: int
    alt_text: str
    content_type: str
    size_bytes: int


class VariantOut(Schema):
    sku: str
    size: str
    colour: str
    available: int = Field(description="Units that can still be ordered: on hand minus reserved.")


class ProductOut(Schema):
    id: UUID
    slug: str
    name: str
    status: ProductStatus
    description: str
    designer: DesignerRefOut
    category: CategoryRefOut | None
    price: str | None = Field(description="At the currency's digits; null until a price is set.")
    currency: str | None
    materials: list[str]
    care_notes: str
    customizable: bool
    in_stock: bool
    available: int = Field(description="Units available across the product's variants.")
    variants: list[VariantOut]
    images: list[ImageOut] = Field(description="In display order; the first is the listing's picture.")
    created_at: datetime
    updated_at: datetime
    listed_at: datetime = Field(description="When it was last published, else created.")
    version: int = Field(description="The product aggregate's version: it rises with every change.")


class ListImageOut(Schema):
    url: str
    width: int
    height: int


class ProductListOut(Schema):
    """A listing row: what a list shows, read from one denormalised row."""

    id: UUID
    slug: str
    name: str
    status: ProductStatus
    designer: DesignerRefOut
    category_id: UUID | None
    price: str | None
    currency: str | None
    customizable: bool
    in_stock: bool
    image: ListImageOut | None
    listed_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_designer(row: ProductView) -> dict[str, Any]:
        return designer_ref(row)

    @staticmethod
    def resolve_price(row: ProductView) -> str | None:
        return price_text(row)

    @staticmethod
    def resolve_currency(row: ProductView) -> str | None:
        return row.currency or None

    @staticmethod
    def resolve_image(row: ProductView) -> dict[str, Any] | None:
        if not row.image_key:
            return None
        return {"url": uploads.public_url(row.image_key), "width": row.image_width, "height": row.image_height}


class HistoryEntryOut(Schema):
    version: int
    event: str = Field(description="What happened, e.g. PriceChanged, Published.")
    actor_id: UUID | None = Field(description="Who did it: the account id, or null for the system.")
    at: datetime
    data: dict[str, Any] = Field(description="What the event carried (a price as {amount, currency}).")


class UploadTicketOut(Schema):
    """Send the file as `method` to `url`: a POST form with `fields` then the file (S3), or a PUT of the raw
    bytes with `headers` (embedded mode). Then attach `key`."""

    key: str
    method: Literal["POST", "PUT"]
    url: str
    fields: dict[str, str]
    headers: dict[str, str]
    expires_at: datetime


# Categories.


class CategoryCreateIn(Schema):
    name: str = Field(max_length=CATEGORY_NAME_MAX_LENGTH)
    slug: str | None = Field(
        None, max_length=SLUG_MAX_LENGTH, description=SLUG_DOC + " Made from the name if left out."
    )
    parent_id: UUID | None = Field(None, description="Null or left out: a root category.")


class CategoryUpdateIn(BaseModel):
    """Only the fields sent change; `parent_id: null` moves the category to the root."""

    name: Annotated[str, Field(max_length=CATEGORY_NAME_MAX_LENGTH)]
    slug: Annotated[str, Field(max_length=SLUG_MAX_LENGTH, description=SLUG_DOC)]
    parent_id: UUID | None = None


class CategoryOut(Schema):
    id: UUID
    name: str
    slug: str
    parent_id: UUID | None
    depth: int = Field(description="0 for a root.")


class CategoryNodeOut(Schema):
    id: UUID
    name: str
    slug: str
    children: list["CategoryNodeOut"]


CategoryNodeOut.model_rebuild()


# Stock.


class StockOut(Schema):
    sku: str
    product_id: UUID
    size: str
    colour: str
    on_hand: int
    reserved: int = Field(description="Held for orders not yet paid.")
    available: int = Field(description="On hand minus reserved: what can still be ordered.")
    threshold: int = Field(description="Low-stock threshold: a signal when available falls to it or below.")
    removed: bool = Field(description="The variant was removed from its product; its stock is kept.")


class ReceiveIn(Schema):
    quantity: int = Field(ge=1, le=QUANTITY_MAX)


class AdjustIn(Schema):
    delta: int = Field(
        ge=-QUANTITY_MAX, le=QUANTITY_MAX, description="Units to add (positive) or take away (negative); not 0."
    )
    reason: str = Field(max_length=REASON_MAX_LENGTH, description="Why: a stock-take, damage, a return...")


class ThresholdIn(Schema):
    threshold: int = Field(ge=0, le=QUANTITY_MAX)


# Designers.


class DesignerOut(Schema):
    id: UUID
    name: str
    slug: str
    bio: str
    product_count: int = Field(description="Published products.")


class DesignerUpdateIn(BaseModel):
    """Only the fields sent change. A designer without a profile yet needs `name`."""

    name: Annotated[str, Field(max_length=DESIGNER_NAME_MAX_LENGTH)]
    bio: Annotated[str, Field(max_length=BIO_MAX_LENGTH)]
