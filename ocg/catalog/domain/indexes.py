"""Natural keys (product and category slugs, SKUs, designer slugs) made unique by uuid5 index aggregates.

An index aggregate's id is derived from the key, so two commands claiming one key write version 1 of
the same aggregate and one of them loses at the database. It is saved in the same `save` as the
aggregate it points at, so both commit or neither does. A released key keeps its aggregate, pointing at
nothing, until someone claims it again.
"""

from __future__ import annotations

from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

INDEX_NAMESPACE = UUID("0b6f2f4e-6a36-4d8e-9a83-4c1f3d0f2a10")


class KeyIndex(Aggregate):
    """Base of the catalog's index aggregates: `kind` keeps one kind's keys apart from another's."""

    kind = "key"

    @classmethod
    def id_for(cls, key: str) -> UUID:
        return uuid5(INDEX_NAMESPACE, f"{cls.kind}:{key}")

    class Claimed(Aggregate.Created):
        key: str
        ref: UUID

    @classmethod
    def claim_new(cls, key: str, ref: UUID) -> KeyIndex:
        return cls._create(cls.Claimed, id=cls.id_for(key), key=key, ref=ref)

    @event(Claimed)
    def __init__(self, key: str, ref: UUID) -> None:
        self.key = key
        self.ref: UUID | None = ref

    def claim(self, ref: UUID) -> None:
        self._reclaimed(ref=ref)

    class Reclaimed(Aggregate.Event):
        ref: UUID

    @event(Reclaimed)
    def _reclaimed(self, ref: UUID) -> None:
        self.ref = ref

    def release(self) -> None:
        if self.ref is not None:
            self._released()

    class Released(Aggregate.Event):
        pass

    @event(Released)
    def _released(self) -> None:
        self.ref = None


class ProductSlug(KeyIndex):
    kind = "product-slug"


class CategorySlug(KeyIndex):
    kind = "category-slug"


class DesignerSlug(KeyIndex):
    kind = "designer-slug"


class SkuIndex(KeyIndex):
    """A SKU -> the product whose variant it is."""

    kind = "sku"
