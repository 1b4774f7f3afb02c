"""Failure throttles: a growing lock-out for one key (an account, say) after a few free failures.

An attempt is counted as a failure when it starts, atomically with the check that it is not locked out,
so parallel attempts cannot all slip through one free slot; a success then clears the key. Past the free
failures, each further one locks the key for a window that doubles from `first_seconds` up to
`max_seconds`. Attempts made while locked are refused without being counted, so a lock-out never grows
by itself and an attacker cannot lock an owner out for longer than `max_seconds` at a time. A key is
forgotten `forget_seconds` after its last failure.

State lives in Redis (one script call, on the limiter's connection) when REDIS_URL is set, else in this
process. Times come from the throttle's `clock`, not Redis's, so tests can drive them. Like the limiter,
it lets attempts through while Redis is unreachable.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from ocg.spine import ratelimit
from ocg.spine.ratelimit import Decision

# Lua numbers are doubles: times travel as strings so that fractions survive the trip back.
ATTEMPT_SCRIPT = """
local state = redis.call('HMGET', KEYS[1], 'failures', 'until')
local failures = tonumber(state[1]) or 0
local locked_until = tonumber(state[2]) or 0
local now = tonumber(ARGV[1])
if locked_until > now then
  return {0, tostring(locked_until - now)}
end
failures = failures + 1
local over = failures - tonumber(ARGV[2])
if over > 0 then
  locked_until = now + math.min(tonumber(ARGV[3]) * 2 ^ math.min(over - 1, 60), tonumber(ARGV[4]))
end
redis.call('HSET', KEYS[1], 'failures', failures, 'until', tostring(locked_until))
redis.call('EXPIRE', KEYS[1], ARGV[5])
return {1, '0'}
"""


@dataclass(frozen=True)
class Backoff:
    free_failures: int
    first_seconds: float
    max_seconds: float
    forget_seconds: int

    def lock_seconds(self, failures: int) -> float:
        """The lock-out that the `failures`-th failure starts (0 while still free)."""
        over = failures - self.free_failures
        if over <= 0:
            return 0.0
        return min(self.first_seconds * 2 ** min(over - 1, 60), self.max_seconds)

    @property
    def ttl_seconds(self) -> int:
        return max(int(self.forget_seconds), math.ceil(self.max_seconds) + 1)


class MemoryFailures:
    """Failure counts for one process, for the embedded mode without Redis."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.state: dict[str, tuple[int, float, float]] = {}

    def attempt(self, key: str, now: float, backoff: Backoff) -> float:
        """Seconds left of the lock-out (the attempt is refused), or 0 once the attempt is counted."""
        with self.lock:
            if len(self.state) > 10_000:
                self.state = {k: value for k, value in self.state.items() if value[2] > now}
            failures, locked_until, forget_at = self.state.get(key, (0, 0.0, 0.0))
            if forget_at <= now:
                failures, locked_until = 0, 0.0
            if locked_until > now:
                return locked_until - now
            failures += 1
            if failures > backoff.free_failures:
                locked_until = now + backoff.lock_seconds(failures)
            self.state[key] = (failures, locked_until, now + backoff.ttl_seconds)
            return 0.0

    def clear(self, key: str | None = None) -> None:
        with self.lock:
            if key is None:
                self.state.clear()
            else:
                self.state.pop(key, None)


_memory = MemoryFailures()


def reset() -> None:
    """Forget this process's failures (tests switch REDIS_URL)."""
    _memory.clear()


class FailureThrottle:
    """One named throttle; `backoff` is read on every attempt, so it may follow settings."""

    def __init__(self, name: str, backoff: Callable[[], Backoff], clock: Callable[[], float] = time.time) -> None:
        self.name = name
        self.backoff = backoff
        self.clock = clock

    def storage_key(self, key: str) -> str:
        return f"{ratelimit.KEY_PREFIX}fail:{self.name}:{key}"

    def attempt(self, key: str) -> Decision:
        """Counts an attempt as failed until `succeeded`; refused with the time left while the key is locked."""
        now = self.clock()
        backoff = self.backoff()
        store = ratelimit.counters()
        if isinstance(store, ratelimit.RedisCounters):
            args = [repr(now), backoff.free_failures, repr(backoff.first_seconds), repr(backoff.max_seconds)]
            answer = store.run(ATTEMPT_SCRIPT, [self.storage_key(key)], [*args, backoff.ttl_seconds])
            locked_for = 0.0 if answer is None or int(answer[0]) == 1 else float(answer[1])
        else:
            locked_for = _memory.attempt(self.storage_key(key), now, backoff)
        if locked_for > 0:
            return Decision(allowed=False, retry_after=max(1, math.ceil(locked_for)))
        return Decision(allowed=True)

    def succeeded(self, key: str) -> None:
        store = ratelimit.counters()
        if isinstance(store, ratelimit.RedisCounters):
            store.run("return redis.call('DEL', KEYS[1])", [self.storage_key(key)], [])
        else:
            _memory.clear(self.storage_key(key))


def backoff_from_settings(name: str) -> Callable[[], Backoff]:
    """A Backoff read from `settings.<name>` (FREE_FAILURES, FIRST_LOCK_SECONDS, MAX_LOCK_SECONDS, FORGET_SECONDS)."""

    def read() -> Backoff:
        values = getattr(settings, name)
        return Backoff(
            free_failures=int(values["FREE_FAILURES"]),
            first_seconds=float(values["FIRST_LOCK_SECONDS"]),
            max_seconds=float(values["MAX_LOCK_SECONDS"]),
            forget_seconds=int(values["FORGET_SECONDS"]),
        )

    return read
