"""Products, their variants and images, for designers (their own) and staff (any): /api/catalog/products/...

Every write is one application command; its answer is the product as the read model shows it once the
projection has applied the write (or 202 with the id if that takes too long).
"""

import functools
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import PatchDict, Path, Query, Router
from ninja.pagination import paginate

from ocg.catalog import queries
from ocg.catalog.api.rest.access import (
    WRITE_ERRORS,
    answer,
    as_editor,
    calls_catalog,
    catalog,
    catalog_write,
    may_see,
    product_editor,
    staff,
    viewer,
)
from ocg.catalog.api.rest.listing import Page, ProductFilters, product_rows
from ocg.catalog.api.rest.schemas import (
    SKU_MAX_LENGTH,
    HistoryEntryOut,
    ImageAttachIn,
    ImageOrderIn,
    PriceIn,
    ProductCreateIn,
    ProductListOut,
    ProductOut,
    ProductUpdateIn,
    UploadTicketOut,
    UploadUrlIn,
    VariantIn,
    designer_ref,
    price_text,
)
from ocg.catalog.domain import DesignerNotFound, InvalidProduct, ProductNotFound
from ocg.catalog.models import CategoryView, ProductView
from ocg.identity import queries as identity_queries
from ocg.spine import uploads
from ocg.spine.domain.money import Money
from ocg.spine.errors import PermissionDenied
from ocg.spine.rest import ErrorOut, signed_in

router = Router(tags=["catalog: products"])
product_write = functools.partial(catalog_write, router, ProductOut)

READ = {404: ErrorOut}


def detail(product_id: UUID, user: Any) -> dict[str, Any]:
    """The product page's data from the read models, in four queries whatever its size."""
    row = ProductView.objects.filter(id=product_id).first()
    if row is None or not may_see(user, row.status, row.designer_id):
        raise ProductNotFound(f"No product {product_id}.", field="product_id", product_id=product_id)
    variants = queries.variants_of([row.id]).get(row.id, [])
    images = queries.images_of([row.id]).get(row.id, [])
    category = CategoryView.objects.filter(id=row.category_id).first() if row.category_id else None
    return {
        "id": row.id,
        "slug": row.slug,
        "name": row.name,
        "status": row.status,
        "description": row.description,
        "designer": designer_ref(row),
        "category": category and {"id": category.id, "name": category.name, "slug": category.slug},
        "price": price_text(row),
        "currency": row.currency or None,
        "materials": row.materials,
        "care_notes": row.care_notes,
        "customizable": row.customizable,
        "in_stock": row.in_stock,
        "available": row.available,
        "variants": [
            {"sku": v.sku, "size": v.size, "colour": v.colour, "available": max(v.available, 0)} for v in variants
        ],
        "images": [
            {
                "id": image.id,
                "url": uploads.public_url(image.key),
                "width": image.width,
                "height": image.height,
                "alt_text": image.alt_text,
                "content_type": image.content_type,
                "size_bytes": image.size_bytes,
            }
            for image in images
        ],
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "listed_at": row.listed_at,
        "version": row.version,
    }


def written(request: HttpRequest, product_id: UUID, status: int = 200) -> Any:
    return answer(status, product_id, lambda: detail(product_id, request.auth))


def price_of(amount: str | None, currency: str | None) -> Money | None:
    """Money from the body's `price` and `currency`: both or neither."""
    if amount is None and currency is None:
        return None
    if currency is None:
        raise InvalidProduct("Give the price's currency.", field="currency")
    if amount is None:
        raise InvalidProduct("Give the price with its currency.", field="price")
    return Money.parse(amount, currency, amount_field="price", currency_field="currency", error=InvalidProduct)


def listed_for(user: Any, acting_designer_id: UUID | None, designer_id: UUID | None) -> tuple[UUID, str]:
    """The designer a new product belongs to, and the name their public profile starts with."""
    if acting_designer_id is not None:
        if designer_id not in (None, acting_designer_id):
            raise PermissionDenied("Designers list products under their own name only.", field="designer_id")
        return acting_designer_id, user.display_name or "Designer"
    if designer_id is None:
        raise InvalidProduct("Staff give the designer the product is listed for.", field="designer_id")
    profile = identity_queries.active_designer(designer_id)
    if profile is None:
        raise DesignerNotFound(f"No active designer account {designer_id}.", field="designer_id")
    return profile.id, profile.display_name or "Designer"


@router.get(
    "/products",
    response={200: list[ProductListOut], 403: ErrorOut, 404: ErrorOut, 400: ErrorOut},
    summary="List products: filters, sort, limit/offset pages",
)
@paginate(Page)
def product_list(request: HttpRequest, filters: Query[ProductFilters]) -> Any:
    return product_rows(filters, viewer(request))


@product_write(
    "POST", "/products", status=201, summary="Create a draft product (designers for themselves, staff for a designer)"
)
def product_create(request: HttpRequest, payload: ProductCreateIn) -> Any:
    actor_id, acting_designer_id = product_editor(request)
    designer_id, designer_name = listed_for(request.auth, acting_designer_id, payload.designer_id)
    product_id = catalog().create_product(
        designer_id=designer_id,
        actor_id=actor_id,
        name=payload.name,
        slug=payload.slug,
        description=payload.description,
        category_id=payload.category_id,
        price=price_of(payload.price, payload.currency),
        materials=payload.materials,
        care_notes=payload.care_notes,
        customizable=payload.customizable,
        designer_name=designer_name,
    )
    return written(request, product_id, 201)


@router.get(
    "/products/{product_id}",
    response={200: ProductOut, **READ},
    summary="A product with its variants and images (drafts and archived ones for their designer and staff)",
)
def product_detail(request: HttpRequest, product_id: UUID) -> Any:
    return detail(product_id, viewer(request))


@product_write(
    "PATCH", "/products/{product_id}", summary="Change a product's details or slug: only the fields sent change"
)
def product_update(request: HttpRequest, product_id: UUID, payload: PatchDict[ProductUpdateIn]) -> Any:
    actor_id, acting_designer_id = product_editor(request)
    nulls = sorted(name for name, value in payload.items() if value is None and name != "category_id")
    if nulls:
        raise InvalidProduct(f"{nulls[0]} cannot be null: leave it out to keep it.", field=nulls[0])
    catalog().update_product(product_id, actor_id=actor_id, acting_designer_id=acting_designer_id, **payload)
    return written(request, product_id)


@product_write("PUT", "/products/{product_id}/price", summary="Change a product's price")
def product_price(request: HttpRequest, product_id: UUID, payload: PriceIn) -> Any:
    actor_id, acting_designer_id = product_editor(request)
    price = price_of(payload.price, payload.currency)
    catalog().change_price(product_id, price, actor_id=actor_id, acting_designer_id=acting_designer_id)
    return written(request, product_id)


def lifecycle(step: str, summary: str) -> None:
    @product_write("POST", f"/products/{{product_id}}/{step}", summary=summary, operation_id=f"product_{step}")
    def change(request: HttpRequest, product_id: UUID) -> Any:
        as_editor(request, step, product_id)
        return written(request, product_id)


lifecycle("publish", "Publish a draft: it needs a price, an image and a variant")
lifecycle("unpublish", "Take a published product back to draft")
lifecycle("archive", "Archive a product for good: it keeps its history and orders, and never changes again")


@router.get(
    "/products/{product_id}/history",
    auth=signed_in,
    response={200: list[HistoryEntryOut], 403: ErrorOut, 404: ErrorOut},
    summary="Staff: every change to a product, oldest first: who changed what, when",
)
@calls_catalog
def product_history(request: HttpRequest, product_id: UUID) -> Any:
    staff(request)
    catalog().product_owner(product_id)  # another aggregate's id is no product: not found
    return [{**entry, "data": plain(entry["data"])} for entry in catalog().product_history(product_id)]


def plain(value: Any) -> Any:
    """An event's payload as JSON: a price as {amount, currency}, amounts as text."""
    if isinstance(value, Money):
        return {"amount": str(value.amount), "currency": value.currency}
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(item) for item in value]
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


# Variants.


@product_write(
    "POST",
    "/products/{product_id}/variants",
    status=201,
    summary="Add a variant (size and/or colour) with its SKU; its stock starts at zero",
)
def variant_add(request: HttpRequest, product_id: UUID, payload: VariantIn) -> Any:
    as_editor(request, "add_variant", product_id, sku=payload.sku, size=payload.size, colour=payload.colour)
    return written(request, product_id, 201)


@product_write(
    "DELETE",
    "/products/{product_id}/variants/{sku}",
    summary="Remove a variant; its SKU stays taken, its stock history stays",
)
def variant_remove(request: HttpRequest, product_id: UUID, sku: str = Path(..., max_length=SKU_MAX_LENGTH)) -> Any:
    as_editor(request, "remove_variant", product_id, sku=sku)
    return written(request, product_id)


# Images.


@router.post(
    "/products/{product_id}/images/upload-url",
    auth=signed_in,
    response={200: UploadTicketOut, **WRITE_ERRORS},
    summary="Where to upload one image of the product: the server picks the key and limits the type and size",
)
@calls_catalog
def image_upload_url(request: HttpRequest, product_id: UUID, payload: UploadUrlIn) -> Any:
    _, acting_designer_id = product_editor(request)
    ticket = catalog().image_upload_ticket(
        product_id, content_type=payload.content_type, acting_designer_id=acting_designer_id
    )
    return {
        "key": ticket.key,
        "method": ticket.method,
        "url": ticket.url,
        "fields": ticket.fields,
        "headers": ticket.headers,
        "expires_at": datetime.fromtimestamp(ticket.expires_at, tz=UTC),
    }


@product_write(
    "POST",
    "/products/{product_id}/images",
    status=201,
    summary="Attach an uploaded image: its real size and type are checked in storage",
)
def image_attach(request: HttpRequest, product_id: UUID, payload: ImageAttachIn) -> Any:
    as_editor(request, "attach_image", product_id, key=payload.key, alt_text=payload.alt_text)
    return written(request, product_id, 201)


@product_write("PUT", "/products/{product_id}/images/order", summary="Put the product's images in a new order")
def image_reorder(request: HttpRequest, product_id: UUID, payload: ImageOrderIn) -> Any:
    as_editor(request, "reorder_images", product_id, payload.image_ids)
    return written(request, product_id)


@product_write("DELETE", "/products/{product_id}/images/{image_id}", summary="Remove an image from the product")
def image_remove(request: HttpRequest, product_id: UUID, image_id: UUID) -> Any:
    as_editor(request, "remove_image", product_id, image_id)
    return written(request, product_id)
