"""Process managers: one context's events turned into its own events, each exactly once.

A context's policy is a process application of its own (the library's `EventSourcedProjection`
with its process recorder), named after the context so it writes to the context's events table,
beside the command application that keeps the group-commit insert for clients. Its `policy`
collects new events on the processing event, and the library records them in ONE transaction with
the upstream position (its tracking table). A crash before that commit leaves neither; the event is
simply processed again.

This runner feeds it, batch by batch, with the same lock and wake-up as projections. Events the
policy does not react to are not decoded one by one: only the last of a run of them is processed,
which records the position. A save that lost a race with a client command is retried at once (the
policy re-reads the aggregates); anything else stops the policy at that event (EventFailed,
reported as a stall) until the code is fixed: a policy's event is never skipped, since the reaction
it owes would be lost silently.
"""

from __future__ import annotations

import threading
from typing import Any, ClassVar

from django.conf import settings
from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.projection import EventSourcedProjection

from ocg.spine.eventstore import POLICY_PREFIX, ContextApplication, applications
from ocg.spine.follow import drain, fail_at, follow_forever

BATCH_SIZE = 500
CONFLICT_RETRIES = 10


class ContextPolicy(ContextApplication, EventSourcedProjection):
    """Base of a context's process application.

    Subclasses set `name` (their context), `follows` (the contexts they react to) and `reacts_to`
    (the upstream event classes `policy` handles), and register handlers on `policy`.
    """

    follows: ClassVar[tuple[str, ...]] = ()
    reacts_to: ClassVar[tuple[type, ...]] = ()

    @classmethod
    def topics(cls) -> frozenset[str]:
        return frozenset(f"{event_class.__module__}:{event_class.__qualname__}" for event_class in cls.reacts_to)


def policy_names() -> list[str]:
    return [f"{POLICY_PREFIX}{name}" for name in settings.POLICIES]


class PolicyRunner:
    """Feeds a context's policy from the contexts it follows."""

    def __init__(
        self,
        context: str,
        *,
        batch_size: int = BATCH_SIZE,
        stop: threading.Event | None = None,
    ) -> None:
        self.context = context
        self.batch_size = batch_size
        self.stop = stop or threading.Event()

    @property
    def name(self) -> str:
        return f"{POLICY_PREFIX}{self.context}"

    @property
    def reactor(self) -> Any:
        reactor = applications.get(self.name)
        if not isinstance(reactor, EventSourcedProjection):
            raise TypeError(f"{type(reactor).__name__} must be an EventSourcedProjection to run policies")
        return reactor

    @property
    def upstreams(self) -> tuple[str, ...]:
        return tuple(self.reactor.follows)

    def process_batch(self, upstream: str) -> int:
        reactor = self.reactor
        source = applications.get(upstream)
        start = reactor.recorder.max_tracking_id(source.name) or 0
        notifications = source.recorder.select_notifications(
            start=start, limit=self.batch_size, inclusive_of_start=False
        )
        wanted = reactor.topics() if isinstance(reactor, ContextPolicy) and reactor.reacts_to else None
        processed = 0
        for index, notification in enumerate(notifications):
            if self.stop.is_set():
                break
            last = index == len(notifications) - 1
            if wanted is None or notification.topic in wanted or last:
                self._process(reactor, source, upstream, notification, start)
                start = notification.id
            processed += 1
        return processed

    def _process(self, reactor: Any, source: Any, upstream: str, notification: Any, start: int) -> None:
        for attempt in range(CONFLICT_RETRIES + 1):
            try:
                with reactor.processing_lock:
                    reactor.process_event(
                        source.mapper.to_domain_event(notification), Tracking(source.name, notification.id)
                    )
                return
            except IntegrityError as error:
                if self._already_tracked(reactor, source, notification):
                    return
                if attempt == CONFLICT_RETRIES:
                    fail_at(upstream, notification, start, error)
            except Exception as error:
                fail_at(upstream, notification, start, error)

    @staticmethod
    def _already_tracked(reactor: Any, source: Any, notification: Any) -> bool:
        """Another copy recorded this event meanwhile (a standby that took over): nothing left to do."""
        return (reactor.recorder.max_tracking_id(source.name) or 0) >= notification.id

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
