from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from ocg.spine.eventstore import applications
from ocg.spine.follow import EventFailed, FollowerAlreadyRunning
from ocg.spine.projections import get_projection, rebuild


class Command(BaseCommand):
    help = "Empty a projection's read models and replay its sources from the start."

    def add_arguments(self, parser):
        parser.add_argument("name")

    def handle(self, *args, name, **options):
        try:
            projection = get_projection(name)
        except LookupError as error:
            raise CommandError(str(error)) from error
        total = sum(applications.get(source).recorder.max_notification_id() or 0 for source in projection.sources)
        with tqdm(total=total, unit="event", desc=name, file=self.stderr._out) as bar:
            try:
                replayed = rebuild(projection, progress=bar.update)
            except FollowerAlreadyRunning as error:
                raise CommandError(f"{error}: stop its run_projections first") from error
            except EventFailed as error:
                raise CommandError(
                    f"the rebuild stopped at {error}; everything before it was applied. Fix the projection and "
                    "rebuild again, or skip that one event with skip_event and let run_projections go on from there."
                ) from error
        self.stdout.write(f"{name}: replayed {replayed} events")
