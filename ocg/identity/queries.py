"""The identity context's read side for other contexts: no credentials, no private data beyond what is asked."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from django.db.models import Q

from ocg.identity.models import Role, User


def user_id_by_email(email: str) -> UUID | None:
    """The id of the active account with this email, if there is one."""
    return User.objects.filter(email=email.strip().lower(), is_active=True).values_list("id", flat=True).first()


@dataclass(frozen=True)
class Profile:
    """What anyone may see of an account: no email, no role."""

    id: UUID
    display_name: str


def active_designer(user_id: UUID) -> Profile | None:
    """The public profile of an active designer account, or None: staff list and create products only for one."""
    row = User.objects.filter(pk=user_id, is_active=True, role=Role.DESIGNER).values_list("id", "display_name").first()
    return Profile(id=row[0], display_name=row[1]) if row else None


def contact_email(user_id: UUID) -> str | None:
    """Where to mail an active account (a designer's order and stock notices); None for unknown or disabled ones."""
    return User.objects.filter(pk=user_id, is_active=True).values_list("email", flat=True).first()


def staff_emails() -> list[str]:
    """Where staff notices go (a refund's deadline near or passed): every active administrator, by email."""
    staff = User.objects.filter(Q(role=Role.ADMIN) | Q(is_superuser=True), is_active=True)
    return list(staff.order_by("email").values_list("email", flat=True))
