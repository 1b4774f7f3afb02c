"""The Celery app: a Redis broker in production; tasks run in-process when REDIS_URL is unset."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ocg.settings")

app = Celery("ocg")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
