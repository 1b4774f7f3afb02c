import getpass
import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from ocg.spine.eventstore import applications
from ocg.spine.models import FollowerStall, ProjectionPosition, SkippedEvent
from ocg.spine.projections import get_projection, registered_projections
from ocg.spine.relay import RELAY_FOLLOWER

OPERATOR_MAX_LENGTH = SkippedEvent._meta.get_field("operator").max_length


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name and no passwd entry (a container's numeric user)
        return f"uid {os.getuid()}"


class Command(BaseCommand):
    help = (
        "Let a stalled projection pass over ONE event it cannot apply: only the next event it would apply, "
        "recorded with the reason and who ran it. The read model then lacks that event's effect: the fix is "
        "to correct the projection's code and run `rebuild_projection NAME`. Refused for policies and the "
        "relay, whose skipped event would be lost downstream."
    )

    def add_arguments(self, parser):
        parser.add_argument("follower", help="the projection's name, as in run_projections")
        parser.add_argument("source", help="the context whose event it is")
        parser.add_argument("position", type=int, help="the event's notification id (the stalled event in /readyz)")
        parser.add_argument("--reason", required=True, help="why, for the record")
        parser.add_argument("--operator", help="who decided (default: the OS user running the command)")

    def handle(self, *args, follower, source, position, reason, operator, **options):
        reason = reason.strip()
        if not reason:
            raise CommandError("--reason must say why the event is skipped")
        operator = (operator or "").strip() or os_user()
        if len(operator) > OPERATOR_MAX_LENGTH:
            raise CommandError(f"--operator has at most {OPERATOR_MAX_LENGTH} characters")
        projection = self._projection(follower)
        if source not in projection.sources:
            raise CommandError(f"{follower} follows {', '.join(projection.sources)}, not {source!r}")
        recorder = applications.get(source).recorder
        with transaction.atomic():
            ProjectionPosition.objects.get_or_create(follower=follower, source=source)
            row = ProjectionPosition.objects.select_for_update().get(follower=follower, source=source)
            following = recorder.select_notifications(start=row.position, limit=1, inclusive_of_start=False)
            if not following:
                raise CommandError(f"{follower} has applied every {source} event (position {row.position})")
            event = following[0]
            if event.id != position:
                raise CommandError(
                    f"{follower} is at {source} position {row.position}: the next event it would apply is "
                    f"{event.id}, not {position}. Only that one may be skipped."
                )
            SkippedEvent.objects.create(
                follower=follower,
                source=source,
                position=event.id,
                topic=event.topic,
                originator_id=event.originator_id,
                originator_version=event.originator_version,
                reason=reason,
                operator=operator,
            )
            row.position = event.id
            row.save(update_fields=["position", "updated_at"])
            FollowerStall.objects.filter(follower=follower, source=source, event_position=event.id).delete()
        self.stdout.write(
            f"{follower}: skipped {source} event {event.id} ({event.topic}, originator {event.originator_id} "
            f"version {event.originator_version}). Its effect is missing from the read model: correct the "
            f"projection and run `manage.py rebuild_projection {follower}`."
        )

    def _projection(self, name: str):
        if name == RELAY_FOLLOWER or name.startswith("policy:") or name in settings.POLICIES:
            kind = "the Kafka relay" if name == RELAY_FOLLOWER else "a process manager (policy)"
            raise CommandError(
                f"{name} is {kind}: skip_event only skips a projection's event. Skipping here would lose "
                "the event for everything downstream of it; correct the code (or the broker) and let it retry."
            )
        try:
            return get_projection(name)
        except LookupError:
            known = ", ".join(registered_projections()) or "none"
            raise CommandError(f"No projection named {name!r}; known: {known}") from None
