import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from ocg.spine.projections import ProjectionRunner, get_projection, registered_projections


class Command(BaseCommand):
    help = "Run projections (all, or those named) until interrupted; a second copy stands by."

    def add_arguments(self, parser):
        parser.add_argument("names", nargs="*", help="projection names (default: all)")

    def handle(self, *args, names, **options):
        names = names or list(registered_projections())
        try:
            projections = [get_projection(name) for name in names]
        except LookupError as error:
            raise CommandError(str(error)) from error
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        threads = [
            threading.Thread(target=ProjectionRunner(projection, stop=stop).run_forever, name=projection.name)
            for projection in projections
        ]
        for thread in threads:
            thread.start()
        self.stdout.write(f"running projections: {', '.join(names)}")
        while any(thread.is_alive() for thread in threads):
            for thread in threads:
                thread.join(timeout=0.5)
