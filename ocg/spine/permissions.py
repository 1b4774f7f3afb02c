"""Named permissions and the roles that hold them: the one place these rules live."""

from __future__ import annotations

from typing import Any

MANAGE_PRODUCTS = "catalog.manage_products"
MANAGE_ALL_PRODUCTS = "catalog.manage_all_products"
# Held by every role: for actions on one's own account (logout everywhere, password change).
MANAGE_OWN_ACCOUNT = "identity.manage_own_account"

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "customer": frozenset({MANAGE_OWN_ACCOUNT}),
    "designer": frozenset({MANAGE_OWN_ACCOUNT, MANAGE_PRODUCTS}),
    "admin": frozenset({MANAGE_OWN_ACCOUNT, MANAGE_PRODUCTS, MANAGE_ALL_PRODUCTS}),
}


def has_permission(user: Any, permission: str) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return permission in ROLE_PERMISSIONS.get(user.role, frozenset())
