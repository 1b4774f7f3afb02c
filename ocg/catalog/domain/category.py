"""Categories: a small tree (Women > Outerwear > Coats) that staff manage, each with a slug."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ocg.catalog.domain.errors import InvalidCategory
from ocg.catalog.domain.fields import clean_slug
from ocg.spine.domain.text import clean_text

CATEGORY_NAME_MAX_LENGTH = 80
MAX_DEPTH = 5


def clean_category_name(name: object) -> str:
    return clean_text(name, field="name", max_length=CATEGORY_NAME_MAX_LENGTH, error=InvalidCategory)


class Category(Aggregate):
    """`parent_id` None is a root. The tree's shape (no cycles, bounded depth) is checked by the
    application, which can load the ancestors; the aggregate keeps its own fields right."""

    class Created(Aggregate.Created):
        actor_id: UUID | None
        name: str
        slug: str
        parent_id: UUID | None

    @event(Created)
    def __init__(self, actor_id: UUID | None, name: str, slug: str, parent_id: UUID | None) -> None:
        self.name = name
        self.slug = slug
        self.parent_id = parent_id

    @classmethod
    def create(cls, *, actor_id: UUID | None, name: str, slug: str, parent_id: UUID | None) -> Category:
        return cls(
            actor_id=actor_id,
            name=clean_category_name(name),
            slug=clean_slug(slug, error=InvalidCategory),
            parent_id=parent_id,
        )

    def rename(self, name: str, actor_id: UUID | None) -> None:
        name = clean_category_name(name)
        if name != self.name:
            self._renamed(actor_id=actor_id, name=name)

    class Renamed(Aggregate.Event):
        actor_id: UUID | None
        name: str

    @event(Renamed)
    def _renamed(self, actor_id: UUID | None, name: str) -> None:
        self.name = name

    def change_slug(self, slug: str, actor_id: UUID | None) -> str | None:
        slug = clean_slug(slug, error=InvalidCategory)
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

    def move(self, parent_id: UUID | None, ancestors_of_parent: list[UUID], actor_id: UUID | None) -> None:
        """`ancestors_of_parent` runs from the new parent up to its root: it must not contain this category."""
        if parent_id == self.id or self.id in ancestors_of_parent:
            raise InvalidCategory("A category cannot sit inside itself.", field="parent_id", category_id=self.id)
        if parent_id != self.parent_id:
            self._moved(actor_id=actor_id, parent_id=parent_id)

    class Moved(Aggregate.Event):
        actor_id: UUID | None
        parent_id: UUID | None

    @event(Moved)
    def _moved(self, actor_id: UUID | None, parent_id: UUID | None) -> None:
        self.parent_id = parent_id
