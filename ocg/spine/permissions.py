"""Permission checks: one rule, with the role grants each context declares on its ContextConfig."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured

from ocg.spine.contexts import known_permissions, role_permissions


def has_permission(user: Any, permission: str) -> bool:
    """A superuser holds every permission; anyone else what their role is granted. Unknown names are a bug."""
    if permission not in known_permissions():
        raise ImproperlyConfigured(f"No context declares the permission {permission!r}")
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return permission in role_permissions().get(getattr(user, "role", ""), frozenset())
