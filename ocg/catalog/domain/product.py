"""The Product aggregate: a piece a designer lists, from draft to published to archived.

Public methods check, then call a private `@event` method that only applies state (it runs again on
replay). Every event carries the acting user (`actor_id`) and its time, so a product's history says
who changed what, when.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ocg.catalog.domain.errors import (
    IllegalProductStep,
    InvalidProduct,
    NotProductOwner,
    ProductArchived,
    VariantConflict,
)
from ocg.catalog.domain.fields import (
    ALT_TEXT_MAX_LENGTH,
    IMAGES_MAX,
    VARIANTS_MAX,
    clean_care_notes,
    clean_description,
    clean_materials,
    clean_name,
    clean_price,
    clean_sku,
    clean_slug,
    clean_variant,
    variant_label,
)
from ocg.spine.domain.money import Money
from ocg.spine.domain.text import clean_text

DRAFT = "draft"
PUBLISHED = "published"
ARCHIVED = "archived"
DETAIL_FIELDS = ("name", "description", "category_id", "materials", "care_notes", "customizable")


class Product(Aggregate):
    """A piece a designer lists. `variants` maps SKU -> (size, colour); `images` keeps display order."""

    class Created(Aggregate.Created):
        designer_id: UUID
        actor_id: UUID | None
        name: str
        slug: str
        description: str
        category_id: UUID | None
        price: Money | None
        materials: list[str]
        care_notes: str
        customizable: bool

    @event(Created)
    def __init__(
        self,
        designer_id: UUID,
        actor_id: UUID | None,
        name: str,
        slug: str,
        description: str,
        category_id: UUID | None,
        price: Money | None,
        materials: list[str],
        care_notes: str,
        customizable: bool,
    ) -> None:
        self.designer_id = designer_id
        self.name = name
        self.slug = slug
        self.description = description
        self.category_id = category_id
        self.price = price
        self.materials = list(materials)
        self.care_notes = care_notes
        self.customizable = customizable
        self.status = DRAFT
        self.variants: dict[str, tuple[str, str]] = {}
        self.images: dict[UUID, dict[str, Any]] = {}
        self.image_order: list[UUID] = []

    @classmethod
    def create(
        cls,
        *,
        designer_id: UUID,
        actor_id: UUID | None,
        name: str,
        slug: str,
        description: str = "",
        category_id: UUID | None = None,
        price: Money | None = None,
        materials: Iterable[str] = (),
        care_notes: str = "",
        customizable: bool = False,
        product_id: UUID | None = None,
    ) -> Product:
        """A draft. A caller-chosen `product_id` lets a repeated create be told from a new one."""
        fields = {
            "designer_id": designer_id,
            "actor_id": actor_id,
            "name": clean_name(name),
            "slug": clean_slug(slug),
            "description": clean_description(description),
            "category_id": category_id,
            "price": clean_price(price),
            "materials": clean_materials(materials),
            "care_notes": clean_care_notes(care_notes),
            "customizable": bool(customizable),
        }
        if product_id is not None:
            return cls._create(cls.Created, id=product_id, **fields)
        return cls(**fields)

    # Checks shared by every change.

    @property
    def is_archived(self) -> bool:
        return self.status == ARCHIVED

    def check_owner(self, acting_designer_id: UUID | None) -> None:
        """A designer acts only on their own products; None means staff acting on any."""
        if acting_designer_id is not None and acting_designer_id != self.designer_id:
            raise NotProductOwner("Only the product's designer may change it.", product_id=self.id)

    def check_editable(self, acting_designer_id: UUID | None) -> None:
        self.check_owner(acting_designer_id)
        if self.is_archived:
            raise ProductArchived("This product is archived and can no longer change.", product_id=self.id)

    # Details and price.

    def update_details(self, actor_id: UUID | None, acting_designer_id: UUID | None, **changes: Any) -> dict:
        """Only the fields given (from DETAIL_FIELDS) and actually different are recorded; returns them."""
        self.check_editable(acting_designer_id)
        unknown = set(changes) - set(DETAIL_FIELDS)
        if unknown:
            raise InvalidProduct(f"Unknown detail(s): {', '.join(sorted(unknown))}.", field=sorted(unknown)[0])
        cleaners = {
            "name": clean_name,
            "description": clean_description,
            "category_id": lambda value: value,
            "materials": clean_materials,
            "care_notes": clean_care_notes,
            "customizable": bool,
        }
        cleaned = {name: cleaners[name](value) for name, value in changes.items()}
        different = {name: value for name, value in cleaned.items() if getattr(self, name) != value}
        if different:
            self._details_updated(actor_id=actor_id, changes=different)
        return different

    class DetailsUpdated(Aggregate.Event):
        actor_id: UUID | None
        changes: dict[str, Any]

    @event(DetailsUpdated)
    def _details_updated(self, actor_id: UUID | None, changes: dict[str, Any]) -> None:
        for name, value in changes.items():
            setattr(self, name, list(value) if name == "materials" else value)

    def change_slug(self, slug: str, actor_id: UUID | None, acting_designer_id: UUID | None) -> str | None:
        """Returns the slug given up, for the application to release in its index; None if unchanged."""
        self.check_editable(acting_designer_id)
        slug = clean_slug(slug)
        if slug == self.slug:
            return None
        previous = self.slug
        self._slug_changed(actor_id=actor_id, slug=slug)
        return previous

    class SlugChanged(Aggregate.Event):
        actor_id: UUID | None
        slug: str

    @event(SlugChanged)
    def _slug_changed(self, actor_id: UUID | None, slug: str) -> None:
        self.slug = slug

    def change_price(self, price: Money, actor_id: UUID | None, acting_designer_id: UUID | None) -> None:
        self.check_editable(acting_designer_id)
        price = clean_price(price)
        if price is None:
            raise InvalidProduct("Give the new price.", field="price")
        if price != self.price:
            self._price_changed(actor_id=actor_id, price=price)

    class PriceChanged(Aggregate.Event):
        actor_id: UUID | None
        price: Money

    @event(PriceChanged)
    def _price_changed(self, actor_id: UUID | None, price: Money) -> None:
        self.price = price

    # Variants.

    def add_variant(
        self, sku: str, size: str, colour: str, actor_id: UUID | None, acting_designer_id: UUID | None
    ) -> str:
        """Returns the cleaned SKU; its global uniqueness is the application's index to check."""
        self.check_editable(acting_designer_id)
        sku = clean_sku(sku)
        size, colour = clean_variant(size, colour)
        if sku in self.variants:
            raise VariantConflict(f"This product already has the SKU {sku}.", field="sku", product_id=self.id)
        if (size, colour) in self.variants.values():
            raise VariantConflict(
                f"This product already has a {variant_label(size, colour)} variant.", field="size", product_id=self.id
            )
        if len(self.variants) >= VARIANTS_MAX:
            raise InvalidProduct(f"A product has at most {VARIANTS_MAX} variants.", field="sku", product_id=self.id)
        self._variant_added(actor_id=actor_id, sku=sku, size=size, colour=colour)
        return sku

    class VariantAdded(Aggregate.Event):
        actor_id: UUID | None
        sku: str
        size: str
        colour: str

    @event(VariantAdded)
    def _variant_added(self, actor_id: UUID | None, sku: str, size: str, colour: str) -> None:
        self.variants[sku] = (size, colour)

    def remove_variant(self, sku: str, actor_id: UUID | None, acting_designer_id: UUID | None) -> str:
        self.check_editable(acting_designer_id)
        sku = clean_sku(sku)
        if sku not in self.variants:
            raise InvalidProduct(f"This product has no variant {sku}.", field="sku", product_id=self.id)
        if self.status == PUBLISHED and len(self.variants) == 1:
            raise IllegalProductStep(
                "A published product keeps at least one variant: add another or unpublish it first.",
                field="sku",
                product_id=self.id,
            )
        self._variant_removed(actor_id=actor_id, sku=sku)
        return sku

    class VariantRemoved(Aggregate.Event):
        actor_id: UUID | None
        sku: str

    @event(VariantRemoved)
    def _variant_removed(self, actor_id: UUID | None, sku: str) -> None:
        del self.variants[sku]

    # Images.

    def attach_image(
        self,
        image_id: UUID,
        key: str,
        content_type: str,
        width: int,
        height: int,
        size_bytes: int,
        alt_text: str,
        actor_id: UUID | None,
        acting_designer_id: UUID | None,
    ) -> None:
        """The upload itself is checked by the application before this (HEAD, real size and type)."""
        self.check_editable(acting_designer_id)
        if len(self.images) >= IMAGES_MAX:
            raise InvalidProduct(f"A product has at most {IMAGES_MAX} images.", field="key", product_id=self.id)
        if any(image["key"] == key for image in self.images.values()):
            raise InvalidProduct("This image is already attached.", field="key", product_id=self.id)
        alt_text = clean_text(
            alt_text, field="alt_text", max_length=ALT_TEXT_MAX_LENGTH, required=False, error=InvalidProduct
        )
        self._image_attached(
            actor_id=actor_id,
            image_id=image_id,
            key=key,
            content_type=content_type,
            width=width,
            height=height,
            size_bytes=size_bytes,
            alt_text=alt_text,
        )

    class ImageAttached(Aggregate.Event):
        actor_id: UUID | None
        image_id: UUID
        key: str
        content_type: str
        width: int
        height: int
        size_bytes: int
        alt_text: str

    @event(ImageAttached)
    def _image_attached(
        self,
        actor_id: UUID | None,
        image_id: UUID,
        key: str,
        content_type: str,
        width: int,
        height: int,
        size_bytes: int,
        alt_text: str,
    ) -> None:
        self.images[image_id] = {
            "key": key,
            "content_type": content_type,
            "width": width,
            "height": height,
            "size_bytes": size_bytes,
            "alt_text": alt_text,
        }
        self.image_order.append(image_id)

    def reorder_images(self, image_ids: list[UUID], actor_id: UUID | None, acting_designer_id: UUID | None) -> None:
        self.check_editable(acting_designer_id)
        if sorted(image_ids, key=str) != sorted(self.image_order, key=str):
            raise InvalidProduct("Give every image of the product exactly once, in the new order.", field="image_ids")
        if image_ids != self.image_order:
            self._images_reordered(actor_id=actor_id, image_ids=list(image_ids))

    class ImagesReordered(Aggregate.Event):
        actor_id: UUID | None
        image_ids: list[UUID]

    @event(ImagesReordered)
    def _images_reordered(self, actor_id: UUID | None, image_ids: list[UUID]) -> None:
        self.image_order = list(image_ids)

    def remove_image(self, image_id: UUID, actor_id: UUID | None, acting_designer_id: UUID | None) -> None:
        self.check_editable(acting_designer_id)
        if image_id not in self.images:
            raise InvalidProduct("This product has no such image.", field="image_id", product_id=self.id)
        if self.status == PUBLISHED and len(self.images) == 1:
            raise IllegalProductStep(
                "A published product keeps at least one image: attach another or unpublish it first.",
                field="image_id",
                product_id=self.id,
            )
        self._image_removed(actor_id=actor_id, image_id=image_id)

    class ImageRemoved(Aggregate.Event):
        actor_id: UUID | None
        image_id: UUID

    @event(ImageRemoved)
    def _image_removed(self, actor_id: UUID | None, image_id: UUID) -> None:
        del self.images[image_id]
        self.image_order.remove(image_id)

    # Lifecycle.

    def missing_for_publishing(self) -> list[str]:
        missing = []
        if self.price is None:
            missing.append("a price")
        if not self.images:
            missing.append("an image")
        if not self.variants:
            missing.append("a variant")
        return missing

    def publish(self, actor_id: UUID | None, acting_designer_id: UUID | None) -> None:
        self.check_editable(acting_designer_id)
        if self.status == PUBLISHED:
            raise IllegalProductStep("This product is already published.", product_id=self.id)
        missing = self.missing_for_publishing()
        if missing:
            raise IllegalProductStep(
                f"A product needs {', '.join(missing)} before it can be published.", product_id=self.id
            )
        self._published(actor_id=actor_id)

    class Published(Aggregate.Event):
        actor_id: UUID | None

    @event(Published)
    def _published(self, actor_id: UUID | None) -> None:
        self.status = PUBLISHED

    def unpublish(self, actor_id: UUID | None, acting_designer_id: UUID | None) -> None:
        self.check_editable(acting_designer_id)
        if self.status != PUBLISHED:
            raise IllegalProductStep("Only a published product can be unpublished.", product_id=self.id)
        self._unpublished(actor_id=actor_id)

    class Unpublished(Aggregate.Event):
        actor_id: UUID | None

    @event(Unpublished)
    def _unpublished(self, actor_id: UUID | None) -> None:
        self.status = DRAFT

    def archive(self, actor_id: UUID | None, acting_designer_id: UUID | None) -> None:
        self.check_editable(acting_designer_id)
        self._archived(actor_id=actor_id)

    class Archived(Aggregate.Event):
        actor_id: UUID | None

    @event(Archived)
    def _archived(self, actor_id: UUID | None) -> None:
        self.status = ARCHIVED


def product_history_entry(domain_event: Any) -> dict[str, Any]:
    """One line of a product's history: what happened, who did it, when, and what it carried."""
    data = {
        key: value
        for key, value in domain_event.__dict__.items()
        if key not in {"originator_id", "originator_version", "timestamp", "originator_topic", "actor_id"}
    }
    return {
        "version": domain_event.originator_version,
        "event": type(domain_event).__name__,
        "actor_id": getattr(domain_event, "actor_id", None),
        "at": domain_event.timestamp,
        "data": data,
    }
