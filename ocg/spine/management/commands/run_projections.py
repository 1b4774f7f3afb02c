import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from ocg.spine.workers import build_followers, start_threads


class Command(BaseCommand):
    help = "Run projections and policies (all, or those named) until interrupted; a second copy stands by."

    def add_arguments(self, parser):
        parser.add_argument("names", nargs="*", help="projection or policy:<context> names (default: all)")

    def handle(self, *args, names, **options):
        stop = threading.Event()
        try:
            runners = build_followers(stop, names)
        except LookupError as error:
            raise CommandError(str(error)) from error
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        threads = start_threads(runners)
        self.stdout.write(f"running {len(runners)} follower(s); SIGTERM stops them")
        while any(thread.is_alive() for thread in threads):
            for thread in threads:
                thread.join(timeout=0.5)
