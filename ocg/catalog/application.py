"""The catalog's commands: primitives and ids in, ids out, one save per command."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from ocg.catalog.domain import Product, ProductNotFound
from ocg.spine.domain.money import Money
from ocg.spine.eventstore import ContextApplication, command


class CatalogApplication(ContextApplication):
    name = "catalog"

    @command
    def create_product(
        self,
        name: str,
        price: Money | Decimal | str,
        currency: str | None = None,
        designer_id: UUID | None = None,
    ) -> UUID:
        """`price` is a Money, or an amount and its `currency` code (each refusal names `price` or `currency`)."""
        product = Product.create(name=name, price=price, currency=currency, designer_id=designer_id)
        self.save(product)
        return product.id

    @command
    def rename_product(self, product_id: UUID, name: str, acting_designer_id: UUID | None = None) -> None:
        product = self._product(product_id)
        product.rename(name, acting_designer_id)
        self.save(product)

    def _product(self, product_id: UUID) -> Product:
        try:
            return self.repository.get(product_id)
        except AggregateNotFoundError:
            raise ProductNotFound(f"No product {product_id}.", product_id=product_id) from None
