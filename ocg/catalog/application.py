"""The catalog's commands: primitives and ids in, ids out, one save per command.

`actor_id` is who asks (kept in every event); `acting_designer_id` is set when a designer acts, so
the product's owner is checked, and None when staff act on any product.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.utils.text import slugify
from eventsourcing.application import AggregateNotFoundError

from ocg.catalog import images
from ocg.catalog.domain import (
    Category,
    CategoryNotFound,
    CategorySlug,
    Designer,
    DesignerSlug,
    InvalidCategory,
    InvalidProduct,
    KeyIndex,
    Product,
    ProductExists,
    ProductNotFound,
    ProductSlug,
    SkuIndex,
    SkuTaken,
    SlugTaken,
    Stock,
)
from ocg.catalog.domain.category import MAX_DEPTH
from ocg.catalog.domain.designer import InvalidDesigner
from ocg.catalog.domain.fields import SLUG_MAX_LENGTH
from ocg.catalog.domain.product import product_history_entry
from ocg.catalog.inventory import InventoryCommands
from ocg.spine.domain.money import Money
from ocg.spine.eventstore import ContextApplication, command

SLUG_SUFFIX_TRIES = 20


class CatalogApplication(InventoryCommands, ContextApplication):
    name = "catalog"

    # Products.

    @command
    def create_product(
        self,
        *,
        designer_id: UUID,
        actor_id: UUID | None,
        name: str,
        slug: str | None = None,
        description: str = "",
        category_id: UUID | None = None,
        price: Money | None = None,
        materials: Iterable[str] = (),
        care_notes: str = "",
        customizable: bool = False,
        product_id: UUID | None = None,
        designer_name: str | None = None,
    ) -> UUID:
        """A draft. Without a slug, one is made from the name. A designer without a public profile
        gets one (named `designer_name`) in the same save. A repeated `product_id` is refused as taken."""
        if product_id is not None and self._exists(product_id):
            raise ProductExists("A product with this id already exists.", field="id", product_id=product_id)
        if category_id is not None:
            self._category(category_id)
        slug = slug if slug is not None else self._free_slug(ProductSlug, name, field="name")
        product = Product.create(
            designer_id=designer_id,
            actor_id=actor_id,
            name=name,
            slug=slug,
            description=description,
            category_id=category_id,
            price=price,
            materials=materials,
            care_notes=care_notes,
            customizable=customizable,
            product_id=product_id,
        )
        index = self._claim(ProductSlug, product.slug, product.id, taken="This slug is already used by a product.")
        profile = self._designer_or_new(designer_id, actor_id, designer_name)
        # The profile's events first: the projection names the product's designer from it.
        self.save(*profile, product, index)
        return product.id

    @command
    def update_product(
        self, product_id: UUID, *, actor_id: UUID | None, acting_designer_id: UUID | None, **changes: Any
    ) -> None:
        """Any of name, description, category_id, materials, care_notes, customizable and slug."""
        product = self._product(product_id)
        changed: list[Any] = [product]
        slug = changes.pop("slug", None)
        if changes.get("category_id") is not None:
            self._category(changes["category_id"])
        product.update_details(actor_id, acting_designer_id, **changes)
        if slug is not None:
            previous = product.change_slug(slug, actor_id, acting_designer_id)
            if previous is not None:
                changed.append(self._claim(ProductSlug, product.slug, product.id, taken="This slug is already used."))
                changed.append(self._released(ProductSlug, previous))
        self.save(*changed)

    @command
    def change_price(
        self, product_id: UUID, price: Money, *, actor_id: UUID | None, acting_designer_id: UUID | None
    ) -> None:
        product = self._product(product_id)
        product.change_price(price, actor_id, acting_designer_id)
        self.save(product)

    @command
    def add_variant(
        self,
        product_id: UUID,
        *,
        sku: str,
        size: str = "",
        colour: str = "",
        actor_id: UUID | None,
        acting_designer_id: UUID | None,
    ) -> str:
        """The SKU is claimed for good (never reused, even after its variant is removed) and its stock opened."""
        product = self._product(product_id)
        sku = product.add_variant(sku, size, colour, actor_id, acting_designer_id)
        index = self._claim(SkuIndex, sku, product.id, taken=f"The SKU {sku} is already used.", error=SkuTaken)
        self.save(product, index, Stock.open(sku, product.id))
        return sku

    @command
    def remove_variant(
        self, product_id: UUID, *, sku: str, actor_id: UUID | None, acting_designer_id: UUID | None
    ) -> None:
        product = self._product(product_id)
        sku = product.remove_variant(sku, actor_id, acting_designer_id)
        stock = self._stock_or_none(sku)
        if stock is not None and stock.reservations:
            raise InvalidProduct(
                f"{sku} is reserved for {len(stock.reservations)} order(s); remove it once they are settled.",
                field="sku",
                product_id=product_id,
            )
        self.save(product)

    def image_upload_ticket(
        self, product_id: UUID, *, content_type: str, acting_designer_id: UUID | None
    ) -> images.UploadTicket:
        """Where to send one image of this product; the key it returns is what `attach_image` takes."""
        product = self._product(product_id)
        product.check_editable(acting_designer_id)
        return images.upload_ticket(product.id, content_type)

    @command
    def attach_image(
        self,
        product_id: UUID,
        *,
        key: str,
        alt_text: str = "",
        actor_id: UUID | None,
        acting_designer_id: UUID | None,
    ) -> UUID:
        """The stored object itself is checked first: this product's key, real size, real image type."""
        product = self._product(product_id)
        product.check_editable(acting_designer_id)
        facts = images.inspect_upload(product.id, key)
        image_id = uuid.uuid4()
        product.attach_image(
            image_id,
            facts.key,
            facts.content_type,
            facts.width,
            facts.height,
            facts.size_bytes,
            alt_text,
            actor_id,
            acting_designer_id,
        )
        self.save(product)
        return image_id

    @command
    def reorder_images(
        self, product_id: UUID, image_ids: list[UUID], *, actor_id: UUID | None, acting_designer_id: UUID | None
    ) -> None:
        product = self._product(product_id)
        product.reorder_images(list(image_ids), actor_id, acting_designer_id)
        self.save(product)

    @command
    def remove_image(
        self, product_id: UUID, image_id: UUID, *, actor_id: UUID | None, acting_designer_id: UUID | None
    ) -> None:
        product = self._product(product_id)
        product.remove_image(image_id, actor_id, acting_designer_id)
        self.save(product)

    @command
    def publish(self, product_id: UUID, *, actor_id: UUID | None, acting_designer_id: UUID | None) -> None:
        product = self._product(product_id)
        product.publish(actor_id, acting_designer_id)
        self.save(product)

    @command
    def unpublish(self, product_id: UUID, *, actor_id: UUID | None, acting_designer_id: UUID | None) -> None:
        product = self._product(product_id)
        product.unpublish(actor_id, acting_designer_id)
        self.save(product)

    @command
    def archive(self, product_id: UUID, *, actor_id: UUID | None, acting_designer_id: UUID | None) -> None:
        product = self._product(product_id)
        product.archive(actor_id, acting_designer_id)
        self.save(product)

    def product_history(self, product_id: UUID) -> list[dict[str, Any]]:
        """Every event of the product, oldest first: who changed what, when (for staff)."""
        events = list(self.repository.event_store.get(product_id))
        if not events or not isinstance(events[0], Product.Created):
            raise ProductNotFound(f"No product {product_id}.", field="id", product_id=product_id)
        return [product_history_entry(domain_event) for domain_event in events]

    def product_owner(self, product_id: UUID) -> UUID:
        return self._product(product_id).designer_id

    # Categories.

    @command
    def create_category(
        self, *, actor_id: UUID | None, name: str, slug: str | None = None, parent_id: UUID | None = None
    ) -> UUID:
        if parent_id is not None and len(self._ancestors(parent_id)) >= MAX_DEPTH:
            raise InvalidCategory(f"Categories nest at most {MAX_DEPTH} deep.", field="parent_id")
        slug = slug if slug is not None else self._free_slug(CategorySlug, name, field="name")
        category = Category.create(actor_id=actor_id, name=name, slug=slug, parent_id=parent_id)
        index = self._claim(CategorySlug, category.slug, category.id, taken="This slug is already used by a category.")
        self.save(category, index)
        return category.id

    @command
    def update_category(
        self,
        category_id: UUID,
        *,
        actor_id: UUID | None,
        name: str | None = None,
        slug: str | None = None,
        parent_id: UUID | object | None = ...,
    ) -> None:
        """`parent_id=None` moves the category to the root; leave it out to keep the parent."""
        category = self._category(category_id)
        changed: list[Any] = [category]
        if name is not None:
            category.rename(name, actor_id)
        if slug is not None:
            previous = category.change_slug(slug, actor_id)
            if previous is not None:
                changed.append(
                    self._claim(CategorySlug, category.slug, category.id, taken="This slug is already used.")
                )
                changed.append(self._released(CategorySlug, previous))
        if parent_id is not ...:
            ancestors = self._ancestors(parent_id) if parent_id is not None else []  # type: ignore[arg-type]
            category.move(parent_id, ancestors, actor_id)  # type: ignore[arg-type]
        self.save(*changed)

    def _ancestors(self, category_id: UUID) -> list[UUID]:
        """The category and its ancestors up to the root; a missing one is not found.

        Depth is bounded when a category is created; a move checks only that no cycle forms.
        """
        chain: list[UUID] = []
        current: UUID | None = category_id
        while current is not None and len(chain) <= MAX_DEPTH + 1:
            chain.append(current)
            current = self._category(current).parent_id
        return chain

    # Designers.

    @command
    def update_designer_profile(
        self, designer_id: UUID, *, actor_id: UUID | None, name: str | None = None, bio: str | None = None
    ) -> None:
        """Creates the profile on first use (then `name` is required)."""
        try:
            designer = self.repository.get(designer_id)
        except AggregateNotFoundError:
            if not name:
                raise InvalidDesigner("A new designer profile needs a public name.", field="name") from None
            self.save(*self._new_designer(designer_id, actor_id, name, bio or ""))
            return
        designer.update_profile(actor_id, name=name, bio=bio)
        self.save(designer)

    def _designer_or_new(self, designer_id: UUID, actor_id: UUID | None, name: str | None) -> list[Any]:
        if self._exists(designer_id):
            return []
        return self._new_designer(designer_id, actor_id, name or "Designer", "")

    def _new_designer(self, designer_id: UUID, actor_id: UUID | None, name: str, bio: str) -> list[Any]:
        slug = self._free_slug(DesignerSlug, name, field="name")
        designer = Designer.create(designer_id=designer_id, actor_id=actor_id, name=name, slug=slug, bio=bio)
        return [designer, self._claim(DesignerSlug, slug, designer_id, taken="This slug is already used.")]

    # Lookups.

    def _exists(self, aggregate_id: UUID) -> bool:
        try:
            self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return False
        return True

    def _product(self, product_id: UUID) -> Product:
        try:
            product = self.repository.get(product_id)
        except AggregateNotFoundError:
            product = None
        if not isinstance(product, Product):
            raise ProductNotFound(f"No product {product_id}.", field="id", product_id=product_id)
        return product

    def _category(self, category_id: UUID) -> Category:
        try:
            category = self.repository.get(category_id)
        except AggregateNotFoundError:
            category = None
        if not isinstance(category, Category):
            raise CategoryNotFound(f"No category {category_id}.", field="category_id", category_id=category_id)
        return category

    def _index(self, index_class: type[KeyIndex], key: str) -> KeyIndex | None:
        try:
            return self.repository.get(index_class.id_for(key))
        except AggregateNotFoundError:
            return None

    def _claim(
        self, index_class: type[KeyIndex], key: str, ref: UUID, *, taken: str, error: type = SlugTaken
    ) -> KeyIndex:
        """The key's index, pointing at `ref`. A race for a new key ends at the database (one save
        wins; the other's retry finds the index taken)."""
        index = self._index(index_class, key)
        if index is None:
            return index_class.claim_new(key, ref)
        if index.ref not in (None, ref):
            raise error(taken, field="sku" if error is SkuTaken else "slug")
        if index.ref is None:
            index.claim(ref)
        return index

    def _released(self, index_class: type[KeyIndex], key: str) -> KeyIndex:
        index = self._index(index_class, key)
        if index is None:
            raise AssertionError(f"{index_class.__name__} for {key!r} is missing")
        index.release()
        return index

    def _free_slug(self, index_class: type[KeyIndex], name: str, *, field: str) -> str:
        """A slug from a name, with -2, -3... while the plain one is taken."""
        base = slugify(name or "")[: SLUG_MAX_LENGTH - 4].strip("-")
        if not base:
            raise InvalidProduct("Give a slug: none can be made from this name.", field=field)
        for number in range(1, SLUG_SUFFIX_TRIES + 1):
            slug = base if number == 1 else f"{base}-{number}"
            index = self._index(index_class, slug)
            if index is None or index.ref is None:
                return slug
        return f"{base}-{uuid.uuid4().hex[:8]}"
