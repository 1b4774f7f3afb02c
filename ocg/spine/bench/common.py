"""What every context's benchmarks share: a clean database, timing helpers and a Tansu broker."""

from __future__ import annotations

import contextlib
import math
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import connection

from ocg.spine.eventstore import applications, events_table
from ocg.spine.localbroker import TansuBroker, wait_for_port
from ocg.spine.models import ProjectionPosition
from ocg.spine.projections import registered_projections


def say(message: str) -> None:
    """Progress goes to stderr, so stdout ends with nothing but the JSON figures."""
    print(message, file=sys.stderr, flush=True)


def read_model_tables() -> list[str]:
    """Follower positions and every registered projection's read models."""
    tables = [ProjectionPosition._meta.db_table]
    for projection in registered_projections().values():
        tables.extend(model._meta.db_table for model in projection.read_models)
    return tables


def reset(*contexts: str) -> None:
    """Start from a clean state: schema up to date, the contexts' events (and snapshots) and every read model empty.

    `migrate` builds every context's application; their pools are closed again so that a bench
    holds connections only for the contexts it uses (the server is shared, max_connections is finite).
    """
    call_command("migrate", verbosity=0, interactive=False)
    applications.close_all()
    tables = [events_table(applications.get(context)) for context in contexts] + read_model_tables()
    for context in contexts:
        snapshots = applications.get(context).snapshots
        if snapshots is not None:  # a snapshot of an emptied log would stand for events that are gone
            tables.append(f"{snapshots.recorder.datastore.schema}.{snapshots.recorder.events_table_name}")
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY")


def percentile(ordered: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not ordered:
        return 0.0
    return ordered[max(math.ceil(fraction * len(ordered)) - 1, 0)]


def run_loops(seconds: float, steps: Sequence[Callable[[], bool | None]]) -> float:
    """Each step over and over on a thread of its own, every thread starting at once, until `seconds` are up
    or the step answers False (it has nothing left to do); returns the elapsed seconds. A step's error is raised."""
    barrier = threading.Barrier(len(steps) + 1)
    errors: list[BaseException] = []
    deadline = 0.0

    def loop(step: Callable[[], bool | None]) -> None:
        barrier.wait()
        try:
            while time.perf_counter() < deadline and step() is not False:
                pass
        except BaseException as error:
            errors.append(error)

    workers = [threading.Thread(target=loop, args=(step,), daemon=True) for step in steps]
    for worker in workers:
        worker.start()
    started = time.perf_counter()
    deadline = started + seconds
    barrier.wait()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return elapsed


def run_threads(threads: int, seconds: float, operation: Callable[[int], Any]) -> float:
    """Call `operation(thread_index)` in a loop on each thread for `seconds`; return operations per second."""
    counts = [0] * threads

    def counted(index: int) -> Callable[[], None]:
        def step() -> None:
            operation(index)
            counts[index] += 1

        return step

    elapsed = run_loops(seconds, [counted(index) for index in range(threads)])
    return sum(counts) / elapsed


def wait_for_followers(done: Callable[[], bool], timeout: float, what: str, followers: list[subprocess.Popen]) -> None:
    """Until `done()`: a follower process that exits, or `timeout` seconds passing first, fails the run."""
    deadline = time.monotonic() + timeout
    while not done():
        if any(process.poll() is not None for process in followers):
            raise RuntimeError("a follower process exited")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the followers did not finish {what} within {timeout:.0f} s")
        time.sleep(0.1)


def deployed_environment(**extra: str) -> dict[str, str]:
    """A child process's settings as deployed: DEBUG off (no query log kept in memory), warnings only."""
    return {
        **os.environ,
        "DEBUG": "",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def log_tail(log: bytes, characters: int = 4000) -> str:
    """The end of the processes' log without the request log's lines, so a failure's traceback shows."""
    lines = log.decode(errors="replace").splitlines()
    return "\n".join(line for line in lines if '"logger":"ocg.request"' not in line)[-characters:]


def start_followers(groups: tuple[tuple[str, ...], ...], log: Any) -> list[subprocess.Popen]:
    """One `run_projections` process per group of follower names (an empty group: every follower)."""
    manage = str(settings.BASE_DIR / "manage.py")
    environment = deployed_environment()
    return [
        subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, manage, "run_projections", *names], env=environment, stdout=subprocess.DEVNULL, stderr=log
        )
        for names in groups
    ]


def start_server(port: int, redis_url: str, log: Any = subprocess.DEVNULL) -> subprocess.Popen:
    """The ASGI app as deployed (uvicorn, two workers, the pool) on the benchmark database; limits lifted.

    Its log (the request log included) goes to `log`, which a benchmark shows when it fails.
    """
    env = deployed_environment(
        REDIS_URL=redis_url, RATE_LIMIT_IP_PER_MINUTE="1000000000", RATE_LIMIT_USER_PER_MINUTE="1000000000"
    )
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [
            sys.executable,
            "-m",
            "uvicorn",
            "ocg.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "2",
            "--lifespan",
            "off",
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
        start_new_session=True,  # its own process group: stop_server can reach the workers too
    )
    wait_for_port(port, timeout=60)
    return server


def stop_server(server: subprocess.Popen, grace_seconds: float = 30) -> None:
    stop_processes([server], grace_seconds)


def stop_processes(processes: list[subprocess.Popen], grace_seconds: float = 30) -> None:
    """SIGTERM lets each close its connections; past the grace time it is killed, and a process that leads its own
    group (the server) takes its group with it, so no worker is left serving and spending the next run's CPU."""
    leaders = [process for process in processes if _leads_own_group(process)]
    for process in processes:
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + grace_seconds
    for process in processes:
        try:
            process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            say(f"process {process.pid} did not stop within {grace_seconds:.0f} s of SIGTERM: killed")
            process.kill()
            process.wait()
    for process in leaders:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


def _leads_own_group(process: subprocess.Popen) -> bool:
    try:
        return os.getpgid(process.pid) == process.pid
    except ProcessLookupError:
        return False


@contextmanager
def process_log() -> Iterator[Any]:
    """A file for child processes' stderr; when the run fails, its last lines are shown before the error."""
    with tempfile.TemporaryFile() as log:
        try:
            yield log
        except BaseException:
            log.seek(0)
            say(log_tail(log.read()))
            raise


@contextmanager
def kafka_bootstrap() -> Iterator[str]:
    """KAFKA_BOOTSTRAP_SERVERS if set, else a fresh Tansu broker (memory storage) killed afterwards."""
    configured = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if configured:
        yield configured
        return
    broker = TansuBroker()
    broker.start()
    try:
        yield broker.bootstrap_servers
    finally:
        broker.stop()
