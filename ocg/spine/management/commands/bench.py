import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

from ocg.spine.contexts import benchmarks
from ocg.spine.eventstore import applications


class Command(BaseCommand):
    help = "Run one benchmark on PostgreSQL; the last line of output is one JSON object of figures."

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="a benchmark a context declares (--list shows them)")
        parser.add_argument(
            "--list", dest="list_names", action="store_true", help="print the benchmarks' names, one per line"
        )
        parser.add_argument("--quick", action="store_true", help="a shorter run (under a minute), same figures")

    def handle(self, *args, name, quick, list_names, **options):
        known = benchmarks()
        if list_names:
            self.stdout.write("\n".join(known))
            return
        if name not in known:
            raise CommandError(f"No benchmark named {name!r}; known: {', '.join(sorted(known))}")
        try:
            figures = import_string(known[name])(quick=quick)
        finally:
            applications.close_all()
        self.stdout.write(json.dumps(figures))
