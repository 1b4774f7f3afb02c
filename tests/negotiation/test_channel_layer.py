"""The channel layer as configured with Redis: a burst of concurrent sends from one process all arrive.

redis-py's asyncio pool refuses a connection past its size (MaxConnectionsError) instead of waiting, and every
send in flight holds one: a socket server under load sends far more than the library's default of 100 at once.
"""

from __future__ import annotations

import asyncio

from asgiref.sync import async_to_sync
from channels.layers import BaseChannelLayer
from channels_redis.core import RedisChannelLayer
from django.conf import settings

BURST = 400


def configured_layer() -> BaseChannelLayer:
    assert settings.REDIS_URL, "make test runs with Redis; the chat's layer is channels-redis there"
    config = settings.CHANNEL_LAYERS["default"]
    assert config["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    return RedisChannelLayer(**config["CONFIG"])


def test_a_burst_of_group_sends_past_redis_pys_default_pool_size_all_arrive():
    layer = configured_layer()

    async def scenario() -> set[int]:
        channel = await layer.new_channel()
        await layer.group_add("burst", channel)
        try:
            await asyncio.gather(*(layer.group_send("burst", {"type": "note", "n": n}) for n in range(BURST)))
            return {(await layer.receive(channel))["n"] for _ in range(BURST)}
        finally:
            await layer.group_discard("burst", channel)
            await layer.flush()

    assert async_to_sync(scenario)() == set(range(BURST))
