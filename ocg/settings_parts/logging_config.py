"""Logging: every line redacted and tagged with its request id, requests logged once, as JSON.

Apart from ocg/settings.py because it is a block of its own that grows with each logger we tame.
"""

from ocg.spine.env import env

__all__ = ["LOGGING", "LOG_LEVEL"]

LOG_LEVEL = env("LOG_LEVEL", "INFO")
# Every handler redacts (query strings, credential headers, tokens), whichever logger a line comes from.
# Requests and sockets are logged once, by the project (ocg.request): the server's access log, its per-socket
# lines and Django's 4xx warnings would repeat them, so they are off; errors still log.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "ocg.spine.requestlog.RequestIdFilter"},
        "redact": {"()": "ocg.spine.requestlog.RedactSecretsFilter"},
        "server_socket_lines": {"()": "ocg.spine.socketlog.ServerSocketLinesFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "ocg.spine.requestlog.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact", "request_id"]},
        "requests": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["redact", "request_id"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "ocg.request": {"handlers": ["requests"], "level": "INFO", "propagate": False},
        # Django's default handlers (its own console, runserver's, mail_admins) give way to the root's.
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "django.server": {"handlers": [], "propagate": True},
        "django.request": {"level": "ERROR"},
        # uvicorn configures these before loading the application; this replaces its handlers with ours.
        "uvicorn": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "uvicorn.error": {"level": LOG_LEVEL, "filters": ["server_socket_lines"], "propagate": True},
        "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
    },
}
