"""The channel layer as configured with Redis: a burst of concurrent sends from one process all arrive.

A socket server under load sends hundreds of group messages at once; none may be refused (redis-py's asyncio
pool refuses past its size rather than waiting) or dropped (the original layer's per-channel capacity).
"""

from __future__ import annotations

import asyncio

from asgiref.sync import async_to_sync
from channels.layers import BaseChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.conf import settings

BURST = 400


def configured_layer() -> BaseChannelLayer:
    assert settings.REDIS_URL, "make test runs with Redis; the chat's layer is channels-redis there"
    config = settings.CHANNEL_LAYERS["default"]
    assert config["BACKEND"] == "channels_redis.pubsub.RedisPubSubChannelLayer"
    return RedisPubSubChannelLayer(**config["CONFIG"])


def test_a_burst_of_concurrent_group_sends_all_arrive():
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
