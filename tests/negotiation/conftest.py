"""Chat fixtures: an order with its customer and designer, an outsider and staff, and socket helpers."""

from __future__ import annotations

import pytest

from tests.conftest import FORBID_ORM

if not FORBID_ORM:  # the domain tests run without the ORM, which the SMTP fixture's module imports
    from tests.orders.test_notifications import smtp  # noqa: F401 - the real SMTP server fixture

DESIGNER_SKU = "CHAT-GOWN"


@pytest.fixture(autouse=True)
def chat_limits(request):
    """Generous gateway limits (these tests sign in often); the chat's own limit stays as configured."""
    if FORBID_ORM:
        return
    settings = request.getfixturevalue("settings")
    limits = {scope: (100_000, window) for scope, (_limit, window) in settings.RATE_LIMITS.items()}
    limits["chat"] = settings.RATE_LIMITS["chat"]
    settings.RATE_LIMITS = limits
    settings.CHAT_AUTH_CHECK_SECONDS = 0.5
    from django.core.cache import cache

    from ocg.spine import ratelimit

    ratelimit.reset()
    cache.clear()


@pytest.fixture
def chat_world(catalog, settings, tmp_path):
    """One placed order, projected: its customer and designer, an outsider customer and a staff account."""
    from ocg.identity.models import Role, User
    from tests.orders.shop import place, project_catalog, published_piece

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path
    users = {
        "customer": User.objects.create_user("customer@chat.example", None, role=Role.CUSTOMER),
        "designer": User.objects.create_user("designer@chat.example", None, role=Role.DESIGNER),
        "outsider": User.objects.create_user("outsider@chat.example", None, role=Role.CUSTOMER),
        "staff": User.objects.create_user("staff@chat.example", None, role=Role.ADMIN),
    }
    published_piece(users["designer"].id, DESIGNER_SKU, stock=20)
    project_catalog()
    [order_id] = place(users["customer"].id, **{DESIGNER_SKU: 1})
    from ocg.spine.projections import ProjectionRunner, get_projection

    ProjectionRunner(get_projection("orders")).catch_up()
    return {"users": users, "order": order_id}
