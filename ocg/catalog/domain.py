"""The catalog's aggregates. Imports only the standard library and eventsourcing.domain."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ocg.spine.domain import DomainError

CURRENCIES = frozenset({"EUR", "USD", "GBP", "CHF", "JPY"})
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


def clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidProduct("A product needs a name.", field="name")
    if len(name) > NAME_MAX_LENGTH:
        raise InvalidProduct(f"A product name has at most {NAME_MAX_LENGTH} characters.", field="name")
    return name


def clean_price(amount: Decimal, currency: str) -> tuple[Decimal, str]:
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise InvalidProduct("The price must be a decimal amount.", field="price")
    if amount <= 0 or amount > PRICE_MAX:
        raise InvalidProduct(f"The price must be above 0 and at most {PRICE_MAX}.", field="price")
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise InvalidProduct("The price has at most two decimal places.", field="price")
    if currency not in CURRENCIES:
        raise InvalidProduct(f"The currency must be one of {', '.join(sorted(CURRENCIES))}.", field="currency")
    return amount, currency


class Product(Aggregate):
    """A piece a designer lists. Public methods check; the @event methods only apply."""

    class Created(Aggregate.Created):
        name: str
        price: Decimal
        currency: str
        designer_id: UUID | None

    @event(Created)
    def __init__(self, name: str, price: Decimal, currency: str, designer_id: UUID | None) -> None:
        self.name = name
        self.price = price
        self.currency = currency
        self.designer_id = designer_id

    @classmethod
    def create(cls, name: str, price: Decimal, currency: str, designer_id: UUID | None = None) -> Product:
        price, currency = clean_price(price, currency)
        return cls(name=clean_name(name), price=price, currency=currency, designer_id=designer_id)

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
