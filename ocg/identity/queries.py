"""The identity context's read side for other contexts: no credentials, no private data beyond what is asked."""

from __future__ import annotations

from uuid import UUID

from ocg.identity.models import User


def user_id_by_email(email: str) -> UUID | None:
    """The id of the active account with this email, if there is one."""
    return User.objects.filter(email=email.strip().lower(), is_active=True).values_list("id", flat=True).first()
