"""Process managers: one context's events turned into another context's commands, each exactly once.

The reacting context's application is a process application (the library's
`EventSourcedProjection` with its process recorder): its `policy` collects new events on the
processing event, and the library records them in ONE transaction with the upstream position
(its tracking table). A crash before that commit leaves neither; the event is simply processed
again. This runner only feeds it, batch by batch, with the same lock and wake-up as projections.
An event it cannot process stops it there (EventFailed, reported as a stall) until the code is
fixed: a policy's event is never skipped, since the reaction it owes would be lost silently.
"""

from __future__ import annotations

import threading

from django.conf import settings
from eventsourcing.persistence import Tracking
from eventsourcing.projection import EventSourcedProjection

from ocg.spine.eventstore import applications
from ocg.spine.follow import drain, fail_at, follow_forever

BATCH_SIZE = 500


class PolicyRunner:
    """Feeds a context's process application from the contexts it reacts to."""

    def __init__(
        self,
        downstream: str,
        upstreams: tuple[str, ...],
        *,
        batch_size: int = BATCH_SIZE,
        stop: threading.Event | None = None,
    ) -> None:
        self.downstream = downstream
        self.upstreams = upstreams
        self.batch_size = batch_size
        self.stop = stop or threading.Event()

    @property
    def name(self) -> str:
        return f"policy:{self.downstream}"

    def process_batch(self, upstream: str) -> int:
        reactor = applications.get(self.downstream)
        if not isinstance(reactor, EventSourcedProjection):
            raise TypeError(f"{type(reactor).__name__} must be an EventSourcedProjection to run policies")
        source = applications.get(upstream)
        start = reactor.recorder.max_tracking_id(source.name) or 0
        notifications = source.recorder.select_notifications(
            start=start, limit=self.batch_size, inclusive_of_start=False
        )
        processed = 0
        for notification in notifications:
            if self.stop.is_set():
                break
            try:
                with reactor.processing_lock:
                    reactor.process_event(
                        source.mapper.to_domain_event(notification), Tracking(source.name, notification.id)
                    )
            except Exception as error:
                fail_at(upstream, notification, start, error)
            start = notification.id
            processed += 1
        return processed

    def catch_up(self) -> int:
        return drain(self.process_batch, self.upstreams, self.stop)

    def run_forever(self, poll_seconds: float | None = None) -> None:
        follow_forever(
            self.name,
            list(self.upstreams),
            self.stop,
            self.catch_up,
            settings.PROJECTION_POLL_SECONDS if poll_seconds is None else poll_seconds,
            reports_as=self.name,
        )
