"""Django's Redis cache backend with one Redis client (and connection pool) per process.

Django builds a cache object per request context (under ASGI each request gets its own) and
RedisCache builds its client, pools included, per cache object: every request opened a fresh
Redis connection. Sharing the client restores connection reuse; redis-py's pool is thread-safe.

Under ASGI each request in flight runs its sync code on a thread of its own, so a burst of requests
(200 checkouts at once) asks for more connections than the pool's limit (redis-py's default, 100):
its plain pool then raises MaxConnectionsError, a 500. The pool here is a blocking one of the same
size: past the limit a request waits for a free connection instead.
"""

from __future__ import annotations

import threading
from functools import cached_property
from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

MAX_CONNECTIONS = 100
CONNECTION_WAIT_SECONDS = 20
POOL_OPTIONS = {
    "pool_class": "redis.BlockingConnectionPool",
    "max_connections": MAX_CONNECTIONS,
    "timeout": CONNECTION_WAIT_SECONDS,
}
_clients: dict[tuple[Any, ...], Any] = {}
_clients_lock = threading.Lock()


class RedisCache(DjangoRedisCache):
    @cached_property
    def _cache(self) -> Any:
        options = {**POOL_OPTIONS, **self._options}
        key = (tuple(self._servers), repr(sorted(options.items())))
        with _clients_lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = self._class(self._servers, **options)
        return client
