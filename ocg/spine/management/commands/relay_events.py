import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ocg.spine.relay import Relay


class Command(BaseCommand):
    help = "Republish every context's events to Kafka (ocg.<context>.v1) until interrupted."

    def add_arguments(self, parser):
        parser.add_argument("--bootstrap-servers", default=settings.KAFKA_BOOTSTRAP_SERVERS)

    def handle(self, *args, bootstrap_servers, **options):
        if not bootstrap_servers:
            raise CommandError("Set KAFKA_BOOTSTRAP_SERVERS (or pass --bootstrap-servers).")
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        self.stdout.write(f"relaying to {bootstrap_servers}")
        Relay(bootstrap_servers, stop=stop).run_forever()
