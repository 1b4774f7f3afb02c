"""The background followers a deployment runs: projections and process managers (policies)."""

from __future__ import annotations

import threading

from ocg.spine.eventstore import POLICY_PREFIX
from ocg.spine.policies import PolicyRunner, policy_names
from ocg.spine.projections import ProjectionRunner, get_projection, registered_projections


def follower_names() -> list[str]:
    return [*registered_projections(), *policy_names()]


def build_followers(stop: threading.Event, names: list[str] | None = None) -> list[ProjectionRunner | PolicyRunner]:
    """Runners for the named followers (default: all), sharing one stop event."""
    names = names or follower_names()
    unknown = set(names) - set(follower_names())
    if unknown:
        raise LookupError(f"Unknown follower(s) {', '.join(sorted(unknown))}; known: {', '.join(follower_names())}")
    runners: list[ProjectionRunner | PolicyRunner] = []
    for name in names:
        if name.startswith(POLICY_PREFIX):
            runners.append(PolicyRunner(name.removeprefix(POLICY_PREFIX), stop=stop))
        else:
            runners.append(ProjectionRunner(get_projection(name), stop=stop))
    return runners


def start_threads(runners: list[ProjectionRunner | PolicyRunner]) -> list[threading.Thread]:
    threads = [threading.Thread(target=runner.run_forever, daemon=True) for runner in runners]
    for thread in threads:
        thread.start()
    return threads
