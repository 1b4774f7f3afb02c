"""The demo accounts `manage.py seed_demo` creates (DEBUG only: their password is published)."""

from __future__ import annotations

from ocg.identity.models import Role, User

DEMO_PASSWORD = "demo-password-123"  # noqa: S105 - demo data, refused unless DEBUG
DEMO_ACCOUNTS = [
    ("admin@demo.ocg", Role.ADMIN),
    ("designer@demo.ocg", Role.DESIGNER),
    ("customer@demo.ocg", Role.CUSTOMER),
]


def seed() -> list[str]:
    created = 0
    for email, role in DEMO_ACCOUNTS:
        if User.objects.filter(email=email).exists():
            continue
        if role == Role.ADMIN:
            User.objects.create_superuser(email, DEMO_PASSWORD)
        else:
            User.objects.create_user(email, DEMO_PASSWORD, role=role)
        created += 1
    return [f"demo accounts: {created} created, {len(DEMO_ACCOUNTS) - created} already there"]


def banner() -> list[str]:
    accounts = ", ".join(email for email, _ in DEMO_ACCOUNTS)
    return [f"  demo accounts       {accounts} (password {DEMO_PASSWORD})"]
