import threading

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand

from ocg.spine.projections import ProjectionRunner, get_projection, registered_projections
from ocg.spine.relay import Relay


class Command(BaseCommand):
    help = "Serve the whole product in one process: ASGI app, projections and (if Kafka is set) the relay."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, host, port, **options):
        stop = threading.Event()
        workers = [ProjectionRunner(get_projection(name), stop=stop).run_forever for name in registered_projections()]
        if settings.KAFKA_BOOTSTRAP_SERVERS:
            workers.append(Relay(settings.KAFKA_BOOTSTRAP_SERVERS, stop=stop).run_forever)
        for work in workers:
            threading.Thread(target=work, daemon=True).start()
        base = f"http://{host}:{port}"
        self.stdout.write(
            "\n".join(
                [
                    "OCG WebStore is starting (embedded mode)" if settings.EMBEDDED else "OCG WebStore is starting",
                    f"  storefront GraphQL  {base}/graphql",
                    f"  REST API docs       {base}/api/docs",
                    f"  back office         {base}/admin/",
                    f"  health              {base}/healthz  {base}/readyz",
                    "  demo accounts (password demo-password-123): admin@demo.ocg, designer@demo.ocg, customer@demo.ocg",
                    f"  Kafka relay         {'to ' + settings.KAFKA_BOOTSTRAP_SERVERS if settings.KAFKA_BOOTSTRAP_SERVERS else 'idle (KAFKA_BOOTSTRAP_SERVERS unset)'}",
                ]
            )
        )
        try:
            uvicorn.run("ocg.asgi:application", host=host, port=port, log_level="info", lifespan="off")
        finally:
            stop.set()
