"""The catalog's aggregates. Imports only the standard library, eventsourcing.domain and the spine's domain."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ocg.spine.domain import DomainError
from ocg.spine.domain.money import Money
from ocg.spine.domain.text import clean_text

NAME_MAX_LENGTH = 200
PRICE_MAX = Decimal("10000000")


class CatalogError(DomainError):
    """Base of the catalog's domain errors."""


class InvalidProduct(CatalogError):
    code = "invalid"


class ProductNotFound(CatalogError):
    code = "not_found"


class NotProductOwner(CatalogError):
    code = "permission_denied"


def clean_name(name: object) -> str:
    return clean_text(name, field="name", max_length=NAME_MAX_LENGTH, error=InvalidProduct)


def clean_price(price: Money | Decimal | str, currency: str | None = None) -> Money:
    """A Money, or an amount (text or Decimal) with its currency code, as a positive price."""
    if isinstance(price, Money):
        if currency is not None and currency != price.currency:
            raise InvalidProduct("The currency differs from the price's own.", field="currency")
        money = price
    else:
        money = Money.parse(price, currency, amount_field="price", currency_field="currency", error=InvalidProduct)
    if money.amount <= 0 or money.amount > PRICE_MAX:
        raise InvalidProduct(f"The price must be above 0 and at most {PRICE_MAX}.", field="price")
    return money


class Product(Aggregate):
    """A piece a designer lists. Public methods check; the @event methods only apply."""

    class Created(Aggregate.Created):
        name: str
        price: Money
        designer_id: UUID | None

    @event(Created)
    def __init__(self, name: str, price: Money, designer_id: UUID | None) -> None:
        self.name = name
        self.price = price
        self.designer_id = designer_id

    @classmethod
    def create(
        cls,
        name: str,
        price: Money | Decimal | str,
        currency: str | None = None,
        designer_id: UUID | None = None,
    ) -> Product:
        """`price` is a Money, or an amount with its `currency` as clients and older callers give them."""
        return cls(name=clean_name(name), price=clean_price(price, currency), designer_id=designer_id)

    def check_owner(self, acting_designer_id: UUID | None) -> None:
        """A designer acts only on their own products; None means staff acting on any."""
        if acting_designer_id is not None and acting_designer_id != self.designer_id:
            raise NotProductOwner("Only the product's designer may change it.", product_id=self.id)

    def rename(self, name: str, acting_designer_id: UUID | None = None) -> None:
        self.check_owner(acting_designer_id)
        name = clean_name(name)
        if name != self.name:
            self._renamed(name=name)

    class Renamed(Aggregate.Event):
        name: str

    @event(Renamed)
    def _renamed(self, name: str) -> None:
        self.name = name
