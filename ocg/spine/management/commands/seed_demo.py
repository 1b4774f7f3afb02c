from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ocg.spine.contexts import call_each, demo_modules
from ocg.spine.projections import ProjectionRunner, get_projection, registered_projections


class Command(BaseCommand):
    help = "Seed every context's demo data once; safe to run again."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo accounts have a published password: seed_demo runs only with DEBUG=1.")
        lines = call_each(demo_modules(), "seed")
        for name in registered_projections():
            ProjectionRunner(get_projection(name)).catch_up()
        self.stdout.write("\n".join(lines))
