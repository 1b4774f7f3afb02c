"""The web server as the image runs it (uvicorn with the Dockerfile's flags), in a subprocess on the test database.

Its stdout and stderr go to one file, so a test can read every line the process printed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
from django.db import connection

from ocg.spine.localbroker import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_DEADLINE_SECONDS = 60
# The Dockerfile's CMD, less the address and port.
UVICORN_FLAGS = ["--lifespan", "off", "--proxy-headers", "--no-server-header", "--no-access-log"]
# Small pools: the test's own process and other engineers' runs share the PostgreSQL server.
SMALL_POOLS = {
    "DB_POOL_MIN_SIZE": "1",
    "DB_POOL_MAX_SIZE": "4",
    "EVENT_STORE_POOL_SIZE": "1",
    "EVENT_STORE_POOL_MAX_OVERFLOW": "2",
}


@dataclass
class Server:
    base: str
    port: int
    log: Path
    process: subprocess.Popen

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def database_url_for_server() -> str:
    """DATABASE_URL with the database pytest-django created, which the test's fixtures fill."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{connection.settings_dict['NAME']}"))


def server_environment(**overrides: str) -> dict[str, str]:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ocg.settings",
        "DATABASE_URL": database_url_for_server(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONUNBUFFERED": "1",
        **SMALL_POOLS,
    }
    environment.pop("DEBUG", None)
    environment.update(overrides)
    return environment


def wait_until_healthy(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"the server exited with {server.process.returncode}:\n{server.output()}")
        try:
            if httpx.get(f"{server.base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"/healthz did not answer within {STARTUP_DEADLINE_SECONDS}s:\n{server.output()}")


def stop(process: subprocess.Popen) -> None:
    """SIGINT first, as a container runtime would, so the server shuts down and flushes its output."""
    for signum, wait in ((signal.SIGINT, 15), (signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, signum)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


@contextmanager
def running_server(log: Path, **overrides: str) -> Iterator[Server]:
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "ocg.asgi:application", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*command, *UVICORN_FLAGS],
            cwd=REPO_ROOT,
            env=server_environment(**overrides),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(f"http://127.0.0.1:{port}", port, log, process)
    try:
        wait_until_healthy(server)
        yield server
    finally:
        stop(process)
