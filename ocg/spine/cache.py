"""Django's Redis cache backend with one Redis client (and connection pool) per process.

Django builds a cache object per request context (under ASGI each request gets its own) and
RedisCache builds its client, pools included, per cache object: every request opened a fresh
Redis connection. Sharing the client restores connection reuse; redis-py's pool is thread-safe.
"""

from __future__ import annotations

import threading
from functools import cached_property
from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

_clients: dict[tuple[Any, ...], Any] = {}
_clients_lock = threading.Lock()


class RedisCache(DjangoRedisCache):
    @cached_property
    def _cache(self) -> Any:
        key = (tuple(self._servers), repr(sorted(self._options.items())))
        with _clients_lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = self._class(self._servers, **self._options)
        return client
