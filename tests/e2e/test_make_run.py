"""`make run` from a clean checkout serves the seeded demo store on the embedded default."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from ocg.spine.localbroker import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_DEADLINE_SECONDS = 90
SERVICE_VARIABLES = (
    "DATABASE_URL",
    "REDIS_URL",
    "KAFKA_BOOTSTRAP_SERVERS",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "CELERY_BROKER_URL",
    "OCG_VAR_DIR",
    "EVENT_STORE_SQLITE_PATH",
)
PRODUCTS_QUERY = """{
  products(first: 3, filter: {currency: "EUR"}, sort: {field: PRICE}) {
    totalCount
    edges { node { name price { amount currency } thumbnail { url width height } } }
  }
}"""


def clean_checkout(destination: Path) -> None:
    """Tracked files plus new unignored ones: what a fresh clone would hold, without var/ or databases."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPO_ROOT / name
        if not source.is_file():
            continue  # deleted in the working tree but still in the index
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


def run_environment() -> dict[str, str]:
    """The caller's environment without anything that would move `make run` off the embedded default."""
    return {
        name: value
        for name, value in os.environ.items()
        if name.removesuffix("_FILE") not in SERVICE_VARIABLES
        and name not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "DJANGO_SETTINGS_MODULE")
    }


@dataclass
class RunningStore:
    base: str
    log: Path
    process: subprocess.Popen

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def make_run(tmp_path) -> Iterator[RunningStore]:
    checkout = tmp_path / "checkout"
    clean_checkout(checkout)
    assert not (checkout / "var").exists()
    venv = Path(sys.prefix)
    port = free_port()
    log = tmp_path / "make-run.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            # -o: the existing virtualenv is already installed; never reinstall it from the copy.
            ["make", "-o", f"{venv}/.installed", "run", f"PORT={port}", f"VENV={venv}"],
            cwd=checkout,
            env=run_environment(),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    store = RunningStore(f"http://127.0.0.1:{port}", log, process)
    try:
        yield store
    finally:
        stop_group(process)
        print(f"---- make run output (shown by pytest on failure) ----\n{store.output()}")


def stop_group(process: subprocess.Popen) -> None:
    """Stop make, manage.py serve and anything they started, as one process group."""
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


def wait_until_healthy(store: RunningStore) -> None:
    deadline = time.monotonic() + STARTUP_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if store.process.poll() is not None:
            pytest.fail(f"make run exited with {store.process.returncode} before /healthz answered")
        try:
            if httpx.get(f"{store.base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    pytest.fail(f"/healthz did not answer 200 within {STARTUP_DEADLINE_SECONDS}s")


def test_make_run_serves_the_seeded_demo_store(make_run):
    wait_until_healthy(make_run)
    base = make_run.base

    assert httpx.get(f"{base}/healthz", timeout=5, headers={"X-Request-ID": "run-healthz"}).json() == {"status": "ok"}

    ready = httpx.get(f"{base}/readyz", timeout=10, headers={"X-Request-ID": "run-readyz"})
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert body["status"] == "ok"
    assert "catalog" in body["projection_lag"]

    answer = httpx.post(
        f"{base}/graphql", json={"query": PRODUCTS_QUERY}, timeout=10, headers={"X-Request-ID": "run-graphql"}
    )
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert "errors" not in result, result
    products = [edge["node"] for edge in result["data"]["products"]["edges"]]
    assert len(products) == 3 and result["data"]["products"]["totalCount"] >= 3
    assert all(product["price"]["currency"] == "EUR" and product["thumbnail"] for product in products)

    # A task queued by a request runs inside the process (eager Celery on the in-memory broker).
    sent = httpx.post(
        f"{base}/api/auth/passwordless/request",
        json={"email": "customer@demo.ocg"},
        timeout=10,
        headers={"X-Request-ID": "run-passwordless"},
    )
    assert sent.json() == {"sent": True}

    output = make_run.output()
    assert f"{base}/graphql" in output
    assert "customer@demo.ocg" in output
    assert "No hostname" not in output
    assert not re.search(r'"(GET|POST) /[^"]* HTTP/1\.1"', output), "the server's own access log is on"
    request_lines = [line for line in output.splitlines() if line.startswith('{"') and '"ocg.request"' in line]
    logged = [json.loads(line)["request_id"] for line in request_lines]
    for request_id in ("run-healthz", "run-readyz", "run-graphql", "run-passwordless"):
        assert logged.count(request_id) == 1, (request_id, logged.count(request_id))
