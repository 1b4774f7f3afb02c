"""The Redis cache keeps one client per process, however many cache objects Django makes (one per request)."""

import threading

import redis
from django.conf import settings
from django.core.cache import caches


def test_cache_objects_made_per_request_share_one_redis_client_and_its_connections():
    first, second = caches.create_connection("default"), caches.create_connection("default")
    assert first._cache is second._cache

    server = redis.Redis.from_url(settings.REDIS_URL)
    before = len(server.client_list())

    def request_like() -> None:
        cache = caches.create_connection("default")
        cache.set("ocg:test:shared-client", 1, 5)
        assert cache.get("ocg:test:shared-client") == 1

    for _ in range(20):
        thread = threading.Thread(target=request_like)
        thread.start()
        thread.join()
    after = len(server.client_list())
    server.close()
    assert after - before <= 1
