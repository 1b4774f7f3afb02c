"""The project's settings with the idempotency test URLconf, for the ASGI server the tests start."""

from ocg.settings import *  # noqa: F403

ROOT_URLCONF = "tests.spine.idempotency_app"
