import threading

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand

from ocg.spine.contexts import call_each, demo_modules
from ocg.spine.periodic import run_periodic_jobs
from ocg.spine.relay import Relay
from ocg.spine.workers import build_followers, start_threads


class Command(BaseCommand):
    help = (
        "Serve the whole product in one process: ASGI app, projections and policies, the relay (if Kafka is set) "
        "and, without Redis, the timed jobs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, host, port, **options):
        stop = threading.Event()
        base = f"http://{host}:{port}"
        stoppers = []
        if settings.DEBUG:
            # Local stand-ins a context brings for a demo (fakes of outside services), up before any request, and
            # before this process starts its threads: a child process forked beside running threads can hang.
            for module in demo_modules():
                start = getattr(module, "start_services", None)
                stopper = start(base) if start is not None else None
                if stopper is not None:
                    stoppers.append(stopper)
        runners = build_followers(stop)
        if settings.KAFKA_BOOTSTRAP_SERVERS:
            runners.append(Relay(settings.KAFKA_BOOTSTRAP_SERVERS, stop=stop))
        start_threads(runners)
        jobs = "run by a Celery beat"
        if not settings.REDIS_URL:
            threading.Thread(target=run_periodic_jobs, args=(stop,), daemon=True, name="periodic-jobs").start()
            jobs = "in this process"
        relay = f"to {settings.KAFKA_BOOTSTRAP_SERVERS}" if settings.KAFKA_BOOTSTRAP_SERVERS else "idle"
        lines = [
            f"OCG WebStore{' (embedded mode)' if settings.EMBEDDED else ''}",
            f"  storefront GraphQL  {base}/graphql",
            f"  REST API docs       {base}/api/docs",
            f"  back office         {base}/admin/",
            f"  health              {base}/healthz  {base}/readyz",
            f"  Kafka relay         {relay}",
            f"  timed jobs          {jobs}",
        ]
        if settings.DEBUG:
            lines.extend(call_each(demo_modules(), "banner"))
        self.stdout.write("\n".join(lines))
        try:
            # Django's LOGGING stays in charge (log_config=None): requests are logged once, redacted, by the project.
            uvicorn.run("ocg.asgi:application", host=host, port=port, lifespan="off", access_log=False, log_config=None)
        finally:
            stop.set()
            for stopper in stoppers:
                stopper()
