"""The identity context's REST router: /api/auth/..."""

from ninja import Router

router = Router(tags=["auth"])
