"""Django's Redis cache backend with one Redis client (and connection pool) per process.

Django builds a cache object per thread and per async context (each HTTP thread, each socket consumer's
thread hop, each Celery worker thread) and RedisCache builds its client, pools included, per cache object:
each of them opened Redis connections of its own. Sharing the client restores connection reuse; redis-py's
pool is thread-safe.

A burst of work on many threads at once (socket servers, followers, HTTP threads) can ask for more
connections than the pool's limit (redis-py's default, 100): its plain pool then raises
MaxConnectionsError, a 500. The pool here is a blocking one of the same size: past the limit a caller
waits for a free connection instead.

Django's client also builds a `redis.Redis` object around the pool for every cache call; redis-py's
constructor sets up its command tables each time (about 0.2 ms, most of what a signed-in request's token
check costs). One `redis.Redis` per pool is kept instead: it is thread-safe, as the pool is.
"""

from __future__ import annotations

import threading
from functools import cached_property
from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient

MAX_CONNECTIONS = 100
CONNECTION_WAIT_SECONDS = 20
POOL_OPTIONS = {
    "pool_class": "redis.BlockingConnectionPool",
    "max_connections": MAX_CONNECTIONS,
    "timeout": CONNECTION_WAIT_SECONDS,
}
_clients: dict[tuple[Any, ...], Any] = {}
_clients_lock = threading.Lock()


class RedisCacheClient(DjangoRedisCacheClient):
    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients_by_pool", {})
        client = clients.get(id(pool))
        if client is None:
            client = clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient

    @cached_property
    def _cache(self) -> Any:
        options = {**POOL_OPTIONS, **self._options}
        key = (tuple(self._servers), repr(sorted(options.items())))
        with _clients_lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = self._class(self._servers, **options)
        return client
