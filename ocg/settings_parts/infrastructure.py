"""Settings of the services the project stands on: the database, the event store and what follows it, Kafka,
Redis (cache and channel layer) and Celery's broker.

Apart from ocg/settings.py so that the product's own settings read without the plumbing; the timed jobs each
context adds (CELERY_BEAT_SCHEDULE) stay there, next to the contexts.
"""

from pathlib import Path

import dj_database_url

from ocg.settings_parts.paths import VAR_DIR
from ocg.spine.env import env, env_bool, env_float, env_int

__all__ = [
    "CACHES",
    "CELERY_BEAT_SCHEDULER",
    "CELERY_BROKER_URL",
    "CELERY_TASK_ALWAYS_EAGER",
    "CELERY_TIMEZONE",
    "CELERY_WORKER_HIJACK_ROOT_LOGGER",
    "CHANNEL_LAYERS",
    "DATABASES",
    "DATABASE_URL",
    "EMBEDDED",
    "EVENT_STORE",
    "HTTP_THREADS",
    "KAFKA_BOOTSTRAP_SERVERS",
    "KAFKA_MESSAGE_TIMEOUT_MS",
    "KAFKA_PRODUCER_OPTIONS",
    "KAFKA_TOPIC_PARTITIONS",
    "KAFKA_TOPIC_REPLICATION",
    "POLICIES",
    "PROJECTIONS",
    "PROJECTION_POLL_SECONDS",
    "PROJECTION_WAIT_SECONDS",
    "REDIS_URL",
]

# Database: PostgreSQL in production and tests, a SQLite file for the embedded `make run`.
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'ocg.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Connections are shared through the pool, not kept per thread (CONN_MAX_AGE): the socket consumers and the
    # HTTP threads (HTTP_THREADS) all take one for the length of a request or a message, then give it back.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env_int("DB_POOL_MIN_SIZE", 2),
        "max_size": env_int("DB_POOL_MAX_SIZE", 10),
        "timeout": 10,
    }
else:
    DATABASES["default"].setdefault("OPTIONS", {}).update(timeout=20, transaction_mode="IMMEDIATE")
# Threads of one server process that run HTTP requests (see ocg/asgi.py): more than the database pool's size
# would only wait for a connection.
HTTP_THREADS = env_int("HTTP_THREADS", 10)
EMBEDDED = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
if EMBEDDED:
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)

# Event store: one eventsourcing Application per bounded context, each with its own events table.
EVENT_STORE = {
    "APPLICATIONS": {
        "catalog": "ocg.catalog.application.CatalogApplication",
        "identity": "ocg.identity.application.IdentityApplication",
        "orders": "ocg.orders.application.OrdersApplication",
        "negotiation": "ocg.negotiation.application.NegotiationApplication",
        "payments": "ocg.payments.application.PaymentsApplication",
        "backoffice": "ocg.backoffice.application.BackofficeApplication",
    },
    # The SQLite file for events in embedded mode (PostgreSQL mode uses DATABASE_URL's database).
    "SQLITE_PATH": env("EVENT_STORE_SQLITE_PATH", str(VAR_DIR / "events.sqlite3")),
    # Connections each context's pool keeps open, and how many more it may open under load.
    "POOL_SIZE": env_int("EVENT_STORE_POOL_SIZE", 2),
    "POOL_MAX_OVERFLOW": env_int("EVENT_STORE_POOL_MAX_OVERFLOW", 8),
    "LOCK_TIMEOUT_SECONDS": env_int("EVENT_STORE_LOCK_TIMEOUT", 5),
    "CONFLICT_RETRIES": env_int("EVENT_STORE_CONFLICT_RETRIES", 3),
}

PROJECTIONS = [
    "ocg.catalog.projections.CatalogProjection",
    "ocg.orders.projections.OrdersProjection",
    "ocg.payments.projections.PaymentsProjection",
    "ocg.negotiation.projections.NegotiationProjection",
    "ocg.negotiation.chat.projection.ChatSystemMessages",
]
# Process managers: a context -> its process application (it declares the contexts it follows).
POLICIES: dict[str, str] = {
    "catalog": "ocg.catalog.policies.InventoryPolicy",
    "orders": "ocg.orders.policies.OrderPolicy",
    "payments": "ocg.payments.policies.PaymentPolicy",
    "negotiation": "ocg.negotiation.policies.NegotiationPolicy",  # custom price -> Opened; order ended -> Closed
}
# How long a mutation waits for its projection before answering (read-your-writes).
PROJECTION_WAIT_SECONDS = env_float("PROJECTION_WAIT_SECONDS", 2.0)
PROJECTION_POLL_SECONDS = env_float("PROJECTION_POLL_SECONDS", 1.0)

# Kafka: the relay stays idle unless brokers are configured.
KAFKA_BOOTSTRAP_SERVERS = env("KAFKA_BOOTSTRAP_SERVERS")
KAFKA_TOPIC_PARTITIONS = env_int("KAFKA_TOPIC_PARTITIONS", 3)
KAFKA_TOPIC_REPLICATION = env_int("KAFKA_TOPIC_REPLICATION", 1)
# How long the relay lets the producer retry one message before failing the batch and starting over.
KAFKA_MESSAGE_TIMEOUT_MS = env_int("KAFKA_MESSAGE_TIMEOUT_MS", 60_000)
KAFKA_PRODUCER_OPTIONS: dict[str, object] = {}

# Redis: cache and channel layer; in-memory when unset (embedded mode).
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "ocg.spine.cache.RedisCache", "LOCATION": REDIS_URL}}
    # channels-redis's Pub/Sub layer: a group send is one PUBLISH, and each process hands what it receives to
    # its own sockets. The original layer (sorted sets, a Lua script and a blocking pop per message) spent half
    # a socket server's CPU in Redis calls: `bench chat` p50 2.8 s before, 0.09-0.5 s after, on one machine.
    # What it gives up: a push published while a process is cut off from Redis is lost (the message is stored,
    # and a socket opened again reads it in its history).
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        # The subscription's reader waits for messages; redis-py's default 5-second read
                        # timeout would cut it short on a quiet server.
                        "socket_timeout": 30,
                    }
                ],
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Celery: a Redis broker when configured, otherwise tasks run inside the process. The in-memory broker is
# named with a host: eager tasks still open a producer, and kombu warns about a URL without one.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL or "memory://localhost/")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
# The worker keeps the project's logging (and its redaction) instead of installing its own handlers.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"
