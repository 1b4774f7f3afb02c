"""Gateway fixtures: clean rate-limit counters in the test Redis, and the request log as parsed JSON lines."""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Iterator

import pytest
import redis
from django.conf import settings

from ocg.spine import ratelimit
from ocg.spine.requestlog import JsonFormatter, RequestIdFilter


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(settings.REDIS_URL)
    yield client
    client.close()


def clear_counters(client: redis.Redis) -> None:
    for key in client.scan_iter(f"{ratelimit.KEY_PREFIX}*"):
        client.delete(key)


@pytest.fixture(autouse=True)
def fresh_limiter(redis_client) -> Iterator[None]:
    """Every test starts with no counts, in Redis and in the process, and not in the last seconds of a
    minute: the limiter's windows are fixed, so counts that straddle a window's end would start again."""
    left = 60 - time.time() % 60
    if left < 5:
        time.sleep(left + 0.05)
    ratelimit.reset()
    clear_counters(redis_client)
    yield
    ratelimit.reset()
    clear_counters(redis_client)


class RequestLog:
    """What the `ocg.request` logger wrote, through the same JSON formatter and filter as in production."""

    def __init__(self) -> None:
        self.stream = io.StringIO()
        self.handler = logging.StreamHandler(self.stream)
        self.handler.setFormatter(JsonFormatter())
        self.handler.addFilter(RequestIdFilter())

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    @property
    def lines(self) -> list[dict]:
        return [json.loads(line) for line in self.text.splitlines() if line.strip()]


@pytest.fixture
def request_log() -> Iterator[RequestLog]:
    log = RequestLog()
    logger = logging.getLogger("ocg.request")
    logger.addHandler(log.handler)
    yield log
    logger.removeHandler(log.handler)
