import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

from ocg.spine.eventstore import applications

BENCHMARKS = {
    "eventstore": "ocg.spine.bench.eventstore.run",
    "projection_lag": "ocg.spine.bench.projection_lag.run",
    "relay": "ocg.spine.bench.relay.run",
    "rebuild": "ocg.spine.bench.rebuild.run",
    "auth": "ocg.spine.bench.auth.run",
}


class Command(BaseCommand):
    help = "Run one benchmark on PostgreSQL; the last line of output is one JSON object of figures."

    def add_arguments(self, parser):
        parser.add_argument("name", help=f"one of: {', '.join(BENCHMARKS)}")
        parser.add_argument("--quick", action="store_true", help="a shorter run (under a minute), same figures")

    def handle(self, *args, name, quick, **options):
        if name not in BENCHMARKS:
            raise CommandError(f"No benchmark named {name!r}; known: {', '.join(BENCHMARKS)}")
        try:
            figures = import_string(BENCHMARKS[name])(quick=quick)
        finally:
            applications.close_all()
        self.stdout.write(json.dumps(figures))
