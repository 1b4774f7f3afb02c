import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ocg.orders.notifications import CONSUMER_NAME, TOPICS, NotificationConsumer


class Command(BaseCommand):
    help = (
        f"Mail customers and designers about orders and stock from {' and '.join(TOPICS)} until interrupted; "
        "each event is mailed once, whatever is redelivered."
    )

    def add_arguments(self, parser):
        parser.add_argument("--bootstrap-servers", default=settings.KAFKA_BOOTSTRAP_SERVERS)
        parser.add_argument(
            "--group",
            default=CONSUMER_NAME,
            help="The consumer group, which is also the name events are recorded as consumed under.",
        )

    def handle(self, *args, bootstrap_servers, group, **options):
        if not bootstrap_servers:
            raise CommandError("Set KAFKA_BOOTSTRAP_SERVERS (or pass --bootstrap-servers).")
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        self.stdout.write(f"consuming {', '.join(TOPICS)} from {bootstrap_servers} as {group}")
        NotificationConsumer(bootstrap_servers, name=group, stop=stop).run_forever()
