"""A designer's public profile in the catalog (name, slug, bio); its id is the designer's account id."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ocg.catalog.domain.errors import InvalidProduct
from ocg.catalog.domain.fields import clean_slug
from ocg.spine.domain.text import clean_text

DESIGNER_NAME_MAX_LENGTH = 120
BIO_MAX_LENGTH = 3000


class InvalidDesigner(InvalidProduct):
    code = "invalid"


def clean_designer_name(name: object) -> str:
    return clean_text(name, field="name", max_length=DESIGNER_NAME_MAX_LENGTH, error=InvalidDesigner)


def clean_bio(bio: object) -> str:
    return clean_text(
        bio, field="bio", max_length=BIO_MAX_LENGTH, multiline=True, required=False, error=InvalidDesigner
    )


class Designer(Aggregate):
    class Created(Aggregate.Created):
        actor_id: UUID | None
        name: str
        slug: str
        bio: str

    @event(Created)
    def __init__(self, actor_id: UUID | None, name: str, slug: str, bio: str) -> None:
        self.name = name
        self.slug = slug
        self.bio = bio

    @classmethod
    def create(cls, *, designer_id: UUID, actor_id: UUID | None, name: str, slug: str, bio: str = "") -> Designer:
        return cls._create(
            cls.Created,
            id=designer_id,
            actor_id=actor_id,
            name=clean_designer_name(name),
            slug=clean_slug(slug, error=InvalidDesigner),
            bio=clean_bio(bio),
        )

    def update_profile(self, actor_id: UUID | None, name: str | None = None, bio: str | None = None) -> None:
        name = self.name if name is None else clean_designer_name(name)
        bio = self.bio if bio is None else clean_bio(bio)
        if (name, bio) != (self.name, self.bio):
            self._profile_updated(actor_id=actor_id, name=name, bio=bio)

    class ProfileUpdated(Aggregate.Event):
        actor_id: UUID | None
        name: str
        bio: str

    @event(ProfileUpdated)
    def _profile_updated(self, actor_id: UUID | None, name: str, bio: str) -> None:
        self.name = name
        self.bio = bio
