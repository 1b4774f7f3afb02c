"""The identity context's read side for other contexts: no credentials, no private data beyond what is asked."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from ocg.identity.models import User


def user_id_by_email(email: str) -> UUID | None:
    """The id of the active account with this email, if there is one."""
    return User.objects.filter(email=email.strip().lower(), is_active=True).values_list("id", flat=True).first()


@dataclass(frozen=True)
class Profile:
    """What anyone may see of an account: no email, no role."""

    id: UUID
    display_name: str


def public_profiles(ids: Iterable[UUID]) -> dict[UUID, Profile]:
    """Active accounts' public profiles by id, in one query; unknown and disabled ids are left out."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = User.objects.filter(pk__in=wanted, is_active=True).values_list("id", "display_name")
    return {user_id: Profile(id=user_id, display_name=display_name) for user_id, display_name in rows}


def contact_email(user_id: UUID) -> str | None:
    """Where to mail an active account (a designer's order and stock notices); None for unknown or disabled ones."""
    return User.objects.filter(pk=user_id, is_active=True).values_list("email", flat=True).first()
