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
    read_back: list[object] = []
    errors: list[BaseException] = []

    def request_like(number: int) -> None:
        """Runs in its own thread, as a request does under ASGI; what it sees is checked by the test's thread."""
        try:
            cache = caches.create_connection("default")
            cache.set(f"ocg:test:shared-client:{number}", number, 5)
            read_back.append(cache.get(f"ocg:test:shared-client:{number}"))
        except BaseException as error:
            errors.append(error)

    for number in range(20):
        thread = threading.Thread(target=request_like, args=(number,))
        thread.start()
        thread.join()
    after = len(server.client_list())
    server.close()
    assert errors == []
    assert read_back == list(range(20))
    assert after - before <= 1


def test_every_cache_call_goes_through_one_redis_object():
    """Building a `redis.Redis` costs about 0.2 ms; Django's client built one per call."""
    cache = caches.create_connection("default")
    client = cache._cache.get_client(write=True)
    assert client is cache._cache.get_client() is caches.create_connection("default")._cache.get_client()
    cache.set("ocg:test:one-client", "yes", 5)
    assert cache.get("ocg:test:one-client") == "yes"
